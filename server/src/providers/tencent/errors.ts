import { UpstreamError } from '../../errors/index.js'

interface SdkErrorShape {
  message?: unknown
  code?: unknown
  requestId?: unknown
  httpCode?: unknown
}

/** Tencent codes that a later identical call can get past. */
const TRANSIENT_CODES = new Set(['RequestLimitExceeded', 'InternalError', 'FailedOperation.UnKnown', 'ResourceUnavailable'])

/** Codes that mean the token itself is gone on Tencent's side. */
export const TOKEN_GONE_CODES = new Set([
  'InvalidParameterValue.BizTokenExpired',
  'InvalidParameterValue.BizTokenIllegal',
])

/**
 * Classifies whatever the SDK threw. The SDK throws one exception class for everything: a
 * Tencent error carries `code`; an HTTP failure carries `httpCode`; a network failure has neither.
 */
export function toUpstreamError(action: string, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape
  const requestId = typeof e.requestId === 'string' && e.requestId ? e.requestId : undefined
  const tencentCode = typeof e.code === 'string' && e.code ? e.code : undefined
  const rawMessage = typeof e.message === 'string' ? e.message : String(error)

  if (tencentCode) {
    const transient = TRANSIENT_CODES.has(tencentCode)
    const rateLimited = tencentCode === 'RequestLimitExceeded'
    return new UpstreamError(
      {
        action,
        tencentCode,
        requestId,
        retryable: transient,
        status: rateLimited ? 503 : 502,
        code: rateLimited ? 'upstream_rate_limited' : tencentCode.startsWith('AuthFailure') ? 'upstream_auth_failed' : 'upstream_error',
        message: `Tencent ${action} failed: ${tencentCode}${requestId ? ` (RequestId ${requestId})` : ''}`,
      },
      error,
    )
  }
  if (typeof e.httpCode === 'number') {
    return new UpstreamError(
      {
        action,
        tencentCode: `HTTP${e.httpCode}`,
        requestId,
        retryable: e.httpCode >= 500,
        status: 502,
        code: 'upstream_error',
        message: `Tencent ${action} failed with HTTP ${e.httpCode}`,
      },
      error,
    )
  }
  // Network errors, timeouts, and malformed answers (a 200 without `Response` surfaces as TypeError).
  const malformed = error instanceof TypeError
  return new UpstreamError(
    {
      action,
      tencentCode: malformed ? 'MalformedResponse' : 'NetworkError',
      requestId,
      retryable: true,
      status: malformed ? 502 : 503,
      code: malformed ? 'upstream_error' : 'upstream_unavailable',
      message: malformed ? `Tencent ${action} returned a malformed response` : `Tencent ${action} is unreachable (${networkReason(rawMessage)})`,
    },
    error,
  )
}

/** The gist of a network failure without the endpoint it names (no hosts or ports in error bodies). */
function networkReason(message: string): string {
  const code = /\b(E[A-Z]{3,}|ETIMEDOUT)\b/.exec(message)?.[1]
  if (code) return code
  return /timeout/i.test(message) ? 'timeout' : 'network error'
}
