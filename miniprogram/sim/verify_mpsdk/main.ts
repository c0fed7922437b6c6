/**
 * SIMULATED verify_mpsdk `main` — same interface as Tencent's: `init()` installs `wx.startVerify`.
 * Reproduces v1.0.28's observed behaviours, including every path where no callback ever fires:
 * bad parameters, and — after the config request — an unreachable domain, a config error code,
 * a config minimum WeChat version above the client's, WeCom: a modal, no callback, no page.
 */
import { begin, configureSandbox, finish, refuseRelease, sandboxConfig, tencent, type FaceFail, type FaceSuccess } from './sandbox'

const DEFAULT_PAGE = '/verify_mpsdk/index/index'
// Its own copy, not @faceid-kit/shared's: the simulated SDK stands alone like Tencent's folder.
const TOKEN_PATTERN = /^[a-zA-Z0-9-]{36}$/
/** Tries of the config request: the main domain once, then the backup domain three times. */
const CONFIG_TRIES = 4

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

function modal(content: string): void {
  wx.showModal({ title: '提示', content, showCancel: false })
}

function startVerify(options: StartOptions): void {
  // Reads data.token first: a missing `data` throws a TypeError.
  const token = (options.data as { token?: string }).token
  // Before it validates anything: a login and a report, even for a bad token.
  if (typeof wx.login === 'function') wx.login({})
  void tencent('report:startVerify')
  if (!options.data || !options.success || !options.fail) return modal('调用SDK失败，wx.startVerify传入参数缺少！')
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return modal('调用SDK失败,token格式错误！')
  refuseRelease()
  const { success, fail } = options
  const endPath = options.data.endPath
  if (endPath !== undefined && !endPath.startsWith('/')) return modal('调用SDK失败，endPath格式错误！')
  const startPath = options.data.startPath
  void fetchConfig(token).then((config) => {
    if (typeof config === 'string') return modal(config)
    if (isBlockedClient(config)) return
    ;(wx as unknown as Host).verify_token = token
    if (sandboxConfig().nativeFlow) {
      begin({ token, success, fail, viaPage: false, ...(endPath ? { endPath } : {}) })
      // WeChat's native face API (not in miniprogram-api-typings), read at call time.
      const native = (wx as unknown as Host).startFacialRecognitionVerify as (options: Record<string, unknown>) => void
      native({
        checkAliveType: 2,
        success: () => void finish('passed'),
        fail: (err: { errMsg?: string }) => void finish(/cancel/.test(err?.errMsg ?? '') ? 'cancel' : 'failed'),
      })
      return
    }
    begin({ token, success, fail, viaPage: true, ...(endPath ? { endPath } : {}) })
    // The real page URL carries no token: the page reads it from the SDK's state.
    wx.navigateTo({ url: startPath || DEFAULT_PAGE })
  })
}

interface ClientLimits {
  ios: string
  android: string
}

/** The config request; a string is the modal the SDK shows instead of going on. */
async function fetchConfig(token: string): Promise<ClientLimits | string> {
  const sandbox = sandboxConfig()
  const host = wx as unknown as Host
  for (let i = 0; i < CONFIG_TRIES; i++) {
    const domain = String(i === 0 ? host.verifyBaseUrl : host.verify_backupUrl)
    await tencent(`getConfig:${domain}?BizToken=${token}`)
    if (sandbox.whitelisted === false) continue
    if (sandbox.configErrorCode === 15) return '获取配置失败,BizToken已过期'
    if (sandbox.configErrorCode !== undefined) return `获取配置失败,错误码${sandbox.configErrorCode}`
    const minimum = sandbox.minWechatVersion
    return minimum ? { ios: minimum, android: minimum } : { ios: '6.6.7', android: '6.7.2' }
  }
  return '接口还未添加到服务器域名，请在小程序后台添加 https://faceid.qq.com 和 https://faceid.qcloud.com'
}

/** WeCom and WeChat older than the config's limits get a modal and no callback. */
function isBlockedClient(limits: ClientLimits): boolean {
  let info: { platform?: string; version?: string; environment?: string }
  try {
    info = wx.getSystemInfoSync()
  } catch {
    return false
  }
  if (info.environment === 'wxwork') {
    modal('请在微信中打开进行人脸核身')
    return true
  }
  const minimum = info.platform === 'ios' ? limits.ios : info.platform === 'android' ? limits.android : undefined
  if (minimum && info.version && older(info.version, minimum)) {
    modal(`当前微信版本低于${minimum}，请升级微信后再试`)
    return true
  }
  return false
}

function older(version: string, minimum: string): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0)
  const limit = minimum.split('.').map((p) => Number.parseInt(p, 10) || 0)
  for (let i = 0; i < Math.max(parts.length, limit.length); i++) {
    const a = parts[i] ?? 0
    const b = limit[i] ?? 0
    if (a !== b) return a < b
  }
  return false
}

export { configureSandbox }
