/**
 * faceid-kit for native WeChat mini-programs: a typed, promise-based wrapper over Tencent's
 * verify_mpsdk (人脸核身) and mp_ecard_sdk (E证通), plus the API client for the kit's server.
 * The components `faceid-verify` and `eid-verify` use this same module instance.
 */
import { createKit } from './core/kit'
import { wxPlatform } from './wx-platform'

export const kit = createKit(wxPlatform)

export const configure = kit.configure
export const getConfig = kit.getConfig
export const initFaceVerify = kit.initFaceVerify
export const startFaceVerify = kit.startFaceVerify
export const initEid = kit.initEid
export const startEid = kit.startEid
export const canEmbedEid = kit.canEmbedEid
export const notifyShow = kit.notifyShow
export const isBusy = kit.isBusy
export const getApiClient = kit.api
export const verifyFace = kit.verifyFace
export const prepareEid = kit.prepareEid
export const isEidReturn = kit.isEidReturn
export const withEidReturnGuard = kit.withEidReturnGuard

export { FaceIdKitError, toErrorInfo } from './core/errors'
export { EID_APP_ID, SCENE_BACK_FROM_MINIPROGRAM } from './core/scene'
export { TOKEN_PATTERN } from './core/validate'
export type { Kit, PreparedEid, ServerOverrides, FlowHooks } from './core/kit'
export type { ApiClient } from './core/api'
export type * from './core/types'
