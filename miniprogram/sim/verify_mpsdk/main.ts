/**
 * SIMULATED verify_mpsdk `main` — same interface as Tencent's: `init()` installs `wx.startVerify`.
 * Reproduces the observed behaviours, including the paths where no callback ever fires.
 */
import { begin, configureSandbox, finish, refuseRelease, sandboxConfig, type FaceFail, type FaceSuccess } from './sandbox'

const DEFAULT_PAGE = '/verify_mpsdk/index/index'
const TOKEN_PATTERN = /^[a-zA-Z0-9-]{36}$/

interface StartOptions {
  data?: { token?: string; endPath?: string; startPath?: string }
  success?: (res: FaceSuccess) => void
  fail?: (res: FaceFail) => void
}

type Host = Record<string, unknown>

export function init(_options?: unknown): void {
  // The real init ignores its argument.
  refuseRelease()
  const host = wx as unknown as Host
  host.verifyBaseUrl = 'https://faceid.qq.com'
  host.verify_backupUrl = 'https://faceid.qcloud.com'
  host.verify_isInit = true
  host.startVerify = startVerify
  // Re-registered on every init, like the real SDK.
  wx.onNetworkStatusChange((res) => {
    if (!res.isConnected) wx.showToast({ title: '网络未连接', icon: 'none' })
    else if (res.networkType === '2g') wx.showToast({ title: '当前网络较差', icon: 'none' })
  })
}

function startVerify(options: StartOptions): void {
  // Reads data.token first: a missing `data` throws a TypeError.
  const token = (options.data as { token?: string }).token
  if (!options.data || !options.success || !options.fail) {
    wx.showModal({ title: '提示', content: '调用SDK失败，wx.startVerify传入参数缺少！', showCancel: false })
    return
  }
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    wx.showModal({ title: '提示', content: '调用SDK失败,token格式错误！', showCancel: false })
    return
  }
  refuseRelease()
  if (isBlockedClient()) return
  const { success, fail } = options
  const endPath = options.data.endPath
  if (endPath !== undefined && !endPath.startsWith('/')) {
    wx.showModal({ title: '提示', content: '调用SDK失败，endPath格式错误！', showCancel: false })
    return
  }
  ;(wx as unknown as Host).verify_token = token
  const config = sandboxConfig()
  if (config.failConfig) {
    // getConfig failed on both domains (e.g. not whitelisted).
    fail({ ErrorCode: -104, ErrorMsg: '获取配置失败，请检查网络或合法域名配置', BizToken: token, Token: token })
    return
  }
  if (config.nativeFlow) {
    begin({ token, success, fail, viaPage: false, ...(endPath ? { endPath } : {}) })
    // WeChat's native face API (not in miniprogram-api-typings).
    const native = (wx as unknown as Host).startFacialRecognitionVerify as (options: Record<string, unknown>) => void
    native({
      checkAliveType: 2,
      success: () => void finish('passed'),
      fail: (err: { errMsg?: string }) => void finish(/cancel/.test(err?.errMsg ?? '') ? 'cancel' : 'failed'),
    })
    return
  }
  begin({ token, success, fail, viaPage: true, ...(endPath ? { endPath } : {}) })
  const page = options.data.startPath || DEFAULT_PAGE
  wx.navigateTo({ url: `${page}?token=${token}` })
}

/** Old WeChat (iOS < 6.6.7, Android < 6.7.2) and WeCom get a modal and no callback. */
function isBlockedClient(): boolean {
  let info: { platform?: string; version?: string; environment?: string }
  try {
    info = wx.getSystemInfoSync()
  } catch {
    return false
  }
  if (info.environment === 'wxwork') {
    wx.showModal({ title: '提示', content: '请在微信中打开进行人脸核身', showCancel: false })
    return true
  }
  const minimum = info.platform === 'ios' ? [6, 6, 7] : info.platform === 'android' ? [6, 7, 2] : undefined
  if (minimum && info.version && older(info.version, minimum)) {
    wx.showModal({ title: '提示', content: '微信版本过低，请升级微信后再试', showCancel: false })
    return true
  }
  return false
}

function older(version: string, minimum: number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0)
  for (let i = 0; i < minimum.length; i++) {
    const a = parts[i] ?? 0
    const b = minimum[i] ?? 0
    if (a !== b) return a < b
  }
  return false
}

export { configureSandbox }
