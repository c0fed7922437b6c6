import http from 'node:http'
import https from 'node:https'
import { faceid } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/index.js'
import type {
  DetectAuthRequest,
  DetectAuthResponse,
  GetDetectInfoEnhancedRequest,
  GetDetectInfoEnhancedResponse,
  GetEidResultRequest,
  GetEidResultResponse,
  GetEidTokenRequest,
  GetEidTokenResponse,
  GetWeChatBillDetailsRequest,
  GetWeChatBillDetailsResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import { ConfigurationError } from './errors.js'
import { toUpstreamError } from './upstream-errors.js'

type FaceidClient = InstanceType<typeof faceid.v20180301.Client>

export interface GatewayOptions {
  secretId: string
  secretKey: string
  /** Default `ap-guangzhou`. */
  region?: string
  /** `host[:port]`, or a URL such as `http://127.0.0.1:9000`. Default `faceid.tencentcloudapi.com` over https. */
  endpoint?: string
  /** Per-request timeout in seconds (the SDK's own default is 60). Default 10. */
  timeoutSeconds?: number
}

/** The Tencent actions faceid-kit uses. Routes, sweeper and reconciliation depend on this, not on the SDK. */
export interface Gateway {
  detectAuth(request: DetectAuthRequest): Promise<DetectAuthResponse>
  getDetectInfoEnhanced(request: GetDetectInfoEnhancedRequest): Promise<GetDetectInfoEnhancedResponse>
  getEidToken(request: GetEidTokenRequest): Promise<GetEidTokenResponse>
  getEidResult(request: GetEidResultRequest): Promise<GetEidResultResponse>
  getWeChatBillDetails(request: GetWeChatBillDetailsRequest): Promise<GetWeChatBillDetailsResponse>
}

/** Splits an endpoint setting into what the SDK's httpProfile wants. */
export function parseEndpoint(endpoint: string | undefined): { endpoint: string; protocol: 'http://' | 'https://' } {
  if (!endpoint) return { endpoint: 'faceid.tencentcloudapi.com', protocol: 'https://' }
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint.trim())
  if (match) return { endpoint: match[2]!, protocol: match[1] === 'http' ? 'http://' : 'https://' }
  if (/^[^/\s]+$/.test(endpoint.trim())) return { endpoint: endpoint.trim(), protocol: 'https://' }
  throw new ConfigurationError(`FACEID_ENDPOINT is not a host or an http(s) URL: ${endpoint}`)
}

/** A `Gateway` over the real `tencentcloud-sdk-nodejs` faceid client. */
export function createTencentGateway(options: GatewayOptions): Gateway {
  if (!options.secretId || !options.secretKey) throw new ConfigurationError('Tencent Cloud secretId and secretKey are required')
  const { endpoint, protocol } = parseEndpoint(options.endpoint)
  // An explicit keep-alive agent: reuses connections, and keeps the SDK from routing loopback
  // traffic through `http_proxy` (it has no NO_PROXY support).
  const agent = protocol === 'http://' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true })
  const client: FaceidClient = new faceid.v20180301.Client({
    credential: { secretId: options.secretId, secretKey: options.secretKey },
    region: options.region ?? 'ap-guangzhou',
    profile: {
      httpProfile: { endpoint, protocol, reqTimeout: options.timeoutSeconds ?? 10, agent },
    },
  })

  async function call<Req, Res>(action: string, fn: (req: Req) => Promise<Res>, request: Req): Promise<Res> {
    try {
      return await fn.call(client, request)
    } catch (error) {
      throw toUpstreamError(action, error)
    }
  }

  return {
    detectAuth: (req) => call('DetectAuth', client.DetectAuth, req),
    getDetectInfoEnhanced: (req) => call('GetDetectInfoEnhanced', client.GetDetectInfoEnhanced, req),
    getEidToken: (req) => call('GetEidToken', client.GetEidToken, req),
    getEidResult: (req) => call('GetEidResult', client.GetEidResult, req),
    getWeChatBillDetails: (req) => call('GetWeChatBillDetails', client.GetWeChatBillDetails, req),
  }
}
