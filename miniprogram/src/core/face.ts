import { FaceIdKitError, kitError, sdkError, sdkMissing, sdkThrew } from './errors'
import { after, hook } from './hooks'
import { loadSdk } from './sdk-loader'
import { failedRun, type Run, type Runner } from './session'
import type { FaceSdkModule, FaceStartOptions, KitConfig, Platform, SdkLoader } from './types'
import { checkStartPath, checkToken, compareVersion } from './validate'

/** verify_mpsdk's "user cancelled the native verification" code. */
export const FACE_CANCEL_CODE = 90100

const missing = (): FaceIdKitError => sdkMissing('人脸核身', 'verify_mpsdk', 'loadFaceSdk')

export interface FaceVerifier {
  init(loader?: SdkLoader<FaceSdkModule>): void
  start(options: FaceStartOptions): Run
}

export function createFaceVerifier(platform: Platform, runner: Runner, getConfig: () => KitConfig): FaceVerifier {
  let ready = false

  function init(loader?: SdkLoader<FaceSdkModule>): void {
    if (ready) return
    const host = platform.host
    // The app may already have run Tencent's own `Verify.init()`; running it again would only
    // register its network listeners twice.
    if (typeof host.startVerify !== 'function') {
      const sdk = loadSdk(loader ?? getConfig().loadFaceSdk, ['init'], missing)
      try {
        sdk.init()
      } catch (error) {
        throw sdkThrew('verify_mpsdk 初始化失败', error)
      }
      if (typeof host.startVerify !== 'function') {
        throw kitError('SDK_ERROR', 'verify_mpsdk 初始化后没有提供 startVerify，请确认 SDK 文件完整')
      }
    }
    ready = true
  }

  function start(options: FaceStartOptions): Run {
    const invalid = checkToken(options?.token) ?? checkStartPath(options?.startPath) ?? checkClient(platform)
    if (invalid) return failedRun(invalid)
    try {
      init()
    } catch (error) {
      return failedRun(error)
    }
    const { token, startPath } = options
    const session = runner.begin('face', token)
    if (session instanceof Error) return failedRun(session)
    const host = platform.host

    // verify_mpsdk first fetches its config. When that fails (domain not whitelisted, an error
    // code such as 15, a minimum WeChat version above the client's) — or the client is blocked —
    // it shows a modal and stops: no callback, no page. A modal before its page or WeChat's face
    // screen is therefore the end; the kit settles when the user dismisses it (bounded by
    // returnTimeout). A slow config request shows nothing and is simply waited for.
    let started = false
    /** The SDK's own page is open (it opened one and has not gone back). */
    let page = false
    const go = (): void => {
      started = true
      session.left()
    }
    const watched = hook(host, session, 'navigateTo', (o, call) => {
      go()
      page = true
      return call(
        after(o, 'fail', (err) =>
          session.fail(kitError('SDK_ERROR', `人脸核身页面打开失败（${err.errMsg}），请在 app.json 的 pages 中加入 SDK 的页面`, false, token), false),
        ),
      )
    })
    // Without a view of its pages every show counts as the user's return, as it always did.
    if (!watched) session.left()
    hook(host, session, 'navigateBack', (o, call) => {
      page = false
      return call(o)
    })
    // WeChat shows the app again when its face screen closes, but the SDK then asks Tencent for
    // the result and calls back seconds later: wait for it (sdkTimeout) instead of guessing.
    hook(host, session, 'startFacialRecognitionVerify', (o, call) => {
      go()
      session.hold(true)
      return call(after(o, 'complete', () => session.hold(false)))
    })
    hook(host, session, 'showModal', (o, call) => {
      if (started) return call(o)
      const error = new FaceIdKitError({ code: 'SDK_STOPPED', message: o.content || '人脸核身未能开始', retryable: true, token })
      session.stop(error)
      return call(after(o, 'complete', () => session.fail(error, false)))
    })

    try {
      host.startVerify!({
        data: startPath === undefined ? { token } : { token, startPath },
        success: () => session.done(),
        fail: (res) => {
          const code = typeof res?.ErrorCode === 'number' ? res.ErrorCode : Number(res?.ErrorCode)
          if (code !== FACE_CANCEL_CODE) return session.fail(sdkError(Number.isFinite(code) ? code : -1, res?.ErrorMsg, token))
          // A cancel inside its page leaves that page open with the verification still live: a
          // second try there could pass after the app heard "cancelled". Close it.
          if (page && session.covered() !== false) host.navigateBack?.({})
          session.cancel('user-cancel')
        },
      })
    } catch (error) {
      session.fail(sdkThrew('调用人脸核身 SDK 出错', error, token), false)
    }
    return session
  }

  return { init, start }
}

/**
 * verify_mpsdk blocks WeCom and old WeChat with a modal and never calls back, so the kit refuses
 * those clients itself (newer limits from the SDK's config end in SDK_STOPPED).
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
