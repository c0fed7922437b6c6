/**
 * faceid-kit for uni-app: Tencent Cloud 人脸核身 (verify_mpsdk) and E证通 (mp_ecard_sdk) as Vue 3
 * composables and components, on the same core as the native mini-program kit; Megvii FaceID
 * lite (`useMegviiVerify`) with Megvii's own faceid-components.
 */
export { configureFaceidKit, kit, DEFAULT_START_PATH } from './kit'
export { useFaceVerify } from './use-face-verify'
export { useEidVerify, DEFAULT_RENEW_MARGIN_MS } from './use-eid-verify'
export { useMegviiVerify } from './use-megvii-verify'
export { guardEidReturn, isEidReturn, EID_APP_ID, SCENE_BACK_FROM_MINIPROGRAM } from './app-guard'
export { createUniPlatform } from './uni-platform'
export type { UniPlatformOptions } from './uni-platform'
export { createKit, FaceIdKitError, toErrorInfo, TOKEN_PATTERN } from './core'
export type * from './types'
