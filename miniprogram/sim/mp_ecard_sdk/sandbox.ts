/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED mp_ecard_sdk — shared state of `main` and its page. Not Tencent's code: it
 * reproduces the observable behaviour of the builds users have (docs/sdk-behavior.md) and
 * finishes verifications through the faceid-kit server's `POST /sandbox/complete`.
 */

export const EID_APP_ID = 'wx0e2cb0b052a91c92'

/**
 * Which build to behave like:
 * - `1.0.7`: the WeChat build that was driven path by path. No half-screen (ignores
 *   `enableEmbedded` and `allowFullScreen`), `navigateBack()` on a failed jump, clears its
 *   pending token on every app show, confirm page at the fixed `/mp_ecard_sdk/index/index`,
 *   which it closes before calling back.
 * - `1.0.9`: a WeChat build with half-screen; otherwise as 1.0.7 (nothing else of it was observed).
 * - `uni_1.0.5`: the uni-app build: half-screen, `uni` APIs, confirm page under
 *   `globalConfig.normalPath`; on a failed or cancelled jump it calls nothing and leaves its
 *   confirm page open with the token still live, so a second tap on 确认进入 can complete.
 */
export type Build = '1.0.7' | '1.0.9' | 'uni_1.0.5'

/**
 * Set by miniprogram/scripts/build.mjs: the uni-app layout (dist/sim-uni) is the uni build, so it
 * behaves like uni_1.0.5 unless told otherwise; the WeChat layout leaves it unset.
 */
declare const __MP_ECARD_SIM_BUILD__: Build | undefined
export const DEFAULT_BUILD: Build = typeof __MP_ECARD_SIM_BUILD__ === 'string' ? __MP_ECARD_SIM_BUILD__ : '1.0.7'

export interface SandboxConfig {
  /** Origin of the faceid-kit server in sandbox mode; without it, nothing is sent. */
  baseUrl?: string
  /** Headers for `/sandbox/complete` (the server wants the user's `Authorization`). */
  header?: Record<string, string> | (() => Record<string, string>)
  /**
   * Instead of jumping to the real eID mini-program (useless with a sandbox token), open this
   * SDK's page as a stand-in where the demo user picks the outcome; coming back replays the
   * scene-1038 return to the SDK's listeners.
   */
  emulateEidApp?: boolean
  /** The build to behave like. Default `1.0.7` (`uni_1.0.5` in the uni-app layout). */
  build?: Build
}

export interface Launch {
  token: string
  callback: (res: { token: string; verifyDone: boolean }) => void
  enableEmbedded: boolean
  allowFullScreen: boolean
  /** Opened through the SDK's confirm page (`needJumpPage`). */
  viaPage: boolean
  /** The jump's `success` ran: only then does the return listener call back. */
  jumped: boolean
}

export type Choice = 'passed' | 'failed' | 'abandoned'

export interface AppShowLike {
  scene?: number
  referrerInfo?: { appId?: string; extraData?: Record<string, unknown> }
}

let config: SandboxConfig = {}
let launch: Launch | undefined
/** The listeners initEid registered (the emulated return replays the show to them). */
export const listeners: Array<(options: AppShowLike) => void> = []

export function configureSandbox(next: SandboxConfig): void {
  config = { ...config, ...next }
}

export function sandboxConfig(): Readonly<SandboxConfig> {
  return config
}

export function build(): Build {
  return config.build ?? DEFAULT_BUILD
}

/** The uni-app build (as opposed to the WeChat builds 1.0.7 / 1.0.9). */
export function isUniBuild(): boolean {
  return build().startsWith('uni')
}

/** Back to the defaults (tests). */
export function resetSandbox(): void {
  config = {}
  launch = undefined
  listeners.length = 0
}

export function setLaunch(next: Launch | undefined): void {
  launch = next
}

export function currentLaunch(): Launch | undefined {
  return launch
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
    throw new Error('[simulated mp_ecard_sdk] refuses to run in a release build: use the real SDK from the Tencent Cloud console')
  }
}

function tellServer(token: string, choice: Choice): Promise<boolean> {
  const baseUrl = config.baseUrl
  if (!baseUrl) return Promise.resolve(true)
  const header = typeof config.header === 'function' ? config.header() : config.header ?? {}
  return new Promise((resolve) => {
    wx.request({
      url: `${baseUrl.replace(/\/+$/, '')}/sandbox/complete`,
      method: 'POST',
      header: { 'content-type': 'application/json', ...header },
      data: { token, outcome: choice },
      success: (res) => resolve(res.statusCode >= 200 && res.statusCode < 300),
      fail: () => resolve(false),
    })
  })
}

/**
 * The emulated eID mini-program is done: tell the server, go back, and replay the app show the
 * real return produces — with `verifyDone` only when the user finished the flow.
 */
export async function finishEmulated(token: string, choice: Choice): Promise<void> {
  await tellServer(token, choice)
  wx.navigateBack({ delta: 1 })
  const extraData = choice === 'abandoned' ? {} : { verifyDone: true, token }
  const show: AppShowLike = { scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData } }
  for (const listener of listeners.slice()) listener(show)
}
