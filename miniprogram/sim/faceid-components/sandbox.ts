/// <reference types="miniprogram-api-typings" />
/**
 * SIMULATED faceid-components — sandbox state shared by the simulated `faceid-verify`.
 * Not Megvii's code: it reproduces what Megvii documents of its mini-program package — a
 * `faceid-verify` component taking `token` and firing `onFinish` with `{ token, status }`,
 * `status` being `complete` or `tokenError` — and what it does not promise: a user who backs out
 * (or a page that goes away) gets no `onFinish` at all, and the component fires at most once.
 * A token that is not Megvii's shape, or one `refuseToken` names (expired, spent), is a
 * `tokenError` at once, as Megvii's component answers a token it cannot use.
 */

export interface MegviiSimConfig {
  /** Called before `complete` fires (e.g. to end the biz_token on the Megvii emulator). */
  onComplete?: (token: string) => Promise<void> | void
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

/** Ends the flow on screen as the user would: `complete` after the verification, or `tokenError`. */
export async function finish(status: 'complete' | 'tokenError' = 'complete'): Promise<boolean> {
  const instance = active
  if (!instance) throw new Error('No simulated faceid-verify is on screen')
  if (status === 'complete') await config.onComplete?.(instance.token)
  return instance.finish(status)
}

/** The user backs out of the flow on screen: no `onFinish`, ever. */
export function abandon(): void {
  active?.abandon()
}
