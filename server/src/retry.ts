import type { UpstreamError } from './errors.js'
import type { Gateway } from './gateway.js'
import { envNumber } from './config.js'
import { toUpstreamError } from './upstream-errors.js'

export interface RetryOptions {
  /** Calls in all, the first included. Default 3; 1 disables retries. */
  attempts?: number
  /** Ceiling of the first backoff, in ms. Default 100. */
  baseDelayMs?: number
  /** Largest backoff ceiling, in ms. Default 2000. */
  maxDelayMs?: number
  /**
   * Time budget for one logical call (all attempts and waits), in ms. No retry starts whose
   * backoff would end past it. Default: none (the per-request timeout of the gateway still applies).
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
}

export interface RetryInfo {
  action: string
  /** The attempt that failed, from 1. */
  attempt: number
  delayMs: number
  error: UpstreamError
}

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
 */
export async function retrying<T>(action: string, fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 3))
  const delays = { baseDelayMs: options.baseDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 2000, random: options.random ?? Math.random }
  const sleep = options.sleep ?? defaultSleep
  const now = options.now ?? Date.now
  const deadline = options.budgetMs === undefined ? Infinity : now() + options.budgetMs
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (caught) {
      const error = toUpstreamError(action, caught)
      if (!error.retryable || attempt >= attempts) throw error
      const delayMs = backoffDelay(attempt, delays)
      if (now() + delayMs > deadline) throw error
      options.onRetry?.({ action, attempt, delayMs, error })
      await sleep(delayMs)
    }
  }
}

/**
 * The same gateway, each call retried on transient failures.
 *
 * A retried `DetectAuth` / `GetEidToken` whose first answer was lost on the way back (a dropped
 * connection, a timeout) has created a token upstream that nobody will ever see. Such a token is
 * never used, so never charged; it is simply not in the ledger.
 */
export function withRetries(gateway: Gateway, options: RetryOptions = {}): Gateway {
  return {
    detectAuth: (req) => retrying('DetectAuth', () => gateway.detectAuth(req), options),
    getDetectInfoEnhanced: (req) => retrying('GetDetectInfoEnhanced', () => gateway.getDetectInfoEnhanced(req), options),
    getEidToken: (req) => retrying('GetEidToken', () => gateway.getEidToken(req), options),
    getEidResult: (req) => retrying('GetEidResult', () => gateway.getEidResult(req), options),
    getWeChatBillDetails: (req) => retrying('GetWeChatBillDetails', () => gateway.getWeChatBillDetails(req), options),
  }
}

/** Reads retry settings from the environment (see the README's configuration table). */
export function retryOptionsFromEnv(env: NodeJS.ProcessEnv): RetryOptions {
  const options: RetryOptions = {}
  const attempts = envNumber(env, 'FACEID_RETRY_ATTEMPTS')
  const base = envNumber(env, 'FACEID_RETRY_BASE_MS')
  const max = envNumber(env, 'FACEID_RETRY_MAX_MS')
  if (attempts !== undefined) options.attempts = attempts
  if (base !== undefined) options.baseDelayMs = base
  if (max !== undefined) options.maxDelayMs = max
  return options
}

/** `FACEID_TIMEOUT_SECONDS`: the per-request timeout of the Tencent SDK (its `reqTimeout`). */
export function timeoutSecondsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  return envNumber(env, 'FACEID_TIMEOUT_SECONDS') || undefined
}
