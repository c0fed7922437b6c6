/** Random per-request faults, drawn from a seeded PRNG so a run can be reproduced. */
import { z } from 'zod'
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

// Appended kinds go last: a seed gives the same faults as before when their rate is 0.
const EXCLUSIVE = [
  ['drop', 'dropRate'],
  ['http5xx', 'http5xxRate'],
  ['rateLimit', 'rateLimitRate'],
  ['internalError', 'internalErrorRate'],
  ['stall', 'stallRate'],
] as const

export function emptyFaultCounts(): Record<FaultKind, number> {
  return { drop: 0, stall: 0, http5xx: 0, rateLimit: 0, internalError: 0, slow: 0 }
}

const rate = z.number().min(0).max(1)
const ms = z.number().min(0).max(600_000)
const FaultOptionsSchema = z.strictObject({
  http5xxRate: rate.optional(),
  rateLimitRate: rate.optional(),
  internalErrorRate: rate.optional(),
  dropRate: rate.optional(),
  stallRate: rate.optional(),
  slowRate: rate.optional(),
  slowMs: ms.optional(),
  latencyMs: ms.optional(),
  seed: z.number().int().optional(),
})

/**
 * Fault options from untrusted JSON (the admin routes): known keys only, numbers in range, and
 * the exclusive rates summing to at most 1. Throws `EmulatorError('INVALID_OPTIONS')`.
 */
export function parseFaultOptions(input: unknown): FaultOptions {
  const parsed = FaultOptionsSchema.safeParse(input)
  if (!parsed.success) {
    throw new EmulatorError(
      'INVALID_OPTIONS',
      'Expected { http5xxRate?, rateLimitRate?, internalErrorRate?, dropRate?, stallRate?, slowRate? (each 0–1), slowMs?, latencyMs? (0–600000), seed? (integer) }',
    )
  }
  const options: FaultOptions = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined))
  validateFaultOptions(options)
  return options
}

export function validateFaultOptions(options: FaultOptions): void {
  const rates = [...EXCLUSIVE.map(([, key]) => options[key]), options.slowRate]
  if (rates.some((r) => r !== undefined && !(r >= 0 && r <= 1))) {
    throw new EmulatorError('INVALID_OPTIONS', 'Fault rates must be numbers in [0, 1]')
  }
  const exclusive = EXCLUSIVE.reduce((sum, [, key]) => sum + (options[key] ?? 0), 0)
  if (exclusive > 1 + 1e-9) throw new EmulatorError('INVALID_OPTIONS', 'dropRate + stallRate + http5xxRate + rateLimitRate + internalErrorRate must be ≤ 1')
  if (options.slowMs !== undefined && !(options.slowMs >= 0)) throw new EmulatorError('INVALID_OPTIONS', 'slowMs must be ≥ 0')
  if (options.latencyMs !== undefined && !(options.latencyMs >= 0)) throw new EmulatorError('INVALID_OPTIONS', 'latencyMs must be ≥ 0')
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
    if (options) validateFaultOptions(options)
    this.options = options && { ...options }
    this.random = mulberry32(options?.seed ?? Math.floor(Math.random() * 0x1_0000_0000))
  }

  /** A copy of the faults in force. */
  get current(): FaultOptions | undefined {
    return this.options && { ...this.options }
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
    return { ...(kind && { kind }), delayMs: (options.latencyMs ?? 0) + (slow ? (options.slowMs ?? 2000) : 0) }
  }
}
