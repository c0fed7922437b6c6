/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED verify_mpsdk — sandbox state shared by `main`, the SDK page and `indexCom`.
 * Not Tencent's code: it reproduces the SDK's observable behaviour (reference/sdk-behavior.md)
 * and finishes verifications through the faceid-kit server's `POST /sandbox/complete`.
 */

export interface SandboxConfig {
  /** Origin of the faceid-kit server in sandbox mode; without it, nothing is sent. */
  baseUrl?: string
  /** Headers for `/sandbox/complete` (the server wants the user's `Authorization`). */
  header?: Record<string, string> | (() => Record<string, string>)
  /** Go through `wx.startFacialRecognitionVerify` instead of the SDK page (some real configs do). */
  nativeFlow?: boolean
  /** Make the config fetch fail (-104, as when the domain is not whitelisted). */
  failConfig?: boolean
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
  /** Whether an SDK page was pushed (to pop on the way back). */
  viaPage: boolean
}

/** What the person trying the demo picks. */
export type Choice = 'passed' | 'failed' | 'cancel' | 'home'

let config: SandboxConfig = {}
let pending: PendingVerification | undefined

export function configureSandbox(next: SandboxConfig): void {
  config = { ...config, ...next }
}

export function sandboxConfig(): Readonly<SandboxConfig> {
  return config
}

export function begin(verification: PendingVerification): void {
  pending = verification
}

/** The token being verified (for the SDK page), if any. */
export function current(): { token: string } | undefined {
  return pending ? { token: pending.token } : undefined
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

const OUTCOME: Record<Choice, 'passed' | 'failed' | 'abandoned'> = {
  passed: 'passed',
  failed: 'failed',
  cancel: 'abandoned',
  home: 'abandoned',
}

function tellServer(token: string, choice: Choice, code: number | undefined): Promise<boolean> {
  const baseUrl = config.baseUrl
  if (!baseUrl) return Promise.resolve(true)
  const header = typeof config.header === 'function' ? config.header() : config.header ?? {}
  const data: Record<string, unknown> = { token, outcome: OUTCOME[choice] }
  if (choice === 'failed' && code !== undefined) data.code = code
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
 * Ends the pending verification the way the real SDK does: back to the caller, then
 * `success` / `fail` — or nothing at all for "back to home" (-999).
 */
export async function finish(choice: Choice, code?: number): Promise<void> {
  const verification = pending
  if (!verification) return
  pending = undefined
  const ok = await tellServer(verification.token, choice, code)
  if (verification.viaPage) wx.navigateBack({ delta: 1 })
  const base = { BizToken: verification.token, Token: verification.token }
  if (!ok) return deliver(verification, { ...base, ErrorCode: 101, ErrorMsg: '网络异常，请稍后重试' })
  switch (choice) {
    case 'passed':
      return deliver(verification, { BizToken: verification.token, ErrorCode: 0, ErrorMsg: '成功' })
    case 'failed':
      return deliver(verification, { ...base, ErrorCode: code ?? 1004, ErrorMsg: '人脸核身未通过' })
    case 'cancel':
      return deliver(verification, { ...base, ErrorCode: 90100, ErrorMsg: '用户主动取消核验' })
    case 'home':
      return // -999: the user is back on the caller page and no callback fires
  }
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
