/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED mp_ecard_sdk — shared state of `main` and its page. Not Tencent's code: it
 * reproduces the SDK's observable behaviour (reference/sdk-behavior.md) and finishes
 * verifications through the faceid-kit server's `POST /sandbox/complete`.
 */

export const EID_APP_ID = 'wx0e2cb0b052a91c92'

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
}

export interface Launch {
  token: string
  callback: (res: { token: string; verifyDone: boolean }) => void
  enableEmbedded: boolean
  allowFullScreen: boolean
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

export function setLaunch(next: Launch): void {
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
