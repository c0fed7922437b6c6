import { FaceIdKitError, kitError } from './errors'
import { EID_APP_ID } from './scene'
import type { Runner, Session } from './session'
import type { EidJump, EidSdkModule, EidStartOptions, JumpOptions, KitConfig, Platform, SdkHost, SdkLoader, VerifyOutcome } from './types'
import { checkBooleans, checkToken, compareVersion } from './validate'

/** `openEmbeddedMiniProgram` (half-screen) exists from this base library on. */
export const EMBEDDED_MIN_SDK = '2.20.1'

const EID_SDK_HINT =
  '未找到 E证通 SDK（mp_ecard_sdk）：请从腾讯云控制台下载 mp_ecard_sdk 文件夹放到小程序根目录，' +
  '在 app.json 的 pages 中加入 "mp_ecard_sdk/index/index"，并通过 ' +
  "configure({ loadEidSdk: () => require('<相对路径>/mp_ecard_sdk/main') }) 告诉本组件库它的位置"

export interface EidVerifier {
  init(loader?: SdkLoader<EidSdkModule>): void
  /** Calls the SDK synchronously — call it directly from a tap handler. */
  start(options: EidStartOptions): Promise<VerifyOutcome>
  /** Whether `embedded: true` can open eID half-screen on this client. */
  canEmbed(): boolean
}

export function createEidVerifier(platform: Platform, runner: Runner, getConfig: () => KitConfig): EidVerifier {
  let sdk: EidSdkModule | undefined

  function init(loader?: SdkLoader<EidSdkModule>): void {
    // initEid adds an onAppShow listener each time it runs, so it runs once.
    if (sdk) return
    const load = loader ?? getConfig().loadEidSdk
    if (!load) throw kitError('SDK_MISSING', EID_SDK_HINT)
    let loaded: EidSdkModule
    try {
      loaded = load()
    } catch {
      throw kitError('SDK_MISSING', EID_SDK_HINT)
    }
    if (!loaded || typeof loaded.initEid !== 'function' || typeof loaded.startEid !== 'function') {
      throw kitError('SDK_MISSING', EID_SDK_HINT)
    }
    const { baseUrl, envVersion, backupUrl } = getConfig().eid ?? {}
    try {
      loaded.initEid(baseUrl, envVersion, backupUrl)
    } catch (error) {
      throw kitError('SDK_ERROR', `mp_ecard_sdk 初始化失败：${error instanceof Error ? error.message : String(error)}`)
    }
    sdk = loaded
  }

  function canEmbed(): boolean {
    if (typeof platform.host.openEmbeddedMiniProgram !== 'function') return false
    if (platform.canIUse && !platform.canIUse('openEmbeddedMiniProgram')) return false
    const version = platform.getSystemInfo?.()?.SDKVersion
    return !version || compareVersion(version, EMBEDDED_MIN_SDK) >= 0
  }

  function start(options: EidStartOptions): Promise<VerifyOutcome> {
    const invalid =
      checkToken(options?.token) ??
      checkBooleans(options as unknown as Record<string, unknown>, ['embedded', 'allowFullScreen', 'needJumpPage'])
    if (invalid) return Promise.reject(invalid)
    try {
      init()
    } catch (error) {
      return Promise.reject(error)
    }
    const loaded = sdk
    if (!loaded) return Promise.reject(kitError('SDK_MISSING', EID_SDK_HINT))
    const { token } = options
    const needJumpPage = options.needJumpPage === true
    const wantsEmbedded = options.embedded === true
    const embedded = wantsEmbedded && canEmbed()
    if (wantsEmbedded && !embedded) {
      platform.warn?.(`[faceid-kit] 当前基础库不支持半屏打开 E证通（需要 ≥ ${EMBEDDED_MIN_SDK}），改为普通跳转`)
    }

    const session = runner.begin('eid', token)
    if (session instanceof Error) return Promise.reject(session)
    let jump: EidJump = 'unknown'
    watchJumps(platform.host, session, needJumpPage, (kind) => {
      jump = kind
    })
    try {
      loaded.startEid({
        data: { token, needJumpPage, enableEmbedded: embedded, allowFullScreen: options.allowFullScreen ?? true },
        verifyDoneCallback: () => session.done(wantsEmbedded ? { jump, embeddedFallback: !embedded } : { jump }),
      })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      session.fail(new FaceIdKitError({ code: 'SDK_ERROR', message: `调用 E证通 SDK 出错：${message}`, retryable: false, token }), false)
    }
    return session.promise
  }

  return { init, start, canEmbed }
}

type JumpName = 'navigateToMiniProgram' | 'openEmbeddedMiniProgram'

/**
 * The eID SDK swallows a failed jump and the user's "cancel" on WeChat's confirm dialog: no
 * callback, and no show event either since the app never left the foreground. So while a
 * verification runs, the kit wraps the two jump APIs and listens to their `fail`.
 */
function watchJumps(host: SdkHost, session: Session, needJumpPage: boolean, onJump: (jump: EidJump) => void): void {
  const names: JumpName[] = ['openEmbeddedMiniProgram', 'navigateToMiniProgram']
  for (const name of names) {
    const original = host[name]
    if (typeof original !== 'function') continue
    const wrapped = (options: JumpOptions): unknown => {
      if (session.settled || !options || options.appId !== EID_APP_ID) return original.call(host, options)
      onJump(name === 'openEmbeddedMiniProgram' ? 'embedded' : 'navigate')
      const sdkFail = options.fail
      return original.call(host, {
        ...options,
        fail: (err: { errMsg?: string }) => {
          // mp_ecard_sdk 1.0.7 calls navigateBack() here, which would close the caller's own page.
          const restoreBack = needJumpPage ? undefined : suppressNavigateBack(host)
          try {
            sdkFail?.(err)
          } finally {
            restoreBack?.()
          }
          const errMsg = (err && err.errMsg) || ''
          if (/cancel/i.test(errMsg)) session.cancel('jump-cancel', false)
          else session.fail(jumpError(errMsg, session.token), false)
        },
      })
    }
    if (replace(host, name, wrapped)) session.onEnd(() => replace(host, name, original))
  }
}

function jumpError(errMsg: string, token: string): FaceIdKitError {
  const tap = /TAP gesture/i.test(errMsg)
  return new FaceIdKitError({
    code: 'JUMP_FAILED',
    message: tap ? '打开 E证通失败：startEid 必须在用户点击的处理函数中同步调用' : `打开 E证通失败：${errMsg || '未知原因'}`,
    retryable: !tap,
    token,
  })
}

function suppressNavigateBack(host: SdkHost): (() => void) | undefined {
  const original = host.navigateBack
  if (typeof original !== 'function') return undefined
  const noop = (): void => undefined
  return replace(host, 'navigateBack', noop) ? () => void replace(host, 'navigateBack', original) : undefined
}

/** Replaces a method on the host object; returns false where the host is frozen. */
function replace<K extends keyof SdkHost>(host: SdkHost, name: K, value: SdkHost[K]): boolean {
  try {
    host[name] = value
  } catch {
    // fall through to defineProperty
  }
  if (host[name] === value) return true
  try {
    Object.defineProperty(host, name, { value, configurable: true, writable: true, enumerable: true })
  } catch {
    return false
  }
  return host[name] === value
}
