/**
 * Public types of the Tencent FaceID API emulator. The emulator speaks Tencent Cloud API 3.0
 * (TC3-HMAC-SHA256) exactly as `tencentcloud-sdk-nodejs` sends it, so a partner backend can be
 * developed and tested offline with its real SDK client.
 */

/** A SecretId / SecretKey pair the emulator accepts. */
export interface EmulatorCredential {
  secretId: string
  secretKey: string
}

/** How a sandbox verification ends. */
export type SandboxOutcome =
  | { outcome: 'passed' }
  /** `code` defaults to 2016 (face mismatch, billable) for both kinds. */
  | { outcome: 'failed'; code?: number }
  /** The user walked away: the result stays "not finished" (`Text.ErrCode` null). */
  | { outcome: 'abandoned' }
  /**
   * 意愿核身 tokens only: the face part passed (`Text.ErrCode` 0, billed) but the answer to question
   * (or nod, or reading) `item` (0-based, default 0) did not; the intention result says so.
   */
  | { outcome: 'intention-failed'; item?: number }

/** Random per-request faults, each a rate in [0, 1]. Drop, stall, 5xx, rate limit and internal error exclude each other (their sum must be ≤ 1); slow and latency combine with them. */
export interface FaultOptions {
  /** HTTP 500 with the body `Internal Server Error`. */
  http5xxRate?: number
  /** `RequestLimitExceeded` (HTTP 200). */
  rateLimitRate?: number
  /** `InternalError` (HTTP 200). */
  internalErrorRate?: number
  /** Delay the answer by `slowMs`. */
  slowRate?: number
  /** Default 2000. */
  slowMs?: number
  /** Destroy the socket without answering. */
  dropRate?: number
  /** Send `200`, the headers and the first bytes of the body, then nothing: the connection stays open until the client gives up (or `close()`). */
  stallRate?: number
  /** Added to every API answer, in ms (not counted as a fault). Default 0. */
  latencyMs?: number
  /** PRNG seed, so a run is reproducible; default random. */
  seed?: number
}

export type FaultKind = 'drop' | 'stall' | 'http5xx' | 'rateLimit' | 'internalError' | 'slow'

/** The subset of a pino logger the emulator uses. */
export interface EmulatorLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** The identity-factor check actions the emulator implements (answered from planted identities). */
export type CheckAction =
  | 'IdCardVerification'
  | 'PhoneVerification'
  | 'BankCard2EVerification'
  | 'BankCardVerification'
  | 'BankCard4EVerification'
  | 'MobileStatus'
  | 'MobileNetworkTimeVerification'

/** The Tencent actions the emulator implements. */
export type EmulatorAction = 'DetectAuth' | 'GetDetectInfoEnhanced' | 'GetEidToken' | 'GetEidResult' | 'GetWeChatBillDetails' | CheckAction

/**
 * A bank card's state as the card network reports it; anything but `normal` ends a card check
 * with the billed code of that state ("此卡已挂失", "该卡已过期"…).
 */
export type PlantedCardState =
  | 'normal'
  | 'noCardless'
  | 'confiscated'
  | 'invalidNumber'
  | 'noIssuer'
  | 'dormant'
  | 'fraud'
  | 'lost'
  | 'expired'
  | 'restricted'
  | 'pinLocked'
  | 'unsupported'
  | 'abnormal'

/** A mobile number of a planted person. */
export interface PlantedPhone {
  number: string
  /** MobileStatus `StatusCode`: 0 normal, 1 suspended, 2 cancelled, 4 not in service, 5 in service but unusable, 99 unknown. Default 0. */
  status?: 0 | 1 | 2 | 4 | 5 | 99
  /** Months in service (MobileNetworkTimeVerification); `null`: the operator cannot tell (-3). Default 30. */
  tenureMonths?: number | null
}

/** A bank card of a planted person. */
export interface PlantedBankCard {
  number: string
  /** Default `normal`. */
  state?: PlantedCardState
  /** The phone number the bank holds for the card (four-factor check). Default the person's first phone. */
  phone?: string
}

/**
 * A person the emulator's "authoritative sources" know: the ID database, the operators and the
 * card network. The checks compare what they are sent with these; an ID number, phone number or
 * card no one planted is unknown to them.
 */
export interface PlantedIdentity {
  name: string
  idCard: string
  phones?: PlantedPhone[]
  bankCards?: PlantedBankCard[]
}

export interface EmulatorOptions {
  /** Default: `[SANDBOX_CREDENTIAL]`. */
  credentials?: EmulatorCredential[]
  /** Millisecond clock for token lifetimes, signature skew, rate windows and bill dates. Default `Date.now`. */
  now?: () => number
  /** Maximum |server time − X-TC-Timestamp|; default 300. `Infinity` disables the check (useful when a test moves `now` by hours). */
  maxSkewSeconds?: number
  /** RuleIds accepted by DetectAuth / GetDetectInfoEnhanced / GetWeChatBillDetails. Default `['1']`. */
  ruleIds?: string[]
  /** MerchantIds accepted by GetEidToken. Default `['0NSJ2106141714']`. */
  merchantIds?: string[]
  faults?: FaultOptions
  /** Requests per second per action; one number for all, or per action. Default: unlimited. See `TENCENT_QPS_LIMITS`. */
  qpsLimit?: number | Partial<Record<EmulatorAction, number>>
  /** Page size of GetWeChatBillDetails. Default 100. */
  billPageSize?: number
  /** pino-compatible logger, or `false` for none. Default: pino at level `EMULATOR_LOG_LEVEL` or `warn`. */
  logger?: EmulatorLogger | false
  /** The people the identity-factor checks know. Default `SANDBOX_IDENTITIES`. */
  identities?: PlantedIdentity[]
}

/** One liveness + comparison attempt ("活体一比一") on a token. */
export interface EmulatedAttempt {
  /** ms */
  at: number
  seq: string
  /** 0 when the attempt passed. */
  code: number
  message: string
  billable: boolean
  /** Similarity score, e.g. "95.17"; null when no comparison happened. */
  sim: string | null
}

export type EmulatedTokenStatus = 'pending' | 'abandoned' | 'passed' | 'failed'

/** Everything the emulator knows about a BizToken / EidToken. */
export interface EmulatedToken {
  token: string
  kind: 'face' | 'eid'
  /** face only */
  ruleId?: string
  /** eid only */
  merchantId?: string
  /** ms */
  createdAt: number
  /** ms; completion is refused after this (BizToken 7200 s, EidToken 600 s). */
  expiresAt: number
  /** ms; results can be fetched until then (3 days after creation). */
  retainedUntil: number
  status: EmulatedTokenStatus
  /** Identity the partner sent with DetectAuth / GetEidToken, if any. */
  identity?: { name: string; idCard: string }
  extra?: string
  /** Web flows: where the sandbox page sends the browser back (DetectAuth / GetEidToken `RedirectUrl`). */
  redirectUrl?: string
  /** DetectAuth carried an ImageBase64 (comparison against the partner's own photo). */
  ownImage: boolean
  attempts: EmulatedAttempt[]
  /** The 意愿核身 script of DetectAuth / GetEidToken's Config, when there was one. */
  intention?: EmulatedIntention
}

/** A 意愿核身 run as configured, and where it failed. */
export interface EmulatedIntention {
  mode: 'questions' | 'actions' | 'read-aloud'
  /** What is read to the user: the questions, the nod statements or the text to read aloud. */
  prompts: string[]
  /** What a passing user says, per prompt (the first accepted answer; the text read aloud). */
  answers: string[]
  /** The item the user's answer did not match (an `intention-failed` outcome), if any. */
  failedItem?: number
}

export interface EmulatorAddress {
  /** `http://127.0.0.1:PORT` */
  url: string
  port: number
  /** `127.0.0.1:PORT`, for `profile.httpProfile.endpoint` */
  endpoint: string
}

export interface EmulatorStats {
  /** Requests received at `/` per `X-TC-Action` value (faulted and rejected ones included). */
  calls: Record<string, number>
  qpsViolations: number
  faultsInjected: number
  /** Injected faults by kind. */
  faults: Record<FaultKind, number>
}

export interface Emulator {
  listen(port?: number, host?: string): Promise<EmulatorAddress>
  close(): Promise<void>
  /** In-process sandbox control; throws `EmulatorError` for unknown, expired or already passed tokens. */
  complete(token: string, outcome: SandboxOutcome): void
  setFaults(faults: FaultOptions | undefined): void
  /** The faults in force (a copy), or undefined. */
  currentFaults(): FaultOptions | undefined
  stats(): EmulatorStats
  /** A copy of the token's state, for tests. */
  token(token: string): EmulatedToken | undefined
  /** Where it listens, once `listen` resolved. */
  address(): EmulatorAddress | undefined
  /** Adds (or replaces, by ID number) a person the identity-factor checks know. */
  plantIdentity(identity: PlantedIdentity): void
  /**
   * Makes every later call of a check action answer `Result` `code` (e.g. `'-11'`, service busy)
   * whatever it is sent, until called again with `undefined`. Parameters are still validated.
   */
  forceCheckResult(action: CheckAction, code: string | undefined): void
}
