import type { FaceIdKitError } from './errors'
import type { SdkLoader } from './types'

/**
 * Loads one of Tencent's closed SDKs through the app's loader. No loader, a loader that throws
 * (the folder is not where `require` looks) and a module without the functions in `needs` are
 * all the same problem for the app: the SDK is missing (`missing()` says how to add it).
 */
export function loadSdk<T extends object>(load: SdkLoader<T> | undefined, needs: ReadonlyArray<keyof T>, missing: () => FaceIdKitError): T {
  if (!load) throw missing()
  let sdk: T
  try {
    sdk = load()
  } catch {
    throw missing()
  }
  if (!sdk || needs.some((name) => typeof sdk[name] !== 'function')) throw missing()
  return sdk
}
