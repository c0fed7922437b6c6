import { isEidReturn, type AppShowOptions } from './core'

export { isEidReturn, EID_APP_ID, SCENE_BACK_FROM_MINIPROGRAM } from './core'

/**
 * For App.vue's `onShow`: skips the show that is the return from the eID mini-program
 * (scene 1038, referrer `wx0e2cb0b052a91c92`), which the kit handles itself.
 * `onShow(guardEidReturn((options) => { … }))`
 */
export function guardEidReturn<T extends AppShowOptions>(handler: (options: T) => void): (options?: T) => void {
  return (options) => {
    if (isEidReturn(options)) return
    handler((options ?? {}) as T)
  }
}
