/**
 * faceid-kit for native WeChat mini-programs: a typed, promise-based wrapper over Tencent's
 * verify_mpsdk (人脸核身) and mp_ecard_sdk (E证通), plus the API client for the kit's server.
 * The components `faceid-verify` and `eid-verify` use this same module instance.
 */
import { createKit, type Kit } from './core/kit'
import { wxPlatform } from './wx-platform'

/** The kit instance bound to `wx`; the components use this same instance. */
export const kit: Kit = createKit(wxPlatform)

export const configure: Kit['configure'] = kit.configure
export const getConfig: Kit['getConfig'] = kit.getConfig
export const initFaceVerify: Kit['initFaceVerify'] = kit.initFaceVerify
export const startFaceVerify: Kit['startFaceVerify'] = kit.startFaceVerify
export const initEid: Kit['initEid'] = kit.initEid
export const startEid: Kit['startEid'] = kit.startEid
export const canEmbedEid: Kit['canEmbedEid'] = kit.canEmbedEid
export const notifyShow: Kit['notifyShow'] = kit.notifyShow
export const isBusy: Kit['isBusy'] = kit.isBusy
export const getApiClient: Kit['api'] = kit.api
export const verifyFace: Kit['verifyFace'] = kit.verifyFace
export const prepareEid: Kit['prepareEid'] = kit.prepareEid
export const isEidReturn: Kit['isEidReturn'] = kit.isEidReturn
export const withEidReturnGuard: Kit['withEidReturnGuard'] = kit.withEidReturnGuard

export { FaceIdKitError, toErrorInfo } from './core/errors'
export { EID_APP_ID, SCENE_BACK_FROM_MINIPROGRAM } from './core/scene'
export { TOKEN_PATTERN } from './core/validate'
export type { Kit, PreparedEid, ServerOverrides, FlowHooks } from './core/kit'
export type { ApiClient } from './core/api'
export type * from './core/types'
