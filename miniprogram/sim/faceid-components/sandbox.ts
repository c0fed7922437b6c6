/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED faceid-components — sandbox state shared by the simulated `faceid-verify`.
 * Not Megvii's code: it reproduces what Megvii documents of its mini-program package — a
 * `faceid-verify` component taking `token` and firing `onFinish` with `{ token, status }`,
 * `status` being `complete` or `tokenError` — and what it does not promise: a user who backs out
 * (or a page that goes away) gets no `onFinish` at all, and the component fires at most once.
 * A token that is not Megvii's shape, or one `refuseToken` names (expired, spent), is a
 * `tokenError` at once, as Megvii's component answers a token it cannot use.
 * With `baseUrl`, `complete` first ends the biz_token on the faceid-kit server's sandbox
 * (`POST /sandbox/megvii/complete`, one of the emulator's outcomes), as Megvii's flow would.
 */

/** The emulator's endings of a Megvii flow (its presets), as the sandbox page offers them. */
export const OUTCOMES = ['pass', 'low-confidence', 'not-same', 'id-mismatch', 'liveness-fail', 'no-audio', 'user-cancel'] as const
export type MegviiSimOutcome = (typeof OUTCOMES)[number]

export interface MegviiSimConfig {
  /** Origin of the faceid-kit server in sandbox mode; without it (and `onComplete`), nothing is sent. */
  baseUrl?: string
  /** Headers for `/sandbox/megvii/complete` (the server wants the user's `Authorization`). */
  header?: Record<string, string> | (() => Record<string, string>)
  /** Called before `complete` fires instead of the server's sandbox (tests drive the emulator directly). */
  onComplete?: (token: string, outcome: MegviiSimOutcome) => Promise<void> | void
  /** Tokens Megvii's component refuses at once with `tokenError` (expired, already used). */
  refuseToken?: (token: string) => boolean
}

/** What the simulated component exposes to the sandbox. */
export interface MegviiSimInstance {
  token: string
  /** Fires `onFinish`; false when the component already finished or was abandoned. */
  finish(status: 'complete' | 'tokenError'): boolean
  /** The user backs out: the component will never fire. */
  abandon(): void
}

let config: MegviiSimConfig = {}
let active: MegviiSimInstance | undefined

export function configureSandbox(next: MegviiSimConfig): void {
  config = { ...next }
}

export function sandboxConfig(): MegviiSimConfig {
  return config
}

export function register(instance: MegviiSimInstance | undefined): void {
  active = instance
}

/** The component on screen, if any. */
export function current(): MegviiSimInstance | undefined {
  return active
}

/**
 * Ends the flow on screen as the user would: `complete` after the verification (ended on Megvii's
 * side with `outcome` first), or `tokenError`.
 */
export async function finish(status: 'complete' | 'tokenError' = 'complete', outcome: MegviiSimOutcome = 'pass'): Promise<boolean> {
  const instance = active
  if (!instance) throw new Error('No simulated faceid-verify is on screen')
  if (status === 'complete') {
    if (config.onComplete) await config.onComplete(instance.token, outcome)
    else if (config.baseUrl) await completeOnServer(config.baseUrl, instance.token, outcome)
  }
  return instance.finish(status)
}

/** The server's sandbox ends the biz_token on its Megvii emulator. A failure is Megvii never having the result. */
function completeOnServer(baseUrl: string, token: string, outcome: MegviiSimOutcome): Promise<boolean> {
  const header = typeof config.header === 'function' ? config.header() : (config.header ?? {})
  return new Promise((resolve) => {
    wx.request({
      url: `${baseUrl.replace(/\/+$/, '')}/sandbox/megvii/complete`,
      method: 'POST',
      header: { 'content-type': 'application/json', ...header },
      data: { token, outcome },
      success: (res) => resolve(res.statusCode >= 200 && res.statusCode < 300),
      fail: () => resolve(false),
    })
  })
}

/** The user backs out of the flow on screen: no `onFinish`, ever. */
export function abandon(): void {
  active?.abandon()
}
