/**
 * Megvii's failures as `UpstreamError`s. Megvii answers an error with an HTTP status and a JSON
 * body whose `error` names it (`MISSING_ARGUMENTS:return_url`, `AUTHORIZATION_ERROR:…`,
 * `CONCURRENCY_LIMIT_EXCEEDED`…); the Aliyun API market's gateway in front of it may answer
 * an AppCode refusal with no JSON body at all. `tencentCode` carries Megvii's `error` string
 * (or `HTTP<status>` when there is none).
 */
import { UpstreamError } from '../../errors/index.js'

/** The `error` strings of an unknown or expired biz_token: the result can no longer be read. */
export const MEGVII_TOKEN_GONE_CODES: ReadonlySet<string> = new Set(['BAD_ARGUMENTS:biz_token', 'BAD_ARGUMENTS:BIZ_TOKEN'])

/** An answer that is not a success: `status` is the HTTP status, `error` Megvii's error string if any. */
export function megviiError(action: string, status: number, error: string | undefined, requestId: string | undefined): UpstreamError {
  const name = error?.split(':')[0]?.trim() ?? ''
  const code = error ?? `HTTP${status}`
  const base = { action, tencentCode: code, ...(requestId ? { requestId } : {}) }
  const described = `Megvii ${action} failed: ${code}${requestId ? ` (request_id ${requestId})` : ''}`
  if (name === 'CONCURRENCY_LIMIT_EXCEEDED' || status === 429) {
    return new UpstreamError({ ...base, retryable: true, status: 503, code: 'upstream_rate_limited', message: described })
  }
  if (name === 'AUTHORIZATION_ERROR' || status === 401 || status === 403) {
    return new UpstreamError({ ...base, retryable: false, status: 502, code: 'upstream_auth_failed', message: described })
  }
  // INTERNAL_ERROR (500) and any other 5xx may pass; argument errors and 413 never will.
  return new UpstreamError({ ...base, retryable: name === 'INTERNAL_ERROR' || status >= 500, status: 502, code: 'upstream_error', message: described })
}

/** A network failure or an answer that is not JSON. */
export function megviiTransportError(action: string, kind: 'NetworkError' | 'MalformedResponse', cause: unknown): UpstreamError {
  return new UpstreamError(
    {
      action,
      tencentCode: kind,
      retryable: true,
      status: kind === 'NetworkError' ? 503 : 502,
      code: kind === 'NetworkError' ? 'upstream_unavailable' : 'upstream_error',
      message: kind === 'NetworkError' ? `Megvii ${action} is unreachable` : `Megvii ${action} returned a malformed response`,
    },
    cause,
  )
}
