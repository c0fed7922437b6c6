/**
 * SIMULATED mp_ecard_sdk `main` — same interface as Tencent's (`initEid`, `startEid`), reproducing
 * version 1.0.7's observable behaviour, including the paths where the callback never fires.
 */
import globalConfig from './globalConfig'
import { EID_APP_ID, listeners, refuseRelease, sandboxConfig, setLaunch, currentLaunch, type AppShowLike } from './sandbox'

const TOKEN_PATTERN = /^[a-zA-Z0-9-]{36}$/

type Host = Record<string, unknown>

interface StartOptions {
  data?: { token?: string; needJumpPage?: boolean; enableEmbedded?: boolean; allowFullScreen?: boolean }
  verifyDoneCallback?: (res: { token: string; verifyDone: boolean }) => void
}

export function initEid(
  baseUrl = 'https://eid.faceid.qq.com',
  envVersion = 'release',
  backupUrl = 'https://eid-enhance.faceid.qq.com',
): void {
  refuseRelease()
  const host = wx as unknown as Host
  host.eid_baseUrl = baseUrl
  host.eid_envVersion = envVersion
  host.eid_backupUrl = backupUrl
  host.eid_report = (_event: string) => undefined
  // No duplicate guard: every initEid adds another listener, as in the real SDK.
  const listener = (options: AppShowLike): void => onShow(options)
  listeners.push(listener)
  wx.onAppShow(listener as unknown as WechatMiniprogram.OnAppShowCallback)
}

function onShow(options: AppShowLike): void {
  const launch = currentLaunch()
  if (!launch || !options || options.scene !== 1038) return
  const referrer = options.referrerInfo
  if (!referrer || referrer.appId !== EID_APP_ID) return
  const extra = referrer.extraData
  if (!extra || extra.verifyDone !== true || extra.token !== launch.token) return
  launch.callback({ token: launch.token, verifyDone: true })
}

export function startEid(options: StartOptions): void {
  if (!options || !options.data || !options.verifyDoneCallback) {
    wx.showModal({ title: '提示', content: '传入的参数有误', showCancel: false })
    return
  }
  const { token, needJumpPage = false, enableEmbedded = false, allowFullScreen = true } = options.data
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    wx.showModal({ title: '提示', content: '传入的token有误', showCancel: false })
    return
  }
  refuseRelease()
  setLaunch({ token, callback: options.verifyDoneCallback, enableEmbedded, allowFullScreen })
  if (needJumpPage) {
    wx.navigateTo({ url: `${globalConfig.normalPath}/mp_ecard_sdk/index/index?token=${token}&needJumpPage=true` })
    return
  }
  jumpToEid()
}

/** Opens the eID mini-program for the current launch (also the confirm page's button). */
export function jumpToEid(): void {
  const launch = currentLaunch()
  if (!launch) return
  const host = wx as unknown as Host
  if (sandboxConfig().emulateEidApp) {
    wx.navigateTo({ url: `${globalConfig.normalPath}/mp_ecard_sdk/index/index?token=${launch.token}&emulate=true` })
    return
  }
  const params = {
    appId: EID_APP_ID,
    path: 'pages/huiyan/index',
    envVersion: (host.eid_envVersion as string | undefined) ?? 'release',
    allowFullScreen: launch.allowFullScreen,
    extraData: { useHuiyan: true, huiyanToken: launch.token },
    success: () => undefined,
    // 1.0.7: no callback on failure (nor on "fail cancel"), and a navigateBack that pops the
    // caller's page when there was no jump page.
    fail: () => {
      wx.navigateBack({ delta: 1 })
    },
  }
  const embedded = host.openEmbeddedMiniProgram
  if (launch.enableEmbedded && typeof embedded === 'function') {
    ;(embedded as (p: typeof params) => void).call(wx, params)
  } else {
    wx.navigateToMiniProgram(params as unknown as WechatMiniprogram.NavigateToMiniProgramOption)
  }
}
