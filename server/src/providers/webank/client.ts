/**
 * The WeBank login-auth protocol behind Tencent's App SDKs and mobile H5: a faceId for an order
 * (getAdvFaceId, signed with the SIGN ticket), what the native SDK's login needs (signed with a
 * fresh NONCE ticket), the H5 login URL on `optimalDomain`, the result query, and the check of
 * the H5 callback's signature.
 *
 * Every call signs with the shared pair of `WebankCredentials`. When WeBank answers that the pair
 * is stale (a secret change, or another instance's refresh more than a minute ago), the pair is
 * refreshed and the call made once more, never more.
 */
import { ConfigurationError } from '../../errors/index.js'
import type { Database } from '../../store/database.js'
import { WEBANK_API_VERSION, type FaceRecordResponse } from './actions.js'
import { WebankCredentials, type WebankCredential, type WebankCredentialsOptions } from './credentials.js'
import { STALE_CREDENTIAL_CODES, webankCodeOf, webankTransportError } from './errors.js'
import { randomNonce, signMatches, webankSign, WEBANK_ID_PATTERN } from './signature.js'
import { createWebankTransport, webankOrigin, type WebankTransport } from './transport.js'
import type { ProviderClient } from '../provider.js'

export interface WebankClientOptions {
  /** WBappid. */
  appId: string
  /** The WBappid's secret. */
  secret: string
  /** The native SDK's licence (keyLicence) the partner got with its WBappid; handed to the App SDK start. */
  licence?: string | undefined
  db: Database
  /** The transport, wrapped with whatever retries and pacing the caller wants. */
  transport: WebankTransport
  /** The endpoint the transport talks to; the H5 login URL uses its scheme. Default WeBank's. */
  endpoint?: string | undefined
  /** Tuning of the shared token cache. */
  credentials?: Omit<WebankCredentialsOptions, 'db' | 'appId' | 'secret' | 'transport'>
}

/** Who is being verified, as the partner's hook gives it (never the client). */
export interface WebankIdentity {
  name: string
  idNo: string
}

/** What the Android/iOS SDK's login takes, all from the server. */
export interface AppSdkLogin {
  appId: string
  orderNo: string
  userId: string
  nonce: string
  sign: string
  faceId: string
  version: string
  /** The SDK licence (keyLicence), when the partner configured one. */
  licence?: string
}

/** The faceId WeBank gave an order, and the host its H5 login must use. */
export interface WebankFaceId {
  faceId: string
  optimalDomain: string
  bizSeqNo: string | undefined
}

/** The host WeBank's H5 login runs on when `optimalDomain` is empty. */
export const WEBANK_DEFAULT_DOMAIN = 'kyc1.qcloud.com'
const DOMAIN_PATTERN = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/

/** The protocol's steps, each at most one call to WeBank besides a token refresh. */
export class WebankProtocol {
  readonly appId: string
  readonly credentials: WebankCredentials
  private readonly licence: string | undefined
  private readonly transport: WebankTransport
  private readonly scheme: string

  constructor(options: WebankClientOptions) {
    if (typeof options.appId !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(options.appId)) throw new ConfigurationError('WeBank: `appId` (WBappid) must be letters and digits')
    if (typeof options.secret !== 'string' || options.secret === '') throw new ConfigurationError('WeBank: `secret` is required')
    if (options.licence !== undefined && (typeof options.licence !== 'string' || options.licence === '')) throw new ConfigurationError('WeBank: `licence` must be a non-empty string')
    this.appId = options.appId
    this.licence = options.licence
    this.transport = options.transport
    this.scheme = webankOrigin(options.endpoint).protocol
    this.credentials = new WebankCredentials({ ...options.credentials, db: options.db, appId: options.appId, secret: options.secret, transport: options.transport })
  }

  /** Runs `fn` with the shared pair; a pair WeBank calls stale is replaced once and `fn` run again. */
  private async signed<T>(fn: (credential: WebankCredential) => Promise<T>): Promise<T> {
    const credential = await this.credentials.current()
    try {
      return await fn(credential)
    } catch (error) {
      const code = webankCodeOf(error)
      if (code === undefined || !STALE_CREDENTIAL_CODES.has(code)) throw error
      return fn(await this.credentials.invalidate(credential.generation))
    }
  }

  /** A fresh NONCE ticket for `userId`: one per start, never kept. */
  nonceTicket(userId: string, signal?: AbortSignal): Promise<string> {
    checkId('userId', userId)
    return this.signed(async (credential) => {
      const answer = await this.transport.call('ticket', { appId: this.appId, access_token: credential.accessToken, type: 'NONCE', user_id: userId }, { signal })
      const value = answer.tickets?.[0]?.value
      if (!value) throw webankTransportError('ticket', 'malformed', '')
      return value
    })
  }

  /** Registers the order with WeBank (the identity goes upstream only) and gets its faceId. */
  getFaceId(request: { orderNo: string; userId: string; identity?: WebankIdentity | undefined; liveInterType?: '1' | undefined }, signal?: AbortSignal): Promise<WebankFaceId> {
    checkId('orderNo', request.orderNo)
    checkId('userId', request.userId)
    return this.signed(async (credential) => {
      const nonce = randomNonce()
      const sign = webankSign([this.appId, request.userId, WEBANK_API_VERSION, nonce], credential.signTicket)
      const answer = await this.transport.call('getAdvFaceId', {
        appId: this.appId,
        orderNo: request.orderNo,
        ...(request.identity ? { name: request.identity.name, idNo: request.identity.idNo } : {}),
        userId: request.userId,
        ...(request.liveInterType ? { liveInterType: request.liveInterType } : {}),
        version: WEBANK_API_VERSION,
        sign,
        nonce,
      }, { signal })
      const faceId = answer.result?.faceId
      if (!faceId || !WEBANK_ID_PATTERN.test(faceId)) throw webankTransportError('getAdvFaceId', 'malformed', '')
      const domain = answer.result?.optimalDomain
      return { faceId, optimalDomain: domain && DOMAIN_PATTERN.test(domain) ? domain : WEBANK_DEFAULT_DOMAIN, bizSeqNo: answer.bizSeqNo ?? answer.result?.bizSeqNo }
    })
  }

  /** What the native SDK's login needs for an order: signed with a NONCE ticket fetched now. */
  async appSdkLogin(order: { orderNo: string; userId: string; faceId: string }, signal?: AbortSignal): Promise<AppSdkLogin> {
    const ticket = await this.nonceTicket(order.userId, signal)
    const nonce = randomNonce()
    const login: AppSdkLogin = {
      appId: this.appId,
      orderNo: order.orderNo,
      userId: order.userId,
      nonce,
      sign: webankSign([this.appId, order.userId, WEBANK_API_VERSION, nonce], ticket),
      faceId: order.faceId,
      version: WEBANK_API_VERSION,
    }
    if (this.licence) login.licence = this.licence
    return login
  }

  /**
   * The H5 login URL of an order on its `optimalDomain`, signed with a NONCE ticket fetched now.
   * `callbackUrl` is where WeBank sends the browser back (the kit's callback route).
   */
  async h5LoginUrl(order: { orderNo: string; userId: string; faceId: string; optimalDomain: string; callbackUrl: string; from?: 'browser' | 'app' }, signal?: AbortSignal): Promise<string> {
    const ticket = await this.nonceTicket(order.userId, signal)
    const nonce = randomNonce()
    const sign = webankSign([this.appId, order.userId, order.orderNo, WEBANK_API_VERSION, order.faceId, nonce], ticket)
    const domain = DOMAIN_PATTERN.test(order.optimalDomain) ? order.optimalDomain : WEBANK_DEFAULT_DOMAIN
    const url = new URL(`${this.scheme}//${domain}/api/web/login`)
    const params: Array<[string, string]> = [
      ['appId', this.appId],
      ['version', WEBANK_API_VERSION],
      ['nonce', nonce],
      ['orderNo', order.orderNo],
      ['faceId', order.faceId],
      ['url', order.callbackUrl],
      ['from', order.from ?? 'browser'],
      // Straight back to the kit, without WeBank's own result page.
      ['resultType', '1'],
      ['userId', order.userId],
      ['sign', sign],
      // No history entry: the back button cannot replay the signed login.
      ['redirectType', '1'],
    ]
    for (const [name, value] of params) url.searchParams.set(name, value)
    return url.toString()
  }

  /** The verification's result for an order. A non-zero `code` is the outcome (66660011: not finished). */
  queryFaceRecord(orderNo: string, options: { getFile?: '1' | '2' | '3'; signal?: AbortSignal } = {}): Promise<FaceRecordResponse> {
    checkId('orderNo', orderNo)
    return this.signed(async (credential) => {
      const nonce = randomNonce()
      const sign = webankSign([this.appId, orderNo, WEBANK_API_VERSION, nonce], credential.signTicket)
      return this.transport.call('queryFaceRecord', { appId: this.appId, version: WEBANK_API_VERSION, nonce, orderNo, sign, ...(options.getFile ? { getFile: options.getFile } : {}) }, { signal: options.signal })
    })
  }

  /**
   * Whether an H5 callback's `newSignature` is WeBank's: over the WBappid, the order number and
   * the code, with the current SIGN ticket or the one it replaced within the overlap minute.
   */
  async verifyCallback(callback: { orderNo: string; code: string; newSignature: unknown }): Promise<boolean> {
    const matches = (credential: WebankCredential): boolean =>
      [credential.signTicket, credential.previousSignTicket].some((ticket) => ticket !== undefined && signMatches(webankSign([this.appId, callback.orderNo, callback.code], ticket), callback.newSignature))
    if (matches(await this.credentials.current())) return true
    // Another instance may have refreshed the pair since this one last read it.
    return matches(await this.credentials.reread())
  }
}

function checkId(name: string, value: string): void {
  if (!WEBANK_ID_PATTERN.test(value)) throw new ConfigurationError(`WeBank: \`${name}\` must be 1-32 letters and digits`)
}

/**
 * The kit's WeBank actions: each is one step of the protocol (at most one call to WeBank besides
 * a token refresh), so the retry and rate-limit wrappers can repeat one safely.
 */
export type WebankKitActions = {
  getFaceId: readonly [{ orderNo: string; userId: string; identity?: WebankIdentity | undefined }, WebankFaceId]
  appSdkLogin: readonly [{ orderNo: string; userId: string; faceId: string }, AppSdkLogin]
  h5Login: readonly [{ orderNo: string; userId: string; faceId: string; optimalDomain: string; callbackUrl: string }, { url: string }]
  queryResult: readonly [{ orderNo: string }, FaceRecordResponse]
  verifyCallback: readonly [{ orderNo: string; code: string; newSignature: unknown }, { valid: boolean }]
}

/** The WeBank client the kit's registry holds (`ProviderClients.webank`). */
export type WebankClient = ProviderClient<WebankKitActions>

export interface CreateWebankClientOptions extends Omit<WebankClientOptions, 'transport'> {
  /** Deadline of one HTTP attempt in seconds. Default 10. */
  timeoutSeconds?: number | undefined
  /** A transport of your own (tests); default: HTTP to `endpoint`. */
  transport?: WebankTransport
}

/**
 * The WeBank client over a bare transport: retries and pacing are the caller's (the kit wraps
 * the client once, so a retried step is repeated whole, with a fresh nonce).
 */
export function createWebankClient(options: CreateWebankClientOptions): WebankClient & { readonly protocol: WebankProtocol } {
  const transport = options.transport ?? createWebankTransport({ endpoint: options.endpoint, timeoutSeconds: options.timeoutSeconds })
  const protocol = new WebankProtocol({ ...options, transport })
  // The caller's signal ends its own step; a token refresh it joined is shared, so it runs on.
  const steps: { [K in keyof WebankKitActions]: (request: WebankKitActions[K][0], signal: AbortSignal | undefined) => Promise<WebankKitActions[K][1]> } = {
    getFaceId: (r, signal) => protocol.getFaceId(r, signal),
    appSdkLogin: (r, signal) => protocol.appSdkLogin(r, signal),
    h5Login: async (r, signal) => ({ url: await protocol.h5LoginUrl(r, signal) }),
    queryResult: (r, signal) => protocol.queryFaceRecord(r.orderNo, { signal }),
    verifyCallback: async (r) => ({ valid: await protocol.verifyCallback(r) }),
  }
  return {
    protocol,
    call(action, request, callOptions) {
      if (callOptions?.signal?.aborted) return Promise.reject(callOptions.signal.reason)
      // The step's own type: the map above is indexed by the same action name.
      return (steps[action] as (r: typeof request, signal: AbortSignal | undefined) => Promise<WebankKitActions[typeof action][1]>)(request, callOptions?.signal)
    },
  }
}
