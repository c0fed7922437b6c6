import { UpstreamError } from '../../errors/index.js'

/**
 * WeBank codes a later identical call can get past: its "network not good" family and its rate
 * limits (OAUTH_TPS_EXCEED_LIMIT, OAUTH_REQUEST_RATE_LIMIT).
 */
const TRANSIENT_CODES = new Set(['999999', '999998', '999997', '400501', '400504'])
const RATE_LIMIT_CODES = new Set(['400501', '400504'])

/**
 * Codes a stale access token or SIGN ticket causes (WeBank invalidates both when the secret
 * changes, and the old ones a minute after a refresh): refresh, then retry once.
 */
export const STALE_CREDENTIAL_CODES: ReadonlySet<string> = new Set(['400101', '400102'])

/** Codes that fail the call itself, whatever the action; other non-zero codes of a result query are its outcome. */
export const CALL_FAILURE_CODES: ReadonlySet<string> = new Set([
  '400101', '400102', '400103', '400104', '400105', '400106', '400501', '400502', '400503', '400504', '66660000', '66660002', '999997', '999998', '999999',
])

/** A WeBank answer with a non-zero `code`, as an `UpstreamError` (`tencentCode` is `WeBank.<code>`). */
export function webankCodeError(action: string, code: string, bizSeqNo: string | undefined): UpstreamError {
  const rateLimited = RATE_LIMIT_CODES.has(code)
  return new UpstreamError({
    action,
    tencentCode: `WeBank.${code}`,
    ...(bizSeqNo ? { requestId: bizSeqNo } : {}),
    retryable: TRANSIENT_CODES.has(code),
    status: rateLimited ? 503 : 502,
    code: rateLimited ? 'upstream_rate_limited' : STALE_CREDENTIAL_CODES.has(code) || code === '400105' ? 'upstream_auth_failed' : 'upstream_error',
    // The message names the code only: WeBank's `msg` may echo request data.
    message: `WeBank ${action} failed: code ${code}${bizSeqNo ? ` (bizSeqNo ${bizSeqNo})` : ''}`,
  })
}

/** The WeBank code of an error, if it is one. */
export function webankCodeOf(error: unknown): string | undefined {
  if (!(error instanceof UpstreamError)) return undefined
  return error.tencentCode.startsWith('WeBank.') ? error.tencentCode.slice('WeBank.'.length) : undefined
}

/** A failure on the way to WeBank (HTTP status, network, malformed body). */
export function webankTransportError(action: string, kind: 'http' | 'network' | 'malformed', detail: string, cause?: unknown): UpstreamError {
  const status = kind === 'network' ? 503 : 502
  return new UpstreamError(
    {
      action,
      tencentCode: kind === 'http' ? `HTTP${detail}` : kind === 'network' ? 'NetworkError' : 'MalformedResponse',
      retryable: kind !== 'http' || Number(detail) >= 500,
      status,
      code: kind === 'network' ? 'upstream_unavailable' : 'upstream_error',
      message: kind === 'http' ? `WeBank ${action} failed with HTTP ${detail}` : kind === 'network' ? `WeBank ${action} is unreachable (${detail})` : `WeBank ${action} returned a malformed response`,
    },
    cause,
  )
}
