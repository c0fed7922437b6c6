import http from 'node:http'
import https from 'node:https'
import { faceid } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/index.js'
import { ConfigurationError } from '../../errors/index.js'
import { abortedAttemptError, attemptDeadline } from '../../resilience/deadlines.js'
import { toUpstreamError } from './errors.js'
import type { CallOptions, ProviderClient } from '../provider.js'
import type { TencentAction, TencentActions } from './actions.js'

export type { CallOptions } from '../provider.js'
export type { TencentAction, TencentActions } from './actions.js'

type FaceidClient = InstanceType<typeof faceid.v20180301.Client>

/** Default deadline of one attempt (one HTTP exchange with Tencent, headers and body), in seconds. */
export const DEFAULT_ATTEMPT_TIMEOUT_SECONDS = 10

export { DeadlineExceeded, UpstreamTimeoutError } from '../../resilience/deadlines.js'

export interface GatewayOptions {
  secretId: string
  secretKey: string
  /** Default `ap-guangzhou`. */
  region?: string
  /** `host[:port]`, or a URL such as `http://127.0.0.1:9000`. Default `faceid.tencentcloudapi.com` over https. */
  endpoint?: string
  /**
   * Deadline of one attempt in seconds, from sending the request to the last byte of the answer.
   * When it passes, the request is aborted and its socket destroyed. Default 10.
   */
  timeoutSeconds?: number
}

/**
 * The Tencent faceid client faceid-kit uses: `gateway.call('DetectAuth', request, options)`, one
 * generic method over the actions of `TencentActions`. The verifier, the sweeper and billing
 * depend on this, not on the SDK.
 */
export type Gateway = ProviderClient<TencentActions>

/** Splits an endpoint setting into what the SDK's httpProfile wants. */
export function parseEndpoint(endpoint: string | undefined): { endpoint: string; protocol: 'http://' | 'https://' } {
  if (!endpoint) return { endpoint: 'faceid.tencentcloudapi.com', protocol: 'https://' }
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint.trim())
  if (match) return { endpoint: match[2]!, protocol: match[1] === 'http' ? 'http://' : 'https://' }
  if (/^[^/\s]+$/.test(endpoint.trim())) return { endpoint: endpoint.trim(), protocol: 'https://' }
  throw new ConfigurationError(`FACEID_ENDPOINT is not a host or an http(s) URL: ${endpoint}`)
}

/**
 * A `Gateway` over the real `tencentcloud-sdk-nodejs` faceid client.
 *
 * Deadlines are ours, not the SDK's: its `reqTimeout` (node-fetch's `timeout`) is a header
 * timeout followed by a fresh body timeout, and the body timeout rejects without closing the
 * response, which leaves the socket open for good. So `reqTimeout` is 0 (off) and every call
 * passes the SDK an `AbortSignal` (its documented `request(action, req, { signal })` option)
 * that fires at the attempt's deadline; node-fetch then aborts the request and destroys the socket.
 */
export function createTencentGateway(options: GatewayOptions): Gateway {
  if (!options.secretId || !options.secretKey) throw new ConfigurationError('Tencent Cloud secretId and secretKey are required')
  const { endpoint, protocol } = parseEndpoint(options.endpoint)
  const attemptMs = Math.round((options.timeoutSeconds ?? DEFAULT_ATTEMPT_TIMEOUT_SECONDS) * 1000)
  if (!(attemptMs > 0 && attemptMs <= 2_147_483_647)) throw new ConfigurationError('The Tencent request timeout must be more than 0 seconds and at most 24 days')
  // An explicit keep-alive agent: reuses connections, and keeps the SDK from routing loopback
  // traffic through `http_proxy` (it has no NO_PROXY support).
  const agent = protocol === 'http://' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true })
  const client: FaceidClient = new faceid.v20180301.Client({
    credential: { secretId: options.secretId, secretKey: options.secretKey },
    region: options.region ?? 'ap-guangzhou',
    profile: {
      httpProfile: { endpoint, protocol, reqTimeout: 0, agent },
    },
  })

  async function call<K extends TencentAction>(action: K, request: TencentActions[K][0], callOptions: CallOptions | undefined): Promise<TencentActions[K][1]> {
    const deadline = attemptDeadline(attemptMs, callOptions?.signal)
    try {
      // The SDK's generic request() is untyped; the action map says what this action answers.
      return (await client.request(action, request, { signal: deadline.signal })) as TencentActions[K][1]
    } catch (error) {
      throw abortedAttemptError(action, deadline.signal, error, 'Tencent') ?? toUpstreamError(action, error)
    } finally {
      deadline.end()
    }
  }

  return { call: (action, request, callOptions) => call(action, request, callOptions), attemptTimeoutMs: attemptMs }
}

