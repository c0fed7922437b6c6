/**
 * The Megvii FaceID lite client, as sold through the Aliyun API market: every call carries
 * `Authorization: APPCODE <AppCode>`; get_biz_token is a form POST, get_result a GET. Calls go
 * through `call(action, request, options)` like the Tencent gateway, so the kit's retry and
 * rate-limit wrappers apply unchanged.
 */
import { ConfigurationError } from '../../errors/index.js'
import { attemptDeadline, DeadlineExceeded, UpstreamTimeoutError } from '../../resilience/deadlines.js'
import type { CallOptions } from '../provider.js'
import type { GetBizTokenRequest, GetBizTokenResponse, GetResultResponse, MegviiAction, MegviiActions, MegviiClient } from './actions.js'
import { megviiError, megviiTransportError } from './errors.js'

/** Megvii's API host on the Aliyun API market. */
export const MEGVII_ENDPOINT = 'https://fidlite.market.alicloudapi.com'
/** Where Megvii's H5 pages are served: `<base>/lite/v1/do/<biz_token>`. */
export const MEGVII_PAGE_BASE = 'https://openapi.faceid.com'

export interface MegviiClientOptions {
  /** The AppCode of the partner's Aliyun API market purchase. */
  appCode: string
  /** An http(s) origin. Default `https://fidlite.market.alicloudapi.com`. */
  endpoint?: string
  /** The origin of Megvii's H5 pages. Default `https://openapi.faceid.com`. */
  pageBase?: string
  /** Deadline of one attempt in seconds. Default 10. */
  timeoutSeconds?: number
}

/** Checks an http(s) origin option and drops any trailing slash. */
function origin(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigurationError(`megvii.${name} is not an http(s) URL: ${value}`)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new ConfigurationError(`megvii.${name} must be an http(s) URL without query, fragment or credentials`)
  }
  return value.replace(/\/+$/, '')
}

/** The H5 page of `bizToken` under `pageBase`. */
export function megviiPageUrl(pageBase: string, bizToken: string): string {
  return `${pageBase}/lite/v1/do/${encodeURIComponent(bizToken)}`
}

export function createMegviiClient(options: MegviiClientOptions): MegviiClient {
  if (!options || typeof options !== 'object') throw new ConfigurationError('createMegviiClient needs an options object')
  if (typeof options.appCode !== 'string' || !/^[\x21-\x7e]{8,128}$/.test(options.appCode)) {
    throw new ConfigurationError('megvii.appCode is required: the AppCode of the Aliyun API market purchase (printable ASCII, no spaces)')
  }
  const endpoint = origin('endpoint', options.endpoint ?? MEGVII_ENDPOINT)
  const pageBase = origin('pageBase', options.pageBase ?? MEGVII_PAGE_BASE)
  const attemptMs = Math.round((options.timeoutSeconds ?? 10) * 1000)
  if (!(attemptMs > 0 && attemptMs <= 2_147_483_647)) throw new ConfigurationError('megvii.timeoutSeconds must be more than 0')
  const authorization = `APPCODE ${options.appCode}`

  async function exchange(action: MegviiAction, init: { method: 'GET' | 'POST'; path: string; body?: URLSearchParams }, callOptions: CallOptions | undefined): Promise<Record<string, unknown>> {
    const deadline = attemptDeadline(attemptMs, callOptions?.signal)
    try {
      let response: Response
      let text: string
      try {
        response = await fetch(`${endpoint}${init.path}`, {
          method: init.method,
          headers: {
            Authorization: authorization,
            Accept: 'application/json',
            ...(init.body ? { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' } : {}),
          },
          ...(init.body ? { body: init.body.toString() } : {}),
          signal: deadline.signal,
        })
        text = await response.text()
      } catch (error) {
        const reason: unknown = deadline.signal.reason
        if (deadline.signal.aborted && reason instanceof DeadlineExceeded) throw new UpstreamTimeoutError(action, reason, error, 'Megvii')
        throw megviiTransportError(action, 'NetworkError', error)
      }
      let body: unknown
      try {
        body = text === '' ? undefined : JSON.parse(text)
      } catch (error) {
        if (!response.ok) throw megviiError(action, response.status, undefined, undefined)
        throw megviiTransportError(action, 'MalformedResponse', error)
      }
      const record = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined
      const error = typeof record?.['error'] === 'string' && record['error'] ? record['error'] : undefined
      const requestId = typeof record?.['request_id'] === 'string' ? record['request_id'] : undefined
      if (!response.ok || error) throw megviiError(action, response.status, error, requestId)
      if (!record) throw megviiTransportError(action, 'MalformedResponse', undefined)
      return record
    } finally {
      deadline.end()
    }
  }

  async function getBizToken(request: GetBizTokenRequest, callOptions: CallOptions | undefined): Promise<GetBizTokenResponse> {
    const form = new URLSearchParams()
    for (const [name, value] of Object.entries(request)) if (typeof value === 'string' && value !== '') form.set(name, value)
    const res = await exchange('get_biz_token', { method: 'POST', path: '/lite/v1/get_biz_token', body: form }, callOptions)
    const bizToken = typeof res['biz_token'] === 'string' ? res['biz_token'] : undefined
    const answer: GetBizTokenResponse = { ...res }
    if (bizToken) answer.url = megviiPageUrl(pageBase, bizToken)
    return answer
  }

  async function getResult(bizToken: string, callOptions: CallOptions | undefined): Promise<GetResultResponse> {
    // Megvii's JSON is the answer's type; the normaliser reads every field defensively.
    return (await exchange('get_result', { method: 'GET', path: `/lite/v1/get_result?biz_token=${encodeURIComponent(bizToken)}` }, callOptions)) as GetResultResponse
  }

  const client: MegviiClient = {
    call<K extends keyof MegviiActions & string>(action: K, request: MegviiActions[K][0], callOptions?: CallOptions): Promise<MegviiActions[K][1]> {
      // Each branch answers its own action's response type.
      if (action === 'get_biz_token') return getBizToken(request as GetBizTokenRequest, callOptions) as Promise<MegviiActions[K][1]>
      if (action === 'get_result') return getResult((request as MegviiActions['get_result'][0]).biz_token, callOptions) as Promise<MegviiActions[K][1]>
      return Promise.reject(new ConfigurationError(`Megvii has no action ${action}`))
    },
  }
  return client
}
