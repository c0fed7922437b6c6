import { FaceIdKitError, kitError, sdkMissing, sdkThrew } from './errors'
import { after, hook, replace } from './hooks'
import { loadSdk } from './sdk-loader'
import { EID_APP_ID } from './scene'
import { failedRun, type Run, type Runner, type Session } from './session'
import type { EidJump, EidSdkModule, EidStartOptions, JumpOptions, KitConfig, Platform, SdkHost, SdkLoader } from './types'
import { checkBooleans, checkToken, compareVersion } from './validate'

/** `openEmbeddedMiniProgram` (half-screen) exists from this base library on. */
export const EMBEDDED_MIN_SDK = '2.20.1'

const missing = (): FaceIdKitError => sdkMissing(' E证通', 'mp_ecard_sdk', 'loadEidSdk')

export interface EidVerifier {
  init(loader?: SdkLoader<EidSdkModule>): void
  /** Calls the SDK synchronously — call it directly from a tap handler. */
  start(options: EidStartOptions): Run
  /** Whether `embedded: true` can open eID half-screen on this client. */
  canEmbed(): boolean
}

export function createEidVerifier(platform: Platform, runner: Runner, getConfig: () => KitConfig): EidVerifier {
  let sdk: EidSdkModule | undefined

  function init(loader?: SdkLoader<EidSdkModule>): void {
    // initEid adds an onAppShow listener each time it runs, so it runs once.
    if (sdk) return
    const loaded = loadSdk(loader ?? getConfig().loadEidSdk, ['initEid', 'startEid'], missing)
    const { baseUrl, envVersion, backupUrl } = getConfig().eid ?? {}
    try {
      loaded.initEid(baseUrl, envVersion, backupUrl)
    } catch (error) {
      throw sdkThrew('mp_ecard_sdk 初始化失败', error)
    }
    sdk = loaded
  }

  function canEmbed(): boolean {
    if (typeof platform.host.openEmbeddedMiniProgram !== 'function') return false
    if (platform.canIUse && !platform.canIUse('openEmbeddedMiniProgram')) return false
    const version = platform.getSystemInfo?.()?.SDKVersion
    return !version || compareVersion(version, EMBEDDED_MIN_SDK) >= 0
  }

  function start(options: EidStartOptions): Run {
    const invalid =
      checkToken(options?.token) ??
      checkBooleans(options as unknown as Record<string, unknown>, ['embedded', 'allowFullScreen', 'needJumpPage'])
    if (invalid) return failedRun(invalid)
    try {
      init()
    } catch (error) {
      return failedRun(error)
    }
    const { token } = options
    const needJumpPage = options.needJumpPage === true
    const wantsEmbedded = options.embedded === true
    const embedded = wantsEmbedded && canEmbed()
    if (wantsEmbedded && !embedded) {
      platform.warn?.(`[faceid-kit] 当前基础库不支持半屏打开 E证通（需要 ≥ ${EMBEDDED_MIN_SDK}），改为普通跳转`)
    }

    const session = runner.begin('eid', token)
    if (session instanceof Error) return failedRun(session)
    // startEid jumps (or opens its confirm page) synchronously: any later show is a return.
    session.left()
    let jump: EidJump = 'unknown'
    watch(platform.host, session, needJumpPage, (kind) => {
      jump = kind
    })
    try {
      sdk!.startEid({
        data: { token, needJumpPage, enableEmbedded: embedded, allowFullScreen: options.allowFullScreen ?? true },
        // Half-screen or not is what the jump made says: 1.0.7 has no half-screen and jumps
        // normally whatever it is asked.
        verifyDoneCallback: () => session.done(wantsEmbedded ? { jump, embeddedFallback: jump !== 'embedded' } : { jump }),
      })
    } catch (error) {
      session.fail(sdkThrew('调用 E证通 SDK 出错', error, token), false)
    }
    return session
  }

  return { init, start, canEmbed }
}

/**
 * The eID SDK swallows a failed jump and the user's "cancel" on WeChat's confirm dialog: no
 * callback, and no show event either since the app never left the foreground. So while a
 * verification runs, the kit watches the two jump APIs (and the confirm page of `needJumpPage`).
 */
function watch(host: SdkHost, session: Session, needJumpPage: boolean, onJump: (jump: EidJump) => void): void {
  // A confirm page that cannot open (SDK folder elsewhere than the build expects, page missing
  // from app.json) leaves the SDK silent too.
  hook(host, session, 'navigateTo', (o, call) =>
    call(
      /mp_ecard_sdk\//.test(o.url ?? '')
        ? after(o, 'fail', (err) =>
            session.fail(
              kitError('SDK_ERROR', `E证通确认页打开失败（${err.errMsg}）：1.0.7 需放在根目录；uni-app 版按位置设置 globalConfig.js 的 normalPath`, false, session.token),
              false,
            ),
          )
        : o,
    ),
  )
  for (const name of ['openEmbeddedMiniProgram', 'navigateToMiniProgram'] as const) {
    hook(host, session, name, (o, call) => {
      if (o.appId !== EID_APP_ID) return call(o)
      onJump(name === 'openEmbeddedMiniProgram' ? 'embedded' : 'navigate')
      const sdkFail = o.fail as JumpOptions['fail']
      return call({
        ...o,
        fail: (err: { errMsg?: string }) => {
          // On that failure the WeChat builds call navigateBack(): without a confirm page that
          // would close the caller's own page, so it is dropped; with one, it closes the confirm
          // page. The uni build leaves its confirm page open with the token live — a second
          // 确认进入 could complete after the app heard the end — so the kit closes it.
          const back = host.navigateBack
          let wentBack = false
          replace(host, 'navigateBack', (options?: Record<string, unknown>) => {
            wentBack = true
            return needJumpPage ? back?.call(host, options) : undefined
          })
          try {
            sdkFail?.(err)
          } finally {
            replace(host, 'navigateBack', back)
          }
          if (needJumpPage && !wentBack && session.covered() !== false) back?.call(host, {})
          const errMsg = (err && err.errMsg) || ''
          if (/cancel/i.test(errMsg)) session.cancel('jump-cancel', false)
          else session.fail(jumpError(errMsg, session.token), false)
        },
      })
    })
  }
}

function jumpError(errMsg: string, token: string): FaceIdKitError {
  const tap = /TAP gesture/i.test(errMsg)
  return kitError(
    'JUMP_FAILED',
    tap ? '打开 E证通失败：startEid 必须在用户点击的处理函数中同步调用' : `打开 E证通失败：${errMsg || '未知原因'}`,
    !tap,
    token,
  )
}
