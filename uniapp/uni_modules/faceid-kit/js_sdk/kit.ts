import { createKit, type Kit } from './core'
import type { UniKitConfig } from './types'
import { createUniPlatform } from './uni-platform'

/** The page `install-wxcomponents` writes to host verify_mpsdk's `indexCom`. */
export const DEFAULT_START_PATH = '/pages/faceid-kit/verify'

/** The kit instance the composables and components share (one verification at a time). */
export const kit: Kit = createKit(createUniPlatform())

let startPath = DEFAULT_START_PATH

/**
 * Configures the shared kit, e.g. in App.vue's `onLaunch`:
 * `configureFaceidKit({ baseUrl, header, loadFaceSdk: () => require('/wxcomponents/verify_mpsdk/main'), loadEidSdk: () => ({ initEid, startEid }) })`.
 */
export function configureFaceidKit(config: UniKitConfig): void {
  const { startPath: nextStartPath, ...rest } = config
  if (nextStartPath !== undefined) startPath = nextStartPath
  kit.configure(rest)
}

export function defaultStartPath(): string {
  return startPath
}
