/**
 * verify_mpsdk and the kit's components live in wxcomponents/ (here: the simulated SDK, installed
 * by `uniapp/scripts/install-wxcomponents.mjs`). uni-app keeps `require('/wxcomponents/…')` as a
 * runtime require, which is how Tencent's uni-app guide loads verify_mpsdk too. mp_ecard_sdk is
 * the uni-app build in src/mp_ecard_sdk, imported by App.vue.
 */
import type { FaceSdkModule, KitConfig } from '@/uni_modules/faceid-kit/js_sdk'

declare const require: (path: string) => unknown

interface SandboxConfig {
  baseUrl?: string
  header?: Record<string, string>
  emulateEidApp?: boolean
}

interface SandboxModule {
  configureSandbox(config: SandboxConfig): void
}

/** The native kit the wxcomponents share (wxcomponents/faceid-kit/index.js). */
export interface NativeKit {
  configure(config: KitConfig): void
}

export const faceSdk = require('/wxcomponents/verify_mpsdk/main') as FaceSdkModule & SandboxModule
export const nativeKit = require('/wxcomponents/faceid-kit/index') as NativeKit

/**
 * The simulated SDKs finish a verification through the server's `POST /sandbox/complete`, as the
 * signed-in user. (The real SDKs talk to Tencent and need none of this.)
 */
export function configureSimulatedSdks(baseUrl: string, token: string, configureEidSandbox: (config: SandboxConfig) => void): void {
  const header = { Authorization: `Bearer ${token}` }
  faceSdk.configureSandbox({ baseUrl, header })
  // A sandbox EidToken means nothing to the real eID mini-program: the simulated SDK opens its own
  // page (src/mp_ecard_sdk/index/index.vue) as the eID mini-program instead.
  configureEidSandbox({ baseUrl, header, emulateEidApp: true })
}
