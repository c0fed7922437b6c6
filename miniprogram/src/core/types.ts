/**
 * Public types of the mini-program kit — the single source for the wrapper, the components and
 * the uni-app kit that reuses this core. Nothing here depends on `wx`: the platform is injected.
 */
import type { TokenKind, TokenResponse, VerificationResult } from '@faceid-kit/shared'

export type { TokenKind, TokenResponse, VerificationResult }

/** Kit errors carry a string code; SDK failures carry Tencent's numeric `ErrorCode`. */
export type KitErrorCode =
  | 'INVALID_TOKEN'
  | 'INVALID_OPTIONS'
  | 'BUSY'
  | 'SDK_MISSING'
  | 'SDK_ERROR'
  /** verify_mpsdk showed a modal and stopped without calling back (config failure, blocked client). */
  | 'SDK_STOPPED'
  | 'UNSUPPORTED_CLIENT'
  | 'JUMP_FAILED'
  | 'NOT_CONFIGURED'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'BAD_RESPONSE'
  /** 意愿核身 (the intention build of verify_mpsdk): not passed, another try may pass (SDK -9999). */
  | 'INTENTION_RETRY'
  /** 意愿核身: not passed, and another try will not (SDK -99999). */
  | 'INTENTION_REFUSED'
  /** Megvii's faceid-verify fired `onFinish` with `tokenError`: retryable with a new biz_token. */
  | 'TOKEN_ERROR'

/** The plain shape of every error the kit rejects with (also what components emit on `error`). */
export interface KitErrorInfo {
  /** A kit code, a server `error.code`, or the SDK's numeric `ErrorCode`. */
  code: KitErrorCode | string | number
  message: string
  /** Trying again (usually with a new token) may succeed. */
  retryable: boolean
  /** HTTP status when the error came from the server. */
  status?: number
  /** The token involved, when there was one. */
  token?: string
}

// ---------------------------------------------------------------------------------------------
// Platform: the few `wx` / `uni` APIs the core needs.

export interface RequestOptions {
  url: string
  method: 'GET' | 'POST'
  data?: Record<string, unknown>
  header?: Record<string, string>
  timeout?: number
  success?: (res: { statusCode: number; data: unknown }) => void
  fail?: (err: { errMsg: string }) => void
}

export interface ReferrerInfo {
  appId?: string
  extraData?: Record<string, unknown>
}

/** What `wx.onAppShow` / `App.onShow` receive (only the fields the kit reads). */
export interface AppShowOptions {
  scene?: number
  /** Missing on some WeChat versions. */
  referrerInfo?: ReferrerInfo
  path?: string
  query?: Record<string, string>
}

export type AppShowListener = (options: AppShowOptions) => void

/** Options passed to `navigateToMiniProgram` / `openEmbeddedMiniProgram` by the eID SDK. */
export interface JumpOptions {
  appId?: string
  path?: string
  envVersion?: string
  extraData?: Record<string, unknown>
  allowFullScreen?: boolean
  success?: (res: unknown) => void
  fail?: (err: { errMsg?: string }) => void
  complete?: (res: unknown) => void
}

type JumpFn = (options: JumpOptions) => unknown

/** Options of the page and modal APIs the kit watches (only the fields it reads or chains). */
export interface HostCallOptions {
  url?: string
  content?: string
  success?: (res: unknown) => void
  fail?: (err: { errMsg?: string }) => void
  complete?: (res: unknown) => void
  [key: string]: unknown
}

type HostFn = (options?: HostCallOptions) => unknown

/**
 * The global object the closed SDKs call (`wx`, or `uni` for uni-app builds). While a
 * verification runs the kit wraps some of its APIs to see what the SDKs do without telling:
 * eID's jumps (`fail cancel`, failed jumps), the pages they open and close, verify_mpsdk's
 * modals and WeChat's face screen. Every call goes through unchanged; the originals are put back
 * when the verification settles.
 */
export interface SdkHost {
  navigateToMiniProgram?: JumpFn
  openEmbeddedMiniProgram?: JumpFn
  navigateTo?: HostFn
  navigateBack?: HostFn
  showModal?: HostFn
  /** WeChat's native face screen, which verify_mpsdk opens for some configs. */
  startFacialRecognitionVerify?: HostFn
  /** Installed by `verify_mpsdk`'s `init()`. */
  startVerify?: (options: FaceSdkStartOptions) => void
}

export interface SystemInfo {
  /** Base library version, e.g. "3.4.0". */
  SDKVersion?: string
  /** WeChat version, e.g. "8.0.50". */
  version?: string
  /** "ios" | "android" | "devtools" | … */
  platform?: string
  /** "wxwork" inside WeCom. */
  environment?: string
}

export interface Platform {
  request(options: RequestOptions): unknown
  onAppShow(listener: AppShowListener): void
  offAppShow(listener: AppShowListener): void
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  getSystemInfo?(): SystemInfo
  canIUse?(schema: string): boolean
  /** The page stack; used to ignore show events while an SDK page is on top. */
  getCurrentPages?(): readonly unknown[]
  /** Where the SDKs live and which jump APIs they call. */
  host: SdkHost
  /** Console-like sink for kit warnings (never receives personal data). */
  warn?(message: string): void
}

// ---------------------------------------------------------------------------------------------
// The closed SDKs' module shapes.

export interface FaceSdkSuccess {
  BizToken?: string
  ErrorCode?: number
  ErrorMsg?: string
  [key: string]: unknown
}

export interface FaceSdkFail {
  ErrorCode?: number
  ErrorMsg?: string
  BizToken?: string
  Token?: string
  [key: string]: unknown
}

export interface FaceSdkStartOptions {
  data: { token: string; startPath?: string; endPath?: string }
  success: (res: FaceSdkSuccess) => void
  fail: (res: FaceSdkFail) => void
}

/** `require('<root>/verify_mpsdk/main')` */
export interface FaceSdkModule {
  init(options?: unknown): void
}

export interface EidSdkStartOptions {
  data: { token: string; needJumpPage?: boolean; enableEmbedded?: boolean; allowFullScreen?: boolean }
  verifyDoneCallback: (res: { token: string; verifyDone: boolean }) => void
}

/** `require('<root>/mp_ecard_sdk/main')` */
export interface EidSdkModule {
  initEid(baseUrl?: string, envVersion?: string, backupUrl?: string): void
  startEid(options: EidSdkStartOptions): void
}

/** Loads an SDK module synchronously (a `require`), called the first time it is needed. */
export type SdkLoader<T> = () => T

// ---------------------------------------------------------------------------------------------
// Configuration and results.

export type HeaderSource =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>)

export interface KitConfig {
  /** Server origin, e.g. "https://api.example.com". Required for the API client. */
  baseUrl?: string
  /** Where the faceid routes are mounted. Default "/faceid". */
  routePrefix?: string
  /** Extra request headers, e.g. `{ Authorization: 'Bearer …' }`, or a function returning them. */
  header?: HeaderSource
  /** Request timeout in ms. Default 15000. */
  timeout?: number
  /**
   * Delay between an SDK answer and settling the promise (Tencent's iOS advice: it keeps UI work
   * clear of the SDK's page going back). The flows ask the server at once, in the meantime. Default 500.
   */
  settleDelay?: number
  /**
   * How long to wait for an SDK callback after the user is back (and, at most, for the user to
   * dismiss the modal verify_mpsdk shows when it stops). Default 2000.
   */
  returnTimeout?: number
  /**
   * How long to wait for verify_mpsdk's answer after WeChat's face screen closed: the SDK asks
   * Tencent for the result first, which takes seconds on a slow network. Default 20000.
   */
  sdkTimeout?: number
  loadFaceSdk?: SdkLoader<FaceSdkModule>
  loadEidSdk?: SdkLoader<EidSdkModule>
  /** Arguments for the eID SDK's `initEid`. */
  eid?: { baseUrl?: string; envVersion?: string; backupUrl?: string }
}

export interface FaceStartOptions {
  token: string
  /** uni-app: the page hosting the SDK's `indexCom` component, e.g. "/pages/verify/index". */
  startPath?: string
}

export interface EidStartOptions {
  token: string
  /** Open eID as a half-screen mini-program (`openEmbeddedMiniProgram`, base library ≥ 2.20.1). */
  embedded?: boolean
  /** Let the half-screen mini-program go full screen. Default true. */
  allowFullScreen?: boolean
  /** Show the SDK's own "确认进入" page first. */
  needJumpPage?: boolean
}

/**
 * Why a verification ended without an answer from the SDK:
 * - `user-cancel`: the SDK reported a cancel (verify_mpsdk 90100);
 * - `jump-cancel`: the user declined WeChat's "open mini-program" dialog (`fail cancel`);
 * - `no-callback`: the user came back and the SDK never called back (e.g. verify_mpsdk -999).
 */
export type CancelReason = 'user-cancel' | 'jump-cancel' | 'no-callback'

/** How the eID mini-program was opened, as far as the kit could see. */
export type EidJump = 'embedded' | 'navigate' | 'unknown'

/** The user came back and the SDK says the flow ended. Ask the server whether it passed. */
export interface VerifyDone {
  status: 'done'
  kind: TokenKind
  token: string
  /** eID: how the eID mini-program was opened. */
  jump?: EidJump
  /**
   * eID: half-screen was asked for but the jump made was not `openEmbeddedMiniProgram` (the
   * client cannot do it, or the SDK build has no half-screen, e.g. mp_ecard_sdk 1.0.7).
   */
  embeddedFallback?: boolean
}

export interface VerifyCancelled {
  status: 'cancelled'
  kind: TokenKind
  token: string
  reason: CancelReason
}

export type VerifyOutcome = VerifyDone | VerifyCancelled

/** The whole flow (token → SDK → server result), as the components and `verifyFace` run it. */
export type FlowOutcome =
  | { status: 'result'; result: VerificationResult }
  | { status: 'cancelled'; token: string; reason: CancelReason }
