/**
 * Deadlines of provider calls: the abort reason a passed deadline carries, the error a call that
 * ran past one ends with, and the signal of one attempt that every provider client sends with
 * its HTTP request.
 */
import { UpstreamError } from '../errors/index.js'

/** Abort reason of a passed deadline: which one, and how long it was. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly scope: 'attempt' | 'call',
    readonly timeoutMs: number,
  ) {
    super(`The ${scope} deadline of ${timeoutMs} ms passed`)
    this.name = 'DeadlineExceeded'
  }
}

/**
 * A provider call that ran past a deadline: one attempt's (`FACEID_TIMEOUT_SECONDS` for Tencent)
 * or the whole call's with its retries (`FACEID_TOTAL_TIMEOUT_SECONDS`). The socket has been
 * destroyed. Answered as 503 `upstream_unavailable`, like any other unreachable upstream.
 */
export class UpstreamTimeoutError extends UpstreamError {
  readonly scope: 'attempt' | 'call'
  readonly timeoutMs: number
  /** The provider's name as messages give it: `Tencent`, `Megvii`, `WeBank`. */
  readonly provider: string

  constructor(action: string, deadline: DeadlineExceeded, cause?: unknown, provider = 'Tencent') {
    super(
      {
        action,
        tencentCode: 'Timeout',
        retryable: true,
        status: 503,
        code: 'upstream_unavailable',
        message: `${provider} ${action} is unreachable (no complete answer within the ${deadline.scope} deadline of ${deadline.timeoutMs} ms)`,
      },
      cause,
    )
    this.scope = deadline.scope
    this.timeoutMs = deadline.timeoutMs
    this.provider = provider
  }
}

/** The signal of one attempt, and what releases it once the attempt is over. */
export interface AttemptDeadline {
  /** Aborts at the deadline (reason `DeadlineExceeded('attempt')`), or with `outer`'s reason. */
  readonly signal: AbortSignal
  /** Clears the timer and stops listening to `outer`; call it when the attempt ends, however. */
  end(): void
}

/** A signal that aborts after `timeoutMs`, or as soon as `outer` (the caller's) aborts. */
export function attemptDeadline(timeoutMs: number, outer: AbortSignal | undefined): AttemptDeadline {
  const controller = new AbortController()
  const onOuterAbort = (): void => controller.abort(outer?.reason)
  if (outer?.aborted) onOuterAbort()
  else outer?.addEventListener('abort', onOuterAbort, { once: true })
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded('attempt', timeoutMs)), timeoutMs)
  return {
    signal: controller.signal,
    end() {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
    },
  }
}

/**
 * What an attempt whose signal aborted rejects with: `UpstreamTimeoutError` when a deadline
 * passed (retried), `Aborted` when its caller gave up (not retried: nobody waits for it any
 * more). Undefined while the signal has not aborted.
 */
export function abortedAttemptError(action: string, signal: AbortSignal, cause: unknown, provider: string): UpstreamError | undefined {
  if (!signal.aborted) return undefined
  const reason: unknown = signal.reason
  if (reason instanceof DeadlineExceeded) return new UpstreamTimeoutError(action, reason, cause, provider)
  return new UpstreamError(
    { action, tencentCode: 'Aborted', retryable: false, status: 503, code: 'upstream_unavailable', message: `${provider} ${action} was abandoned by its caller` },
    cause,
  )
}
