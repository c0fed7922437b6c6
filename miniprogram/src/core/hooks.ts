import type { Session } from './session'
import type { HostCallOptions, SdkHost } from './types'

type HookName = 'navigateTo' | 'navigateBack' | 'showModal' | 'startFacialRecognitionVerify' | 'navigateToMiniProgram' | 'openEmbeddedMiniProgram'
type Call = (options: HostCallOptions) => unknown

/**
 * The closed SDKs stay silent on several paths, and what the platform does is the only sign.
 * While `session` runs, `host[name]` goes through `around`, which sees the call and makes it with
 * `call` (its own callbacks chained in); the original is back when the session ends. Returns
 * false where the host cannot be patched (then the kit knows less, but still settles).
 */
export function hook(host: SdkHost, session: Session, name: HookName, around: (options: HostCallOptions, call: Call) => unknown): boolean {
  const original = host[name] as ((options?: HostCallOptions) => unknown) | undefined
  if (typeof original !== 'function') return false
  const call: Call = (options) => original.call(host, options)
  const wrapped = (options?: HostCallOptions): unknown => (session.settled ? call(options as HostCallOptions) : around(options || {}, call))
  if (!replace(host, name, wrapped)) return false
  session.onEnd(() => replace(host, name, original))
  return true
}

/** `options` with `fn` run after its own `key` callback. */
export function after(options: HostCallOptions, key: 'success' | 'fail' | 'complete', fn: (res: { errMsg?: string }) => void): HostCallOptions {
  const own = options[key] as ((res: unknown) => void) | undefined
  return {
    ...options,
    [key]: (res: { errMsg?: string }) => {
      try {
        own?.(res)
      } finally {
        fn(res || {})
      }
    },
  }
}

/** Replaces a method on the host object; returns false where the host is frozen. */
export function replace(host: SdkHost, name: keyof SdkHost, value: unknown): boolean {
  const target = host as Record<string, unknown>
  try {
    target[name] = value
  } catch {
    // fall through to defineProperty
  }
  if (target[name] === value) return true
  try {
    Object.defineProperty(host, name, { value, configurable: true, writable: true, enumerable: true })
  } catch {
    return false
  }
  return target[name] === value
}
