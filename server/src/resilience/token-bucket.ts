import { wrapClient, type ActionMap, type ProviderClient } from '../providers/provider.js'

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number
  /**
   * Most tokens held at once (the largest burst). Default 1: the bucket is then a hard cap, and
   * no one-second window at the server ever receives more than `ratePerSecond` calls (a
   * fractional rate above 1 caps at its whole part), however the calls are delayed on the way,
   * provided each call's end is reported (`acquire`, or `withRateLimit`, which does).
   */
  capacity?: number
  /** Injected for tests: a monotonic clock in ms. Default `performance.now`. */
  now?: () => number
  /** Injected for tests. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** Ends a call's hold on the cap: call it once the call has settled (answer, error or abort). */
export type ReleaseSlot = () => void

/**
 * A token bucket: `take()` / `acquire()` resolve when a token is available, in call order. In
 * any interval of length T at most `capacity + rate·T` calls start — never more, however many
 * callers share the bucket (share one per process to cap the process).
 *
 * With capacity 1 it is also a cap as the server counts it. Tencent counts the calls that
 * *arrive* in each second, and the bucket only knows when a call leaves: network and event-loop
 * delays can push a call sent early in one second next to calls sent a second later. So a call
 * counts against the cap from the moment it leaves until one window after it has *settled*
 * (the answer cannot come before the request arrived), and at most ⌊rate⌋ calls count at once.
 * Of any ⌊rate⌋ + 1 calls arriving within one window, the one that left last would have found
 * all the others still counting, so no window at the server, fixed or sliding, gets more than
 * ⌊rate⌋, whatever the delays. The price is the round trip: each slot is busy for one window
 * plus the call's own duration. No margin is guessed: the bound holds for any delay.
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
   * With capacity 1, the calls that still count against the cap: when each stops counting
   * (`Infinity` while it is in flight). Pacing may carry a late wake-up forward instead of losing
   * it, which at 50/s otherwise costs 5–10 % of the rate; the cap still holds because these
   * slots are checked first.
   */
  private readonly slots: { until: number }[] = []
  private readonly slotMax: number
  private readonly windowMs: number
  /** Resolved (and replaced) whenever a call in flight settles: a full cap may then free a slot. */
  private settled = signal()
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
    // ⌊rate⌋ calls per second (Tencent's unit); below 1/s, one call per 1/rate seconds.
    this.slotMax = Math.max(1, Math.floor(this.ratePerSecond))
    this.windowMs = this.ratePerSecond >= 1 ? 1000 : 1000 / this.ratePerSecond
  }

  /**
   * Waits for one token and spends it, for a call that starts now and whose end is not
   * reported: it counts against the cap for one window from now, which holds only if it
   * reaches the server without delay. Prefer `acquire`.
   */
  take(): Promise<void> {
    return this.enqueue((now) => {
      if (this.capacity === 1) this.slots.push({ until: now + this.windowMs })
    })
  }

  /**
   * Waits for one token and spends it; the call then counts against the cap until one window
   * after `release()` is called. Call it when the call has settled, in every path.
   */
  acquire(): Promise<ReleaseSlot> {
    return this.enqueue(() => (this.capacity === 1 ? this.occupy() : () => undefined))
  }

  /** Waits in line for a token; `grant` spends it (at time `now`) and says what the caller gets. */
  private enqueue<T>(grant: (now: number) => T): Promise<T> {
    const turn = this.tail.then(() => this.takeInTurn(grant))
    // A rejected sleep must not wedge the line for everyone after it.
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    )
    return turn
  }

  private async takeInTurn<T>(grant: (now: number) => T): Promise<T> {
    const burst = (this.capacity - 1) * 1000
    const capped = this.capacity === 1
    // How far behind schedule pacing may run and still catch up (one interval, only when the slots cap).
    const carryScaled = capped ? 1000 : 0
    for (;;) {
      const now = this.now()
      const nowScaled = now * this.ratePerSecond
      const paceWaitMs = (this.nextScaled - burst - nowScaled) / this.ratePerSecond
      let capWaitMs = 0
      if (capped) {
        this.dropExpired(now)
        // Full: wait for the first slot to lapse, or (all in flight) for a call to settle.
        if (this.slots.length >= this.slotMax) capWaitMs = this.slots.reduce((first, s) => Math.min(first, s.until), Infinity) - now
      }
      const waitMs = Math.max(paceWaitMs, capWaitMs)
      if (waitMs <= 0) {
        this.nextScaled = Math.max(this.nextScaled, nowScaled - carryScaled) + 1000
        return grant(now)
      }
      if (waitMs === Infinity) await this.settled.promise
      // Round up: waking a hair early would only loop again.
      else await this.sleep(Math.ceil(waitMs))
    }
  }

  private dropExpired(now: number): void {
    let kept = 0
    for (const slot of this.slots) if (slot.until > now) this.slots[kept++] = slot
    this.slots.length = kept
  }

  private occupy(): ReleaseSlot {
    const slot = { until: Infinity }
    this.slots.push(slot)
    let released = false
    return () => {
      if (released) return
      released = true
      slot.until = this.now() + this.windowMs
      const settled = this.settled
      this.settled = signal()
      settled.resolve()
    }
  }
}

/**
 * The same client (any provider's, e.g. the Tencent `Gateway`), each call waiting for a token of
 * `bucket` first and holding it until it settles (retries included when wrapped inside
 * `withRetries`).
 */
export function withRateLimit<A extends ActionMap>(client: ProviderClient<A>, bucket: TokenBucket): ProviderClient<A> {
  // The call options (its deadline's AbortSignal) pass through to the client.
  return wrapClient(client, async (_action, next, options) => {
    const release = await bucket.acquire()
    try {
      return await next(options)
    } finally {
      release()
    }
  })
}
