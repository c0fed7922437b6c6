/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED faceid-components — sandbox state shared by the simulated `faceid-verify`.
 * Not Megvii's code: it reproduces what Megvii documents of its mini-program package — a
 * `faceid-verify` component taking `token` and firing `onFinish` with `{ token, status }`,
 * `status` being `complete` or `tokenError` — so the kit's `<megvii-verify>` can be driven in
 * tests and the sandbox. A token that is not Megvii's shape is a `tokenError`, as Megvii's
 * component answers a token it does not know.
 */

export interface MegviiSimConfig {
  /** Called when the user finishes (e.g. to end the biz_token on the Megvii emulator). */
  onComplete?: (token: string) => Promise<void> | void
}

/** What the simulated component exposes to the sandbox. */
export interface MegviiSimInstance {
  token: string
  finish(status: 'complete' | 'tokenError'): void
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

/** Ends the flow on screen as the user would: `complete` after the verification, or `tokenError`. */
export async function finish(status: 'complete' | 'tokenError' = 'complete'): Promise<void> {
  const instance = active
  if (!instance) throw new Error('No simulated faceid-verify is on screen')
  if (status === 'complete') await config.onComplete?.(instance.token)
  instance.finish(status)
}
