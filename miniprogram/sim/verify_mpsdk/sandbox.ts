/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED verify_mpsdk — sandbox state shared by `main`, the SDK page and `indexCom`.
 * Not Tencent's code: it reproduces the observable behaviour of verify_mpsdk v1.0.28 as driven
 * path by path against the real build (docs/sdk-behavior.md), and
 * finishes verifications through the faceid-kit server's `POST /sandbox/complete`.
 *
 * Tencent's side (the config request, reports, the result request after WeChat's face screen) is
 * played in process here — a sandbox token means nothing to faceid.qq.com — with the same
 * outcomes the real requests have: success, an error code, an unreachable domain, and latency.
 */

/** The real build this simulation follows (verify_mpsdk has one build for WeChat and uni-app). */
export const VERSION = '1.0.28'

export interface SandboxConfig {
  /** Origin of the faceid-kit server in sandbox mode; without it, nothing is sent. */
  baseUrl?: string
  /** Headers for `/sandbox/complete` (the server wants the user's `Authorization`). */
  header?: Record<string, string> | (() => Record<string, string>)
  /** The config sends the user straight to `wx.startFacialRecognitionVerify`, without the SDK page. */
  nativeFlow?: boolean
  /**
   * The config domains are in the mini-program's request whitelist. Default true; false: every
   * config request fails (main domain once, backup three times) and the SDK shows a modal.
   */
  whitelisted?: boolean
  /** The config answers this error code (e.g. 15: BizToken expired): modal, no callback. */
  configErrorCode?: number
  /** The config's minimum WeChat version (e.g. "8.0.45"); older clients get a modal, no callback. */
  minWechatVersion?: string
  /** How long each request to Tencent takes (config tries, the result after the face screen). Default 0. */
  latencyMs?: number
}

export interface FaceSuccess {
  BizToken: string
  ErrorCode: 0
  ErrorMsg: string
}
export interface FaceFail {
  ErrorCode: number
  ErrorMsg: string
  BizToken: string
  Token: string
}

export interface PendingVerification {
  token: string
  success: (res: FaceSuccess) => void
  fail: (res: FaceFail) => void
  endPath?: string
  /** Whether an SDK page was pushed (results are delivered from `navigateBack`'s success). */
  viaPage: boolean
}

/** What the person trying the demo picks. */
export type Choice = 'passed' | 'failed' | 'cancel' | 'home'

let config: SandboxConfig = {}
let pending: PendingVerification | undefined
const tencentLog: string[] = []

export function configureSandbox(next: SandboxConfig): void {
  config = { ...config, ...next }
}

export function sandboxConfig(): Readonly<SandboxConfig> {
  return config
}

/** Back to the defaults (tests). */
export function resetSandbox(): void {
  config = {}
  pending = undefined
  tencentLog.length = 0
}

export function begin(verification: PendingVerification): void {
  pending = verification
}

/** The token being verified (for the SDK page), if any. */
export function current(): { token: string } | undefined {
  return pending ? { token: pending.token } : undefined
}

/** What the SDK sent to Tencent so far, in order (reports, config tries, result requests). */
export function tencentCalls(): readonly string[] {
  return tencentLog
}

/** Invariant 7: the simulated SDK never runs in a release build. */
export function refuseRelease(): void {
  let envVersion: string | undefined
  try {
    envVersion = wx.getAccountInfoSync().miniProgram.envVersion
  } catch {
    envVersion = undefined
  }
  if (envVersion === 'release') {
    throw new Error('[simulated verify_mpsdk] refuses to run in a release build: use the real SDK from the Tencent Cloud console')
  }
}

/** One round trip to Tencent: `latencyMs` on the timers, or the next microtask. */
export function tencent(what: string): Promise<void> {
  tencentLog.push(what)
  const ms = config.latencyMs ?? 0
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()
}

const OUTCOME: Record<Choice, 'passed' | 'failed' | 'abandoned'> = {
  passed: 'passed',
  failed: 'failed',
  cancel: 'abandoned',
  home: 'abandoned',
}

/**
 * The intention build (意愿核身) of verify_mpsdk ends a failed intention check with -9999 (the user
 * may try again) or -99999 (not): `finish('failed', -9999)` plays them.
 */
const INTENTION_MESSAGES: Record<number, string> = { [-9999]: '意愿确认未通过，请重试', [-99999]: '意愿确认未通过' }

export function isIntentionCode(code: number): boolean {
  return code in INTENTION_MESSAGES
}

function tellServer(token: string, choice: Choice, code: number | undefined): Promise<boolean> {
  const baseUrl = config.baseUrl
  if (!baseUrl) return Promise.resolve(true)
  const header = typeof config.header === 'function' ? config.header() : config.header ?? {}
  const data: Record<string, unknown> = { token, outcome: OUTCOME[choice] }
  // The intention build's -9999 / -99999: the face part passed, an answer did not.
  if (choice === 'failed' && code !== undefined && isIntentionCode(code)) data.outcome = 'intention-failed'
  else if (choice === 'failed' && code !== undefined) data.code = code
  return new Promise((resolve) => {
    wx.request({
      url: `${baseUrl.replace(/\/+$/, '')}/sandbox/complete`,
      method: 'POST',
      header: { 'content-type': 'application/json', ...header },
      data,
      success: (res) => resolve(res.statusCode >= 200 && res.statusCode < 300),
      fail: () => resolve(false),
    })
  })
}

/**
 * Ends the pending verification the way the real SDK does.
 * From its page: passed / failed go back and are delivered inside `navigateBack`'s success (no
 * callback when that fails); cancel (90100) calls `fail` and leaves the page open, the
 * verification still live (the user can try again there); "back to home" (-999) goes back with
 * no callback at all.
 * After WeChat's face screen (no page): the SDK asks Tencent for the result first (`latencyMs`),
 * then calls back.
 */
export async function finish(choice: Choice, code?: number): Promise<void> {
  const verification = pending
  if (!verification) return
  const base = { BizToken: verification.token, Token: verification.token }
  if (choice === 'cancel') {
    if (!verification.viaPage) pending = undefined
    return deliver(verification, { ...base, ErrorCode: 90100, ErrorMsg: '用户主动取消核验' })
  }
  pending = undefined
  const ok = await tellServer(verification.token, choice, code)
  if (!verification.viaPage && choice !== 'home') await tencent('result')
  const res: FaceSuccess | FaceFail | undefined = !ok
    ? { ...base, ErrorCode: 101, ErrorMsg: '网络异常，请稍后重试' }
    : choice === 'passed'
      ? { BizToken: verification.token, ErrorCode: 0, ErrorMsg: '成功' }
      : choice === 'failed'
        ? { ...base, ErrorCode: code ?? 1004, ErrorMsg: code !== undefined && isIntentionCode(code) ? INTENTION_MESSAGES[code]! : '人脸核身未通过' }
        : undefined // -999: the user is back on the caller page and no callback fires
  if (!verification.viaPage) {
    if (res) deliver(verification, res)
    return
  }
  wx.navigateBack({
    delta: 1,
    success: () => {
      if (res) deliver(verification, res)
    },
  })
}

function deliver(verification: PendingVerification, res: FaceSuccess | FaceFail): void {
  if (verification.endPath) {
    // data.endPath replaces both callbacks with a redirect.
    wx.redirectTo({ url: `${verification.endPath}?token=${verification.token}&ErrorCode=${res.ErrorCode}` })
    return
  }
  if (res.ErrorCode === 0) verification.success(res as FaceSuccess)
  else verification.fail(res as FaceFail)
}
