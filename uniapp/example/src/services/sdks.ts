/**
 * Tencent's SDK folders live in wxcomponents/ (here: the simulated ones, installed by
 * `uniapp/scripts/install-wxcomponents.mjs`). uni-app keeps `require('/wxcomponents/…')` as a
 * runtime require, which is how Tencent's uni-app guide loads verify_mpsdk too.
 */
import type { EidSdkModule, FaceSdkModule, KitConfig } from '@/uni_modules/faceid-kit/js_sdk'

declare const require: (path: string) => unknown

interface SandboxModule {
  configureSandbox(config: { baseUrl?: string; header?: Record<string, string>; emulateEidApp?: boolean }): void
}

/** The simulated mp_ecard_sdk's sandbox: plays the eID mini-program's part. */
export interface EidSandbox extends SandboxModule {
  finishEmulated(token: string, choice: 'passed' | 'failed' | 'abandoned'): Promise<void>
}

/** The native kit the wxcomponents share (wxcomponents/faceid-kit/index.js). */
export interface NativeKit {
  configure(config: KitConfig): void
}

export const faceSdk = require('/wxcomponents/verify_mpsdk/main') as FaceSdkModule & SandboxModule
export const eidSdk = require('/wxcomponents/mp_ecard_sdk/main') as EidSdkModule & { jumpToEid(): void }
export const eidSandbox = require('/wxcomponents/mp_ecard_sdk/sandbox') as EidSandbox
export const nativeKit = require('/wxcomponents/faceid-kit/index') as NativeKit

/**
 * The simulated SDKs finish a verification through the server's `POST /sandbox/complete`, as the
 * signed-in user. (The real SDKs talk to Tencent and need none of this.)
 */
export function configureSimulatedSdks(baseUrl: string, token: string): void {
  const header = { Authorization: `Bearer ${token}` }
  faceSdk.configureSandbox({ baseUrl, header })
  // A sandbox EidToken means nothing to the real eID mini-program: open the stand-in page instead.
  eidSandbox.configureSandbox({ baseUrl, header, emulateEidApp: true })
}
