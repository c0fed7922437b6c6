/**
 * What a flow declares, in one place: its kind, its routes' path and its token's lifetime (from
 * the shared `FLOWS`), which partner hook configures it, how it issues a token and how it
 * fetches a result. The verifier and the router ask the flow; they know no flow by name.
 */
import type { FlowDefinition, NormalizeContext, TokenKind, UpstreamResult, VerificationResult } from '@faceid-kit/shared'
import type { Context } from 'koa'
import type { MegviiThresholdKey } from '../providers/megvii/actions.js'
import type { ProviderClients, ProviderName } from '../providers/registry.js'
import type { FaceidRouterOptions } from '../types.js'
import type { IssueRequest } from '../verification/verifier.js'

/** The server's defaults a flow may fall back on (`FACEID_RULE_ID`, `FACEID_EID_MERCHANT_ID`, the InfoType setting). */
export interface FlowSettings {
  ruleId: string | undefined
  merchantId: string | undefined
  /** Tencent's `InfoType`: `'1'` text only, digits 1-6, or `'0'` everything. */
  infoType: string
  /** Megvii: the false-accept rate whose confidence a comparison must exceed to pass (default `1e-4`). */
  megviiThreshold: MegviiThresholdKey
}

/** A token as the provider answered, before the verifier checks and records it. */
export interface IssuedToken {
  /** Unchecked: the verifier refuses anything that is not a well-formed token. */
  token: string | undefined
  requestId: string | undefined
  /** The RuleId / MerchantId the token was issued under, recorded in the ledger. */
  ruleId?: string | undefined
  merchantId?: string | undefined
  /** Web flows: the provider's page the user opens (`Url`), unchecked like `token`. */
  url?: string | undefined
  /** App SDK flows: what the native SDK's login takes, answered to the client with the token. */
  sdk?: Readonly<Record<string, string>> | undefined
}

/** What a web flow (H5) adds: the user leaves for the provider's page and comes back by redirect. */
export interface WebFlow {
  /**
   * The query parameters the provider's redirect carries the token in, in order of preference
   * (DetectAuth: `BizToken`; GetEidToken: `token`).
   */
  readonly returnParams: readonly string[]
  /**
   * The provider's redirect may carry no token (Megvii's `return_url`): the return URL's signed
   * state then holds a random nonce, stored with the token, and the return route takes the token
   * of that nonce (same flow, and the user the state signs).
   */
  readonly tokenFromState?: boolean
  /**
   * Checks what only the provider can have signed in the redirect (WeBank's `newSignature`);
   * a return it refuses is refused like an unknown token, and nothing is written.
   */
  verifyReturn?(clients: ProviderClients, query: Readonly<Record<string, string | string[] | undefined>>, token: string): Promise<boolean>
  /** The partner's page gets the token only, no status (it asks the server for the result). */
  readonly tokenOnly?: boolean
  /**
   * A second return of the same token goes to the error page (`replayed`) instead of on to the
   * partner's page; either way nothing is recorded or fetched again. For providers that send
   * the browser back once, with a signature, through a history-less redirect (WeBank).
   */
  readonly refuseReplay?: boolean
}

/** The partner's per-user options of a flow, as the router passes them to the verifier. */
export type PartnerOptions = Pick<IssueRequest, 'bizTokenOptions' | 'eidTokenOptions'>

/** The recorded configuration an open token must share to be handed out again. */
export interface ReuseScope {
  ruleId?: string | undefined
  merchantId?: string | undefined
  /** The options script this one verification (意愿核身 questions…): no open token may be reused. */
  perVerification?: boolean
}

/**
 * How a provider's results read. Tencent's flows leave `Flow.results` unset and get Tencent's
 * reading (`normalizeResult`, `IsNeedCharge`, Tencent's token-gone error codes).
 */
export interface ResultReader {
  /** The masked outcome the client may see; the verdict comes from the provider's answer only. */
  normalize(raw: UpstreamResult, ctx: NormalizeContext, settings: FlowSettings): VerificationResult
  /** Billed attempts in this result. */
  billableCount(raw: UpstreamResult): number
  /** A result that can no longer change before the token's lifetime ends (besides `passed`). */
  isFinal?(result: VerificationResult): boolean
  /** The provider's error codes (`UpstreamError.tencentCode`) meaning it no longer knows the token. */
  readonly goneCodes: ReadonlySet<string>
  /**
   * How long after issuance the provider still answers a result query; unset: Tencent's 3 days.
   * The sweeper gives up a token whose fetches keep failing only past it.
   */
  readonly keptSeconds?: number
}

export interface Flow<K extends TokenKind = TokenKind> extends FlowDefinition {
  readonly kind: K
  /** The provider whose client `issue` and `fetch` use (`ProviderClients[provider]`). */
  readonly provider: ProviderName
  /** The provider action that issues a token (named in errors). */
  readonly issueAction: string
  /** How this flow's results read; unset: Tencent's. */
  readonly results?: ResultReader
  /** Set for web flows: issuance needs a `redirectUrl` and answers the provider's `url`. */
  readonly web?: WebFlow
  /** Asks the partner's hook of this flow (e.g. `bizTokenOptions`) for the user's options. */
  partnerOptions(hooks: Pick<FaceidRouterOptions, 'bizTokenOptions' | 'eidTokenOptions'>, userId: string, ctx: Context): Promise<PartnerOptions>
  /** Which of the partner's options an open token must match to be reused. */
  reuseScope(options: PartnerOptions): ReuseScope
  /**
   * Calls the provider for a token, with its client from `clients` (`clientOf` throws
   * `ConfigurationError` when the provider is not configured). Throws `ConfigurationError` before
   * calling when a required setting is missing.
   */
  issue(clients: ProviderClients, request: IssueRequest, settings: FlowSettings): Promise<IssuedToken>
  /** Calls the provider for the current result of a recorded token. */
  fetch(clients: ProviderClients, record: { token: string; ruleId: string | null }, settings: FlowSettings): Promise<UpstreamResult>
}
