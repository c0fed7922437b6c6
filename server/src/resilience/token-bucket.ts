import { wrapClient, type ActionMap, type ProviderClient } from '../providers/provider.js'

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number
  /**
   * Most tokens held at once (the largest burst). Default 1: calls are then spaced at least
   * 1/rate apart, so no window of one second ever holds more than `ratePerSecond` calls.
   */
  capacity?: number
  /** Injected for tests: a monotonic clock in ms. Default `performance.now`. */
  now?: () => number
  /** Injected for tests. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>
}

/**
 * A token bucket: `take()` resolves when a token is available, in call order. In any interval
 * of length T at most `capacity + rate·T` takes resolve — the cap is never exceeded, however
 * many callers share the bucket (share one per process to cap the process).
 */
export class TokenBucket {
  readonly ratePerSecond: number
  readonly capacity: number
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>
  /**
   * The bucket as a "theoretical arrival time" (GCRA), in ms × rate so that one token is exactly
   * 1000 units: no floating-point drift can let calls creep closer than 1/rate.
   */
  private nextScaled = -Infinity
  /**
   * With capacity 1, the times of the last ⌊rate⌋ takes (at least one): the hard cap. Pacing may
   * then carry a late wake-up forward instead of losing it, which at 50/s otherwise costs 5–10 %
   * of the rate, and the cap still holds because this log is checked first.
   */
  private readonly recent: number[] = []
  private readonly recentMax: number
  private readonly recentWindowMs: number
  /** Callers wait in line, so a burst of callers cannot overtake each other. */
  private tail: Promise<void> = Promise.resolve()

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) throw new RangeError('ratePerSecond must be a positive number')
    const capacity = options.capacity ?? 1
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a whole number ≥ 1')
    this.ratePerSecond = options.ratePerSecond
    this.capacity = capacity
    this.now = options.now ?? (() => performance.now())
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    // ⌊rate⌋ takes per second, or for rates below 1/s one take per 1/rate seconds.
    this.recentMax = Math.max(1, Math.floor(this.ratePerSecond))
    this.recentWindowMs = (this.recentMax * 1000) / this.ratePerSecond
  }

  /** Waits for one token and spends it. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.takeInTurn())
    // A rejected sleep must not wedge the line for everyone after it.
    this.tail = turn.catch(() => undefined)
    return turn
  }

  private async takeInTurn(): Promise<void> {
    const burst = (this.capacity - 1) * 1000
    const capped = this.capacity === 1
    // How far behind schedule pacing may run and still catch up (one interval, only when the log caps).
    const carryScaled = capped ? 1000 : 0
    for (;;) {
      const now = this.now()
      const nowScaled = now * this.ratePerSecond
      const paceWaitMs = (this.nextScaled - burst - nowScaled) / this.ratePerSecond
      const capWaitMs = capped && this.recent.length === this.recentMax ? this.recent[0]! + this.recentWindowMs - now : 0
      const waitMs = Math.max(paceWaitMs, capWaitMs)
      if (waitMs <= 0) {
        this.nextScaled = Math.max(this.nextScaled, nowScaled - carryScaled) + 1000
        if (capped) {
          this.recent.push(now)
          if (this.recent.length > this.recentMax) this.recent.shift()
        }
        return
      }
      // Round up: waking a hair early would only loop again.
      await this.sleep(Math.ceil(waitMs))
    }
  }
}

/**
 * The same client (any provider's, e.g. the Tencent `Gateway`), each call waiting for a token of
 * `bucket` first (retries included when wrapped inside `withRetries`).
 */
export function withRateLimit<A extends ActionMap>(client: ProviderClient<A>, bucket: TokenBucket): ProviderClient<A> {
  // The call options (its deadline's AbortSignal) pass through to the client.
  return wrapClient(client, async (_action, next, options) => {
    await bucket.take()
    return next(options)
  })
}
