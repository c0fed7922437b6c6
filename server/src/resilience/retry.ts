import type { UpstreamError } from '../errors/index.js'
import { DeadlineExceeded, UpstreamTimeoutError } from './deadlines.js'
import { wrapClient, type ActionMap, type CallOptions, type ProviderClient } from '../providers/provider.js'
import { toUpstreamError } from '../providers/tencent/errors.js'

export interface RetryOptions {
  /** Calls in all, the first included. Default 3; 1 disables retries. */
  attempts?: number
  /** Ceiling of the first backoff, in ms. Default 100. */
  baseDelayMs?: number
  /** Largest backoff ceiling, in ms. Default 2000. */
  maxDelayMs?: number
  /**
   * Deadline of one logical call (all attempts and waits), in ms. No retry starts whose backoff
   * would end past it, and the attempt in flight when it passes is aborted (its socket closed):
   * the call then rejects with `UpstreamTimeoutError` (`scope: 'call'`). Default 20 000;
   * `Infinity` for none (each attempt's own deadline still applies).
   */
  budgetMs?: number
  /** Injected for tests. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>
  /** Injected for tests: a number in [0, 1). Default `Math.random`. */
  random?: () => number
  /** Injected for tests: the clock the budget is measured with, in ms. Default `Date.now`. */
  now?: () => number
  /** Told about each retry, e.g. for logging (never log request bodies: they hold identities). */
  onRetry?: (info: RetryInfo) => void
  /** The provider's name in the message of a call that ran out of its budget. Default `Tencent`. */
  provider?: string
}

export interface RetryInfo {
  action: string
  /** The attempt that failed, from 1. */
  attempt: number
  delayMs: number
  error: UpstreamError
}

/** Default deadline of one call with all its retries (`FACEID_TOTAL_TIMEOUT_SECONDS`), in ms. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 20_000

/** Longest delay `setTimeout` takes (longer ones fire at once); a longer budget means none. */
const MAX_TIMER_MS = 2_147_483_647

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * "Full jitter" backoff: a uniform wait in [0, min(max, base·2^(attempt−1))). Spreading retries
 * out keeps many clients that failed together from hitting Tencent together again.
 */
export function backoffDelay(attempt: number, options: { baseDelayMs: number; maxDelayMs: number; random: () => number }): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(options.random() * ceiling)
}

/**
 * Runs `fn`, retrying transient upstream failures (the `retryable` flag of `UpstreamError`:
 * RequestLimitExceeded, InternalError, HTTP 5xx, network errors, timeouts). Anything else —
 * a bad parameter, an auth failure, an expired token — is thrown at once: repeating it cannot help.
 * `attemptTimeoutMs`: the longest one call of `fn` takes on its own (`ProviderClient.attemptTimeoutMs`).
 */
export async function retrying<T>(
  action: string,
  fn: (options: CallOptions) => Promise<T>,
  options: RetryOptions = {},
  callOptions: CallOptions = {},
  attemptTimeoutMs?: number,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 3))
  const delays = { baseDelayMs: options.baseDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 2000, random: options.random ?? Math.random }
  const sleep = options.sleep ?? defaultSleep
  const now = options.now ?? Date.now
  const budgetMs = options.budgetMs ?? DEFAULT_TOTAL_TIMEOUT_MS
  const deadline = now() + budgetMs
  const outer = callOptions.signal
  // The budget's own signal and timer, made for the first attempt that could outlast the budget:
  // a first attempt that ends on its own before it (the client's deadline per attempt, no
  // caller's signal) goes without, which is the common case and saves a timer per call.
  let budget: { controller: AbortController; timer: ReturnType<typeof setTimeout> | undefined } | undefined
  const onOuterAbort = (): void => budget?.controller.abort(outer?.reason)
  const budgetSignal = (): AbortSignal => {
    if (!budget) {
      const controller = new AbortController()
      const left = Math.max(0, deadline - now())
      const timer = left <= MAX_TIMER_MS ? setTimeout(() => controller.abort(new DeadlineExceeded('call', budgetMs)), left) : undefined
      budget = { controller, timer }
      if (outer?.aborted) onOuterAbort()
      else outer?.addEventListener('abort', onOuterAbort, { once: true })
    }
    return budget.controller.signal
  }
  const firstEndsInBudget = !outer && attemptTimeoutMs !== undefined && attemptTimeoutMs <= budgetMs
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt === 1 && firstEndsInBudget ? {} : { signal: budgetSignal() })
      } catch (caught) {
        const error = toUpstreamError(action, caught)
        const signal = budget?.controller.signal
        if (signal?.aborted) {
          const reason: unknown = signal.reason
          throw reason instanceof DeadlineExceeded && !(error instanceof UpstreamTimeoutError && error.scope === 'call') ? new UpstreamTimeoutError(action, reason, error, error instanceof UpstreamTimeoutError ? error.provider : (options.provider ?? 'Tencent')) : error
        }
        if (!error.retryable || attempt >= attempts) throw error
        const delayMs = backoffDelay(attempt, delays)
        if (now() + delayMs > deadline) throw error
        options.onRetry?.({ action, attempt, delayMs, error })
        await sleep(delayMs)
      }
    }
  } finally {
    if (budget) {
      clearTimeout(budget.timer)
      outer?.removeEventListener('abort', onOuterAbort)
    }
  }
}

/**
 * The same client (any provider's, e.g. the Tencent `Gateway`), each call retried on transient
 * failures.
 *
 * A retried `DetectAuth` / `GetEidToken` whose first answer was lost on the way back (a dropped
 * connection, a timeout) has created a token upstream that nobody will ever see. Such a token is
 * never used, so never charged; it is simply not in the ledger.
 */
export function withRetries<A extends ActionMap>(client: ProviderClient<A>, options: RetryOptions = {}): ProviderClient<A> {
  return wrapClient(client, (action, next, callOptions) => retrying(action, next, options, callOptions, client.attemptTimeoutMs))
}
