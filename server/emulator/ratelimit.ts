/**
 * Per-action request-rate limits, counted the way Tencent Cloud API counts them: per action and
 * caller (Tencent: API + access region + sub-account; one emulator is one access region, and each
 * of its credentials stands for one sub-account), in fixed one-second windows of the server's
 * clock ("the first N requests of every second pass"), by the time a request *arrives*, not when
 * the client sent it nor when the server got round to checking it.
 */
import type { CheckAction, EmulatorAction } from './types.js'

/**
 * Tencent's default frequency limits for the token actions, calls per second (the API pages'
 * "默认接口请求频率限制"). The identity-factor check actions are not listed: their limits are not
 * recorded here, so they are unlimited unless `qpsLimit` names them.
 */
export const TENCENT_QPS_LIMITS: Readonly<Record<Exclude<EmulatorAction, CheckAction>, number>> = {
  DetectAuth: 100,
  GetDetectInfoEnhanced: 100,
  GetEidToken: 100,
  GetEidResult: 100,
  GetWeChatBillDetails: 20,
}

export interface QpsVerdict {
  ok: boolean
  /** Requests of this action and caller that arrived in the same second, this one included. */
  count: number
  limit: number
}

/** Seconds of counts kept per action and caller: a request is checked a moment after it arrived, rarely later. */
const KEEP_SECONDS = 10

/** `A`: the names limits are kept under (Tencent's actions by default; the WeBank mode's endpoints). */
export class QpsLimiter<A extends string = EmulatorAction> {
  /** Per action and caller: requests that arrived in each recent second (epoch second → count). */
  private readonly counts = new Map<string, Map<number, number>>()
  violations = 0

  constructor(private readonly limits: number | Partial<Record<NoInfer<A>, number>> | undefined) {}

  private limitOf(action: A): number {
    if (this.limits === undefined) return Infinity
    if (typeof this.limits === 'number') return this.limits
    return this.limits[action] ?? Infinity
  }

  /**
   * Counts one request of `action` by `caller` (its SecretId) that arrived at `arrivedAtMs` on
   * the emulator's clock. Requests may be checked in another order than they arrived (bodies and
   * signatures take their time): each counts in the second it arrived in. Refused requests count
   * too; within a fixed window that changes nothing about which pass (the first N still do).
   */
  check(action: A, caller: string, arrivedAtMs: number): QpsVerdict {
    const limit = this.limitOf(action)
    if (limit === Infinity) return { ok: true, count: 0, limit }
    const second = Math.floor(arrivedAtMs / 1000)
    const key = `${action}\n${caller}`
    let seconds = this.counts.get(key)
    if (!seconds) this.counts.set(key, (seconds = new Map()))
    const count = (seconds.get(second) ?? 0) + 1
    seconds.set(second, count)
    for (const s of seconds.keys()) if (s < second - KEEP_SECONDS) seconds.delete(s)
    const ok = count <= limit
    if (!ok) this.violations += 1
    return { ok, count, limit }
  }
}
