/**
 * The HTTP side of WeBank's `kyc1` API: one generic `call(action, request, options)` over
 * `WebankActions`, so the resilience wrappers (retry, rate limit) wrap it like any provider.
 * It sends what it is given; tokens, tickets and signatures are the client's business.
 */
import { ConfigurationError } from '../../errors/index.js'
import type { CallOptions, ProviderClient } from '../provider.js'
import { abortedAttemptError, attemptDeadline } from '../../resilience/deadlines.js'
import { WEBANK_ENDPOINTS, type WebankAction, type WebankActions } from './actions.js'
import { CALL_FAILURE_CODES, webankCodeError, webankTransportError } from './errors.js'

/** WeBank's production host. */
export const WEBANK_DEFAULT_ENDPOINT = 'https://kyc1.qcloud.com'

export interface WebankTransportOptions {
  /** `https://kyc1.qcloud.com` (default), or e.g. `http://127.0.0.1:9100` for the emulator. */
  endpoint?: string | undefined
  /** Deadline of one attempt in seconds. Default 10. */
  timeoutSeconds?: number | undefined
}

export type WebankTransport = ProviderClient<WebankActions>

/** The origin of a WeBank endpoint setting; refuses anything but an http(s) origin. */
export function webankOrigin(endpoint: string | undefined): URL {
  let url: URL
  try {
    url = new URL(endpoint ?? WEBANK_DEFAULT_ENDPOINT)
  } catch {
    throw new ConfigurationError(`The WeBank endpoint is not an http(s) URL: ${String(endpoint)}`)
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new ConfigurationError(`The WeBank endpoint must be an http(s) origin such as ${WEBANK_DEFAULT_ENDPOINT}`)
  }
  return new URL(url.origin)
}

export function createWebankTransport(options: WebankTransportOptions = {}): WebankTransport {
  const origin = webankOrigin(options.endpoint)
  const attemptMs = Math.round((options.timeoutSeconds ?? 10) * 1000)
  if (!(attemptMs > 0 && attemptMs <= 2_147_483_647)) throw new ConfigurationError('The WeBank request timeout must be more than 0 seconds')

  async function call<K extends WebankAction>(action: K, request: WebankActions[K][0], callOptions?: CallOptions): Promise<WebankActions[K][1]> {
    const { method, path } = WEBANK_ENDPOINTS[action]
    const url = new URL(path, origin)
    const fields = request as unknown as Record<string, unknown>
    let body: string | undefined
    if (method === 'GET') {
      for (const [name, value] of Object.entries(fields)) if (value !== undefined) url.searchParams.set(name, String(value))
      // WeBank's documented defaults for these two; required, and the same for every call.
      if (action === 'accessToken') url.searchParams.set('grant_type', 'client_credential')
      url.searchParams.set('version', '1.0.0')
    } else {
      // WeBank asks for the order number in the URL too, to trace the call.
      if (typeof fields['orderNo'] === 'string') url.searchParams.set('orderNo', fields['orderNo'])
      body = JSON.stringify(request)
    }
    const deadline = attemptDeadline(attemptMs, callOptions?.signal)
    try {
      let response: Response
      try {
        response = await fetch(url, {
          method,
          signal: deadline.signal,
          ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json; charset=utf-8' } } : {}),
        })
      } catch (error) {
        throw abortedAttemptError(action, deadline.signal, error, 'WeBank') ?? webankTransportError(action, 'network', networkReason(error), error)
      }
      let text: string
      try {
        text = await response.text()
      } catch (error) {
        throw abortedAttemptError(action, deadline.signal, error, 'WeBank') ?? webankTransportError(action, 'network', networkReason(error), error)
      }
      if (!response.ok) throw webankTransportError(action, 'http', String(response.status))
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch (error) {
        throw webankTransportError(action, 'malformed', '', error)
      }
      if (typeof parsed !== 'object' || parsed === null) throw webankTransportError(action, 'malformed', '')
      const answer = parsed as { code?: unknown; bizSeqNo?: unknown }
      const code = answer.code === undefined || answer.code === null ? undefined : String(answer.code)
      if (code === undefined) throw webankTransportError(action, 'malformed', '')
      // A result query's non-zero code is the verification's outcome, unless the call itself failed.
      if (code !== '0' && (action !== 'queryFaceRecord' || CALL_FAILURE_CODES.has(code))) {
        throw webankCodeError(action, code, typeof answer.bizSeqNo === 'string' ? answer.bizSeqNo : undefined)
      }
      return { ...(parsed as WebankActions[K][1]), code }
    } finally {
      deadline.end()
    }
  }

  return { call }
}

/** The gist of a network failure without the host it names. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause
  if (typeof cause?.code === 'string' && /^[A-Z_]+$/.test(cause.code)) return cause.code
  return 'network error'
}
