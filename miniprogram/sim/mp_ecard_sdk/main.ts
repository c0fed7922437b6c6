/**
 * SIMULATED mp_ecard_sdk `main` — same interface as Tencent's (`initEid`, `startEid`). Behaves like
 * the build chosen with `configureSandbox({ build })` (default 1.0.7, uni_1.0.5 in the uni-app
 * layout; see sandbox.ts), including the paths where the callback never fires.
 */
import globalConfig from './globalConfig'
import { EID_APP_ID, build, currentLaunch, isUniBuild, listeners, refuseRelease, sandboxConfig, setLaunch, type AppShowLike } from './sandbox'

// Its own copy, not @faceid-kit/shared's: the simulated SDK stands alone like Tencent's folder.
const TOKEN_PATTERN = /^[a-zA-Z0-9-]{36}$/

type Host = WechatMiniprogram.Wx & Record<string, unknown>

/** The uni-app build keeps its state on and calls `uni`; the WeChat builds use `wx`. */
declare const uni: Host | undefined

interface StartOptions {
  data?: { token?: string; needJumpPage?: boolean; enableEmbedded?: boolean; allowFullScreen?: boolean }
  verifyDoneCallback?: (res: { token: string; verifyDone: boolean }) => void
}

function sdkHost(): Host {
  return isUniBuild() && typeof uni !== 'undefined' && uni ? uni : (wx as Host)
}

/** Where the confirm page lives: fixed in the WeChat builds, `globalConfig.normalPath` in the uni build. */
function pageRoot(): string {
  return isUniBuild() ? globalConfig.normalPath : ''
}

function modal(content: string): void {
  sdkHost().showModal({ title: '提示', content, showCancel: false })
}

export function initEid(
  baseUrl = 'https://eid.faceid.qq.com',
  envVersion = 'release',
  backupUrl = 'https://eid-enhance.faceid.qq.com',
): void {
  refuseRelease()
  const host = sdkHost()
  host.eid_baseUrl = baseUrl
  host.eid_envVersion = envVersion
  host.eid_backupUrl = backupUrl
  host.eid_report = (_event: string) => undefined
  // No duplicate guard: every initEid adds another listener, as in the real SDK.
  const listener = (options: AppShowLike): void => onShow(options)
  listeners.push(listener)
  host.onAppShow(listener as unknown as WechatMiniprogram.OnAppShowCallback)
}

function onShow(options: AppShowLike): void {
  const launch = currentLaunch()
  if (!launch) return
  // The WeChat builds forget the pending token on every app show, whatever the scene.
  if (!isUniBuild()) setLaunch(undefined)
  if (!options || options.scene !== 1038) return
  const referrer = options.referrerInfo
  if (!referrer || referrer.appId !== EID_APP_ID) return
  const extra = referrer.extraData
  // Any truthy verifyDone, and only once the jump's success has run.
  if (!extra || !extra.verifyDone || extra.token !== launch.token || !launch.jumped) return
  // The first listener clears the token: a second one (initEid twice) finds nothing.
  setLaunch(undefined)
  // The WeChat builds close their confirm page before calling back.
  if (launch.viaPage && !isUniBuild()) sdkHost().navigateBack({ delta: 1 })
  launch.callback({ token: launch.token, verifyDone: true })
}

export function startEid(options: StartOptions): void {
  // Reads options.data first: startEid(undefined) throws a TypeError.
  const data = options.data
  const callback = options.verifyDoneCallback
  if (!data || !callback) return modal('传入的参数有误')
  const { token, needJumpPage = false, enableEmbedded = false, allowFullScreen = true } = data
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return modal('传入的token有误')
  refuseRelease()
  setLaunch({ token, callback, enableEmbedded, allowFullScreen, viaPage: needJumpPage, jumped: false })
  if (needJumpPage) {
    sdkHost().navigateTo({ url: `${pageRoot()}/mp_ecard_sdk/index/index?token=${token}&needJumpPage=true` })
    return
  }
  jumpToEid()
}

/** Opens the eID mini-program for the current launch (also the confirm page's 确认进入). */
export function jumpToEid(): void {
  const launch = currentLaunch()
  if (!launch) return
  const host = sdkHost()
  if (sandboxConfig().emulateEidApp) {
    launch.jumped = true
    host.navigateTo({ url: `${pageRoot()}/mp_ecard_sdk/index/index?token=${launch.token}&emulate=true` })
    return
  }
  const halfScreen = build() !== '1.0.7'
  const params: Record<string, unknown> = {
    appId: EID_APP_ID,
    path: 'pages/huiyan/index',
    envVersion: (host.eid_envVersion as string | undefined) ?? 'release',
    extraData: { useHuiyan: true, huiyanToken: launch.token },
    success: () => {
      launch.jumped = true
    },
    // No callback on failure nor on "fail cancel". The WeChat builds go back, which closes the
    // confirm page — or the caller's own page when there was none. The uni build does nothing:
    // its confirm page stays open with the token live.
    fail: () => {
      if (!isUniBuild()) host.navigateBack({ delta: 1 })
    },
  }
  if (halfScreen) params.allowFullScreen = launch.allowFullScreen
  const embedded = host.openEmbeddedMiniProgram as ((p: Record<string, unknown>) => void) | undefined
  if (halfScreen && launch.enableEmbedded && typeof embedded === 'function') embedded.call(host, params)
  else host.navigateToMiniProgram(params as unknown as WechatMiniprogram.NavigateToMiniProgramOption)
}
