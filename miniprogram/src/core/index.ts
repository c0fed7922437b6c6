/** The platform-independent core, shared by the mini-program kit and the uni-app kit. */
export { createKit, EID_TOKEN_LIFETIME_MS } from './kit'
export type { Kit, PreparedEid, ServerOverrides, FlowHooks } from './kit'
export { createApiClient } from './api'
export type { ApiClient, ApiClientOptions } from './api'
export { FaceIdKitError, toErrorInfo } from './errors'
export { createSettler } from './settle'
export type { Settler } from './settle'
export { isEidReturn, withEidReturnGuard, EID_APP_ID, SCENE_BACK_FROM_MINIPROGRAM } from './scene'
export { TOKEN_PATTERN, compareVersion } from './validate'
export { FACE_CANCEL_CODE } from './face'
export { EMBEDDED_MIN_SDK } from './eid'
export { DEFAULT_RETURN_TIMEOUT, DEFAULT_SDK_TIMEOUT, DEFAULT_SETTLE_DELAY } from './session'
export {
  createMegviiRun,
  startMegviiRun,
  MEGVII_KIND,
  MEGVII_TOKEN_ERROR_MESSAGE,
  DEFAULT_MEGVII_POLL_INTERVAL,
  DEFAULT_MEGVII_VERDICT_TIMEOUT,
} from './megvii'
export type { MegviiFinishDetail, MegviiRun, MegviiRunOptions } from './megvii'
export type * from './types'
