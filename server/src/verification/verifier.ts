import {
  billableCount,
  isValidToken,
  normalizeResult,
  RESULT_RETENTION_SECONDS,
  type BizTokenOptions,
  type EidTokenOptions,
  type Identity,
  type TokenKind,
  type TokenResponse,
  type UpstreamResult,
  type VerificationResult,
} from '@faceid-kit/shared'
import { unavailableReason } from '../store/database.js'
import { ConfigurationError, LedgerUnavailableError, UpstreamError } from '../errors/index.js'
import type { Gateway } from '../providers/tencent/client.js'
import { clientOf, hasProvider, PROVIDER_LABELS, type OtherProviderClients, type ProviderClients, type ProviderName } from '../providers/registry.js'
import type { MegviiThresholdKey } from '../providers/megvii/actions.js'
import { DEFAULT_MEGVII_THRESHOLD, isMegviiThresholdKey } from '../providers/megvii/result.js'
import type { FetchOutcome, FullResult, Ledger, TokenRecord } from '../store/ledger.js'
import { TOKEN_GONE_CODES } from '../providers/tencent/errors.js'
import { flowOf, resultKeptSeconds, type Flow, type FlowSettings, type ResultReader } from '../flows/index.js'

/** Tencent's reading of a result, for the flows that set no `results` of their own. */
const TENCENT_RESULTS: ResultReader = { normalize: normalizeResult, billableCount, goneCodes: TOKEN_GONE_CODES }

function readerOf(flow: Flow): ResultReader {
  return flow.results ?? TENCENT_RESULTS
}

export interface VerifierOptions {
  /** The Tencent client. */
  gateway: Gateway
  /** The other providers' clients the partner configured (see `ProviderClients`). */
  providers?: OtherProviderClients
  ledger: Ledger
  /** RuleId for DetectAuth / GetDetectInfoEnhanced when the partner's options do not set one. */
  ruleId?: string | undefined
  /** MerchantId for GetEidToken when the partner's options do not set one. */
  merchantId?: string | undefined
  /** How long after a token's lifetime its result may still change. Default 300 s. */
  finalMarginSeconds?: number
  /**
   * Which parts of a result to fetch (Tencent's `InfoType`): `'1'` text only (the default: no
   * photos or videos are fetched or stored); add `2` ID card images, `3` best frame, `4` video,
   * e.g. `'13'`; `'0'` everything. Whatever is fetched is stored sealed.
   */
  infoType?: string
  /**
   * Megvii flows: the false-accept rate (`'1e-3'`, `'1e-4'`, `'1e-5'`, `'1e-6'`) whose confidence
   * threshold a face comparison must exceed to pass. Default `'1e-4'`.
   */
  megviiThreshold?: MegviiThresholdKey | undefined
  now?: () => Date
}

/** A page a browser may be sent to: an absolute http(s) URL. */
function isWebUrl(value: string | undefined): value is string {
  if (!value) return false
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

/** Digits 0-6, each at most once, or `'0'` alone. */
export function isValidInfoType(value: string): boolean {
  return value === '0' || (/^[1-6]{1,6}$/.test(value) && new Set(value).size === value.length)
}

export interface IssueRequest {
  userId: string
  identity?: Identity | undefined
  clientIp?: string | undefined
  bizTokenOptions?: BizTokenOptions | undefined
  eidTokenOptions?: EidTokenOptions | undefined
  /** Web flows: where the provider sends the user back (the kit's return route). */
  redirectUrl?: string | undefined
  /**
   * Web flows whose provider does not name the token on return: the nonce in `redirectUrl`,
   * kept with the token so that the return route finds it.
   */
  returnNonce?: string | undefined
  /**
   * The kit's public address with the router's prefix (`<h5.publicBaseUrl><prefix>`), when the
   * kit has one: providers that call the kit back (Megvii's notify_url) are given URLs under it.
   */
  callbackBase?: string | undefined
}

/** A token as the issuing route answers it; web flows add the provider's page to open. */
export type IssuedTokenResponse = TokenResponse & { url?: string; sdk?: Readonly<Record<string, string>> }

export interface IssueOptions {
  /**
   * The caller has just written to the ledger for this request (an issuance slot, see
   * `reserveIssue`), so the reachability check before Tencent is called is skipped.
   */
  ledgerChecked?: boolean
}

/**
 * Issues tokens and fetches results, keeping the ledger the source of truth. Shared by the
 * routes (on demand) and the sweeper (in the background).
 */
export class Verifier {
  readonly ledger: Ledger
  private readonly clients: ProviderClients
  private readonly ruleId: string | undefined
  private readonly merchantId: string | undefined
  private readonly marginMs: number
  private readonly infoType: string
  private readonly megviiThreshold: MegviiThresholdKey
  /** The clock of issue and fetch times (routes read it for issuance limits). */
  readonly now: () => Date

  constructor(options: VerifierOptions) {
    this.clients = { ...options.providers, tencent: options.gateway }
    this.ledger = options.ledger
    this.ruleId = options.ruleId
    this.merchantId = options.merchantId
    this.marginMs = (options.finalMarginSeconds ?? 300) * 1000
    this.infoType = options.infoType ?? '1'
    if (!isValidInfoType(this.infoType)) throw new ConfigurationError(`infoType must be '0' or digits 1-6 (e.g. '1', '13'), got ${JSON.stringify(options.infoType)}`)
    this.megviiThreshold = options.megviiThreshold ?? DEFAULT_MEGVII_THRESHOLD
    if (!isMegviiThresholdKey(this.megviiThreshold)) throw new ConfigurationError(`megviiThreshold must be '1e-3', '1e-4', '1e-5' or '1e-6', got ${JSON.stringify(options.megviiThreshold)}`)
    this.now = options.now ?? (() => new Date())
  }

  /**
   * Calls Tencent for a token, then records it before anyone can see it. Tencent is not called
   * while the ledger cannot be reached (`LedgerUnavailableError`, 503): a token that cannot be
   * recorded is money thrown away.
   */
  async issue(kind: TokenKind, req: IssueRequest, options: IssueOptions = {}): Promise<IssuedTokenResponse> {
    if (!options.ledgerChecked) await this.ledger.ping()
    const issuedAt = this.now()
    const flow = flowOf(kind)
    // Before anything else: a flow of a provider the partner did not configure cannot run.
    clientOf(this.clients, flow.provider, kind)
    const { token, requestId, ruleId, merchantId, url, sdk } = await flow.issue(this.clients, req, this.settings())
    if (!isValidToken(token, kind) || (flow.web && !isWebUrl(url))) {
      throw new UpstreamError({
        action: flow.issueAction,
        tencentCode: 'MalformedResponse',
        requestId,
        retryable: true,
        status: 502,
        code: 'upstream_error',
        message: `${PROVIDER_LABELS[flow.provider]} returned no usable token`,
      })
    }
    const expiresAt = new Date(issuedAt.getTime() + flow.lifetimeSeconds * 1000)
    try {
      await this.ledger.insert({ token, kind, userId: req.userId, ruleId, merchantId, clientIp: req.clientIp, issuedAt, expiresAt, requestId, returnNonce: req.returnNonce })
    } catch (error) {
      // The token was never shown to anyone, so no verification can run on it unrecorded.
      throw new LedgerUnavailableError(unavailableReason(error) ?? 'insert failed', error, { tokenUnrecorded: true })
    }
    const response: IssuedTokenResponse = { token, kind, expiresAt: expiresAt.toISOString() }
    if (flow.web && url) response.url = url
    if (sdk) response.sdk = sdk
    return response
  }

  /** Whether a web flow's return carries what only its provider can sign (true when the flow checks nothing). */
  async verifyReturn(flow: Flow, token: string, query: Readonly<Record<string, string | string[] | undefined>>): Promise<boolean> {
    if (!flow.web?.verifyReturn) return true
    return flow.web.verifyReturn(this.clients, query, token)
  }

  /** Whether `flow`'s provider is configured (the routes serve only such flows). */
  serves(flow: Pick<Flow, 'provider'>): boolean {
    return this.servesProvider(flow.provider)
  }

  /** The provider of `kind`'s flow. */
  flowProvider(kind: TokenKind): ProviderName {
    return flowOf(kind).provider
  }

  /** Whether the provider `name` is configured. */
  servesProvider(name: ProviderName): boolean {
    return hasProvider(this.clients, name)
  }

  /**
   * Partner-side API (a function, never a route): the full stored result of a token, names, ID
   * numbers and any fetched media included, decrypted. Undefined for an unknown token.
   */
  readFullResult(token: string): Promise<FullResult | undefined> {
    return this.ledger.readFullResult(token)
  }

  /** The stored outcome of a token, without calling Tencent. */
  view(record: TokenRecord): VerificationResult {
    if (record.result) return this.normalize(record, record.result, record.fetchedAt ?? this.now())
    const status = record.status === 'pending' && this.now() > record.expiresAt ? 'expired' : record.status
    const view: VerificationResult = { token: record.token, kind: record.kind, status, updatedAt: (record.fetchedAt ?? record.issuedAt).toISOString() }
    if (record.code !== null) view.code = record.code
    if (record.message !== null) view.message = record.message
    return view
  }

  /**
   * The latest outcome: stored when final, otherwise fetched from Tencent and stored before it
   * is returned.
   */
  async refresh(record: TokenRecord): Promise<VerificationResult> {
    if (record.final) return this.view(record)
    const fetchedAt = this.now()
    let raw: UpstreamResult
    try {
      raw = await this.fetch(record)
    } catch (error) {
      if (error instanceof UpstreamError && readerOf(flowOf(record.kind)).goneCodes.has(error.tencentCode) && this.isPastLifetime(record, fetchedAt)) {
        // Tencent no longer knows the token; what we stored is all there will ever be.
        return this.store(record, this.goneOutcome(record, fetchedAt), fetchedAt)
      }
      throw error
    }
    const reader = readerOf(flowOf(record.kind))
    const result = this.normalize(record, raw, fetchedAt)
    const final = result.status === 'passed' || reader.isFinal?.(result) === true || this.isPastLifetime(record, fetchedAt)
    return this.store(record, { result, raw, billableCount: reader.billableCount(raw), final }, fetchedAt)
  }

  private async store(record: TokenRecord, outcome: FetchOutcome, fetchedAt: Date): Promise<VerificationResult> {
    await this.ledger.recordFetch(record.token, outcome, fetchedAt)
    return outcome.result
  }

  private goneOutcome(record: TokenRecord, fetchedAt: Date): FetchOutcome {
    const result = record.result ? this.normalize(record, record.result, fetchedAt) : { ...this.view(record), status: 'expired' as const, updatedAt: fetchedAt.toISOString() }
    return { result, raw: null, billableCount: record.billableCount, final: true }
  }

  private fetch(record: TokenRecord): Promise<UpstreamResult> {
    const flow = flowOf(record.kind)
    clientOf(this.clients, flow.provider, record.kind)
    return flow.fetch(this.clients, record, this.settings())
  }

  private settings(): FlowSettings {
    return { ruleId: this.ruleId, merchantId: this.merchantId, infoType: this.infoType, megviiThreshold: this.megviiThreshold }
  }

  private normalize(record: TokenRecord, raw: UpstreamResult, fetchedAt: Date): VerificationResult {
    return readerOf(flowOf(record.kind)).normalize(raw, { token: record.token, kind: record.kind, expiresAt: record.expiresAt, fetchedAt }, this.settings())
  }

  /** Past the token's lifetime plus a margin, the result cannot change any more. */
  isPastLifetime(record: Pick<TokenRecord, 'expiresAt'>, at: Date): boolean {
    return at.getTime() > record.expiresAt.getTime() + this.marginMs
  }

  /**
   * When the provider of the token's flow stops answering for its result (its `keptSeconds`;
   * Tencent: `tencentMs`, by default 3 days): past this, no fetch can succeed.
   */
  static retentionEnd(record: Pick<TokenRecord, 'kind' | 'issuedAt'>, tencentMs: number = RESULT_RETENTION_SECONDS * 1000): Date {
    const kept = resultKeptSeconds(record.kind)
    return new Date(record.issuedAt.getTime() + (kept === undefined ? tencentMs : kept * 1000))
  }
}
