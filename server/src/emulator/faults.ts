/** Random per-request faults, drawn from a seeded PRNG so a run can be reproduced. */
import { EmulatorError } from './errors.js'
import type { FaultKind, FaultOptions } from './types.js'

/** mulberry32: a small, fast 32-bit PRNG; plenty for fault sampling. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }
}

export interface FaultDecision {
  /** The fault replacing the answer, if any. */
  kind?: Exclude<FaultKind, 'slow'>
  /** Delay before answering (0: none). */
  delayMs: number
}

const EXCLUSIVE = [
  ['drop', 'dropRate'],
  ['http5xx', 'http5xxRate'],
  ['rateLimit', 'rateLimitRate'],
  ['internalError', 'internalErrorRate'],
] as const

export function emptyFaultCounts(): Record<FaultKind, number> {
  return { drop: 0, http5xx: 0, rateLimit: 0, internalError: 0, slow: 0 }
}

export class FaultInjector {
  private options: FaultOptions | undefined
  private random: () => number = Math.random
  readonly counts = emptyFaultCounts()

  constructor(options?: FaultOptions) {
    this.set(options)
  }

  get injected(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0)
  }

  set(options: FaultOptions | undefined): void {
    if (options) {
      const rates = [...EXCLUSIVE.map(([, key]) => options[key]), options.slowRate]
      if (rates.some((r) => r !== undefined && !(r >= 0 && r <= 1))) {
        throw new EmulatorError('INVALID_OPTIONS', 'Fault rates must be numbers in [0, 1]')
      }
      const exclusive = EXCLUSIVE.reduce((sum, [, key]) => sum + (options[key] ?? 0), 0)
      if (exclusive > 1 + 1e-9) throw new EmulatorError('INVALID_OPTIONS', 'dropRate + http5xxRate + rateLimitRate + internalErrorRate must be ≤ 1')
      if (options.slowMs !== undefined && !(options.slowMs >= 0)) throw new EmulatorError('INVALID_OPTIONS', 'slowMs must be ≥ 0')
    }
    this.options = options
    this.random = mulberry32(options?.seed ?? Math.floor(Math.random() * 0x1_0000_0000))
  }

  /** One draw per request: at most one exclusive fault, plus possibly a delay. */
  decide(): FaultDecision {
    const options = this.options
    if (!options) return { delayMs: 0 }
    const u = this.random()
    const slow = this.random() < (options.slowRate ?? 0)
    let kind: FaultDecision['kind']
    let edge = 0
    for (const [name, key] of EXCLUSIVE) {
      edge += options[key] ?? 0
      if (u < edge) {
        kind = name
        break
      }
    }
    if (kind) this.counts[kind] += 1
    if (slow) this.counts.slow += 1
    return { ...(kind && { kind }), delayMs: slow ? (options.slowMs ?? 2000) : 0 }
  }
}
