/**
 * Public types of faceid-kit for uni-app (the single source for the composables and components).
 * Kit-level types (results, errors, SDK shapes) come from the shared mini-program core.
 */
import type { ComputedRef, MaybeRefOrGetter, Ref } from 'vue'
import type {
  CancelReason,
  FlowOutcome,
  HeaderSource,
  Kit,
  KitConfig,
  KitErrorInfo,
  MegviiFinishDetail,
  VerificationResult,
} from './core'

export type {
  CancelReason,
  EidSdkModule,
  FaceSdkModule,
  FlowOutcome,
  HeaderSource,
  Kit,
  KitConfig,
  KitErrorInfo,
  MegviiFinishDetail,
  SdkLoader,
  VerificationResult,
} from './core'

/** `configureFaceidKit`: the core's configuration plus uni-app's verify_mpsdk host page. */
export interface UniKitConfig extends KitConfig {
  /**
   * The page hosting verify_mpsdk's `indexCom` (verify_mpsdk's `startPath`).
   * Default "/pages/faceid-kit/verify", the page `install-wxcomponents` writes.
   */
  startPath?: string
}

/**
 * Where a verification stands: `verifying` while the SDK runs; then the server's verdict
 * (`passed` / `failed` / `pending` / `expired`), or `cancelled`, or `error`.
 */
export type UseVerifyStatus = 'idle' | 'verifying' | VerificationResult['status'] | 'cancelled' | 'error'

/** What `verify()` / `start()` resolve with. They never reject: errors come back as `status: 'error'`. */
export type UseVerifyOutcome = FlowOutcome | { status: 'error'; error: KitErrorInfo }

/** Options shared by both composables. */
export interface UseVerifyServerOptions {
  /** Server origin; default: `configureFaceidKit({ baseUrl })`. */
  baseUrl?: MaybeRefOrGetter<string | undefined>
  /** Request headers (e.g. `Authorization`); default: `configureFaceidKit({ header })`. */
  header?: MaybeRefOrGetter<HeaderSource | undefined>
  /** Another kit instance than the shared one (tests, several servers). */
  kit?: Kit
}

/** State shared by both composables. */
export interface UseVerifyState {
  status: Readonly<Ref<UseVerifyStatus>>
  /** A verification is running. */
  busy: ComputedRef<boolean>
  /** The token of the current or last verification. */
  token: Readonly<Ref<string | undefined>>
  /** The server's verdict of the last verification. */
  result: Readonly<Ref<VerificationResult | undefined>>
  cancelReason: Readonly<Ref<CancelReason | undefined>>
  error: Readonly<Ref<KitErrorInfo | undefined>>
  /** Back to `idle` (does not stop a running verification). */
  reset(): void
}

export interface UseFaceVerifyOptions extends UseVerifyServerOptions {
  /** verify_mpsdk's host page; default: `configureFaceidKit({ startPath })`. */
  startPath?: MaybeRefOrGetter<string | undefined>
}

export interface UseFaceVerifyReturn extends UseVerifyState {
  /** BizToken from the server → verify_mpsdk → the server's verdict. */
  verify(): Promise<UseVerifyOutcome>
}

export interface UseEidVerifyOptions extends UseVerifyServerOptions {
  /** Open eID half-screen (base library ≥ 2.20.1, approved in the admin console, `embeddedAppIdList`). */
  embedded?: MaybeRefOrGetter<boolean | undefined>
  /** Let the half-screen eID go full screen. Default true. */
  allowFullScreen?: MaybeRefOrGetter<boolean | undefined>
  /** Show the SDK's own "确认进入" page first (needs mp_ecard_sdk's pages in pages.json). */
  needJumpPage?: MaybeRefOrGetter<boolean | undefined>
  /** Fetch the EidToken when the component mounts. Default true. */
  immediate?: boolean
  /** Renew the token this long (ms) before it expires. Default 60000. */
  renewMargin?: number
  /** A token fetch made ahead of the tap failed (also in `error`); the next tap or page show retries. */
  onPrepareError?: (error: KitErrorInfo) => void
}

export interface UseEidVerifyReturn extends UseVerifyState {
  /** An EidToken is ready: `start()` can open eID inside the tap. */
  ready: Readonly<Ref<boolean>>
  /** An EidToken is being fetched. */
  preparing: Readonly<Ref<boolean>>
  /** Fetches (or renews) the EidToken ahead of the tap; resolves to whether one is ready. */
  prepare(): Promise<boolean>
  /**
   * Opens eID, synchronously: call it directly from the tap handler, with no `await` before it,
   * and put `data-eventsync="true"` on the tapped element — uni-app otherwise runs tap handlers
   * in a `setTimeout`, outside the tap, and WeChat refuses the jump.
   * Without a fresh token it fetches one and resolves `{ status: 'error', error: { code: 'NOT_READY' } }`:
   * the user taps again.
   */
  start(): Promise<UseVerifyOutcome>
}

export interface UseMegviiVerifyOptions extends UseVerifyServerOptions {
  /**
   * After Megvii's `complete`: how long (ms) the server may take to hold a final verdict; past it
   * `verify()` resolves with the server's `pending` result. Default 6000.
   */
  verdictTimeout?: MaybeRefOrGetter<number | undefined>
}

export interface UseMegviiVerifyReturn extends UseVerifyState {
  /**
   * Show Megvii's `faceid-verify` (with `token`) while this is true:
   * `<faceid-verify v-if="showing" :token="token" @onFinish="onFinish" />`.
   */
  showing: Readonly<Ref<boolean>>
  /**
   * A biz_token from the server (`POST /faceid/megvii/biz-token`) → Megvii's component → the
   * server's verdict. Resolves on every path: `complete` → the server's result (`pending` when it
   * has none by `verdictTimeout`); `tokenError` → `error` `TOKEN_ERROR` (retryable: call again
   * for a new biz_token); `leave()` or the page unloading → the verdict if the server has one,
   * else `cancelled`.
   */
  verify(): Promise<UseVerifyOutcome>
  /** Megvii's `onFinish` handler: bind it to the component. It only says when to ask the server. */
  onFinish(event: { detail?: MegviiFinishDetail } | undefined): void
  /** The user leaves Megvii's component (e.g. your "退出核身" button). */
  leave(): void
}

/** Properties both components share (`<faceid-verify>`, `<eid-verify>`). */
export interface VerifyButtonProps {
  /** Server origin; default: `configureFaceidKit({ baseUrl })`. */
  baseUrl?: string
  /** Request headers (e.g. Authorization); default: `configureFaceidKit({ header })`. */
  header?: Record<string, string>
  text?: string
  busyText?: string
  disabled?: boolean
}

/** Events both components emit. */
export interface VerifyButtonEmits {
  start: [payload: { token: string }]
  result: [result: VerificationResult]
  cancel: [payload: { token: string; reason: CancelReason }]
  error: [error: KitErrorInfo]
}
