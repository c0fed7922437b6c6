import type { AppShowOptions } from './types'

/** The E证通 (eID) mini-program's appId. */
export const EID_APP_ID = 'wx0e2cb0b052a91c92'
/** Scene of an app shown again after returning from another mini-program. */
export const SCENE_BACK_FROM_MINIPROGRAM = 1038

/** True when this `onShow` is the return from the eID mini-program (`referrerInfo` may be missing). */
export function isEidReturn(options: AppShowOptions | undefined | null): boolean {
  if (!options || options.scene !== SCENE_BACK_FROM_MINIPROGRAM) return false
  const referrer = options.referrerInfo
  return Boolean(referrer && referrer.appId === EID_APP_ID)
}

/**
 * Wraps App options so the app's own `onShow` skips the return from eID (the kit handles it):
 * `App(withEidReturnGuard({ onShow(options) { … } }))`.
 */
export function withEidReturnGuard<T extends { onShow?: (this: never, options: never) => void }>(appOptions: T): T {
  const original = appOptions.onShow as ((this: unknown, options: AppShowOptions) => void) | undefined
  if (!original) return appOptions
  const guarded = function (this: unknown, options: AppShowOptions): void {
    if (isEidReturn(options)) return
    original.call(this, options)
  }
  return Object.assign({}, appOptions, { onShow: guarded })
}
