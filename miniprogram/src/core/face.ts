import { FaceIdKitError, kitError, sdkError } from './errors'
import type { Runner } from './session'
import type { FaceSdkModule, FaceStartOptions, KitConfig, Platform, SdkLoader, VerifyOutcome } from './types'
import { checkStartPath, checkToken, compareVersion } from './validate'

/** verify_mpsdk's "user cancelled the native verification" code. */
export const FACE_CANCEL_CODE = 90100

const FACE_SDK_HINT =
  '未找到人脸核身 SDK（verify_mpsdk）：请从腾讯云控制台下载 verify_mpsdk 文件夹放到小程序根目录，' +
  '在 app.json 的 pages 中加入 "verify_mpsdk/index/index"，并通过 ' +
  "configure({ loadFaceSdk: () => require('<相对路径>/verify_mpsdk/main') }) 告诉本组件库它的位置"

export interface FaceVerifier {
  init(loader?: SdkLoader<FaceSdkModule>): void
  start(options: FaceStartOptions): Promise<VerifyOutcome>
}

export function createFaceVerifier(platform: Platform, runner: Runner, getConfig: () => KitConfig): FaceVerifier {
  let ready = false

  function init(loader?: SdkLoader<FaceSdkModule>): void {
    if (ready) return
    const host = platform.host
    // The app may already have run Tencent's own `Verify.init()`; running it again would only
    // register its network listeners twice.
    if (typeof host.startVerify === 'function') {
      ready = true
      return
    }
    const load = loader ?? getConfig().loadFaceSdk
    if (!load) throw kitError('SDK_MISSING', FACE_SDK_HINT)
    let sdk: FaceSdkModule
    try {
      sdk = load()
    } catch {
      throw kitError('SDK_MISSING', FACE_SDK_HINT)
    }
    if (!sdk || typeof sdk.init !== 'function') throw kitError('SDK_MISSING', FACE_SDK_HINT)
    try {
      sdk.init()
    } catch (error) {
      throw kitError('SDK_ERROR', `verify_mpsdk 初始化失败：${error instanceof Error ? error.message : String(error)}`)
    }
    if (typeof host.startVerify !== 'function') {
      throw kitError('SDK_ERROR', 'verify_mpsdk 初始化后没有提供 startVerify，请确认 SDK 文件完整')
    }
    ready = true
  }

  function start(options: FaceStartOptions): Promise<VerifyOutcome> {
    const invalid = checkToken(options?.token) ?? checkStartPath(options?.startPath) ?? checkClient(platform)
    if (invalid) return Promise.reject(invalid)
    try {
      init()
    } catch (error) {
      return Promise.reject(error)
    }
    const { token, startPath } = options
    const session = runner.begin('face', token)
    if (session instanceof Error) return Promise.reject(session)
    const startVerify = platform.host.startVerify
    try {
      if (!startVerify) throw new Error('startVerify missing')
      startVerify({
        data: startPath === undefined ? { token } : { token, startPath },
        success: () => session.done(),
        fail: (res) => {
          const code = typeof res?.ErrorCode === 'number' ? res.ErrorCode : Number(res?.ErrorCode)
          if (code === FACE_CANCEL_CODE) session.cancel('user-cancel')
          else session.fail(sdkError(Number.isFinite(code) ? code : -1, res?.ErrorMsg, token))
        },
      })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      session.fail(new FaceIdKitError({ code: 'SDK_ERROR', message: `调用人脸核身 SDK 出错：${message}`, retryable: false, token }), false)
    }
    return session.promise
  }

  return { init, start }
}

/**
 * verify_mpsdk blocks WeCom and old WeChat with a modal and never calls back, so the kit refuses
 * those clients itself.
 */
function checkClient(platform: Platform): FaceIdKitError | undefined {
  const info = platform.getSystemInfo?.()
  if (!info) return undefined
  if (info.environment === 'wxwork') {
    return kitError('UNSUPPORTED_CLIENT', '企业微信中无法进行人脸核身，请在微信中打开')
  }
  const minimum = info.platform === 'ios' ? '6.6.7' : info.platform === 'android' ? '6.7.2' : undefined
  if (minimum && info.version && compareVersion(info.version, minimum) < 0) {
    return kitError('UNSUPPORTED_CLIENT', `微信版本过低，请升级到 ${minimum} 或以上后再试`)
  }
  return undefined
}
