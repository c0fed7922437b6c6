/** Per-action requests-per-second limits, on the emulator's clock (one-second fixed windows). */
import type { EmulatorAction } from './types.js'

/** Tencent's default frequency limits for these actions, per second. */
export const TENCENT_QPS_LIMITS: Readonly<Record<EmulatorAction, number>> = {
  DetectAuth: 20,
  GetDetectInfoEnhanced: 20,
  GetEidToken: 100,
  GetEidResult: 100,
  GetWeChatBillDetails: 20,
}

export interface QpsVerdict {
  ok: boolean
  count: number
  limit: number
}

export class QpsLimiter {
  private readonly windows = new Map<string, { second: number; count: number }>()
  violations = 0

  constructor(private readonly limits: number | Partial<Record<EmulatorAction, number>> | undefined) {}

  private limitOf(action: EmulatorAction): number {
    if (this.limits === undefined) return Infinity
    if (typeof this.limits === 'number') return this.limits
    return this.limits[action] ?? Infinity
  }

  check(action: EmulatorAction, nowMs: number): QpsVerdict {
    const limit = this.limitOf(action)
    if (limit === Infinity) return { ok: true, count: 0, limit }
    const second = Math.floor(nowMs / 1000)
    let window = this.windows.get(action)
    if (!window || window.second !== second) {
      window = { second, count: 0 }
      this.windows.set(action, window)
    }
    window.count += 1
    const ok = window.count <= limit
    if (!ok) this.violations += 1
    return { ok, count: window.count, limit }
  }
}
