import { kitError } from './errors'
import { createSettler, type Settler } from './settle'
import type { CancelReason, KitConfig, Platform, TokenKind, VerifyDone, VerifyOutcome } from './types'

export const DEFAULT_SETTLE_DELAY = 500
export const DEFAULT_RETURN_TIMEOUT = 2000
export const DEFAULT_SDK_TIMEOUT = 20000

/**
 * A started verification as the kit's flows see it. `early` settles the moment the SDK answers,
 * for requests: they need not wait. `promise` settles the settle delay later, for UI work. The SDK
 * answers while the user is being brought back (inside its page's `navigateBack`, on the app
 * show), and Tencent's samples hold what follows — their `fail` sample: a modal — 500 ms "so that
 * iOS does not skip the following logic". When the kit saw the end itself, both settle at once.
 */
export interface Run {
  readonly early: Promise<VerifyOutcome>
  readonly promise: Promise<VerifyOutcome>
}

/** A verification that ended before it started. */
export function failedRun(error: unknown): Run {
  const promise = Promise.reject(error)
  return { early: promise, promise }
}

/**
 * One running verification. It settles exactly once: on the SDK's answer (see `Run`), or — when
 * the SDK never answers — a bounded wait after the user is back on the caller page. "Back" counts
 * only once the SDK has taken the user somewhere (its page, WeChat's face screen, the eID
 * mini-program): a show while the SDK still loads its config is not a return, so a slow network
 * is never taken for a cancel. It ends (listeners and wrapped APIs undone) when `promise` settles.
 */
export interface Session extends Run {
  readonly kind: TokenKind
  readonly token: string
  readonly settled: boolean
  /**
   * The end, the first of which wins. `viaSdk` (default true): the SDK answered, so `early`
   * settles now and `promise` after the settle delay; otherwise the kit saw the end, both now.
   */
  done(extra?: Partial<VerifyDone>): void
  cancel(reason: CancelReason, viaSdk?: boolean): void
  fail(error: unknown, viaSdk?: boolean): void
  /** Registers something to undo when the session ends (listeners, wrapped APIs). */
  onEnd(cleanup: () => void): void
  /** The SDK took the user away from the caller page: from now on a show means "back" (before, only after `sdkTimeout`). */
  left(): void
  /**
   * The SDK is still working without a page of its own: WeChat's face screen is open (`true`),
   * or just closed and the SDK is fetching the result (`false`: it gets `sdkTimeout` to answer).
   * A show in that time waits for the SDK instead of guessing "cancelled" after `returnTimeout`.
   */
  hold(open: boolean): void
  /** The SDK stopped and will never answer: settle with `error`, at the latest `returnTimeout` from now. */
  stop(error: unknown): void
  /** Whether a page other than the caller's is on top; undefined when the platform cannot tell. */
  covered(): boolean | undefined
  /** The caller page is visible again (an app show, or the page's `onShow`). */
  back(): void
}

export interface Runner {
  /** Starts a session, or returns the BUSY error when one is running. */
  begin(kind: TokenKind, token: string): Session | Error
  /** The caller page is visible again (page `onShow` / component `pageLifetimes.show`). */
  notifyShow(): void
  readonly busy: boolean
}

export function busyError(token?: string): Error {
  return kitError('BUSY', '已有一个核验正在进行，请等待它结束后再试', true, token)
}

export function createRunner(platform: Platform, getConfig: () => KitConfig): Runner {
  let active: Session | undefined

  return {
    get busy() {
      return active !== undefined
    },
    begin(kind, token) {
      if (active) return busyError(token)
      const session = createSession(platform, getConfig(), kind, token, () => {
        if (active === session) active = undefined
      })
      // The return from eID (scene 1038) and from WeChat's face screen arrive as app shows.
      const onAppShow = (): void => session.back()
      platform.onAppShow(onAppShow)
      session.onEnd(() => platform.offAppShow(onAppShow))
      return (active = session)
    },
    notifyShow() {
      active?.back()
    },
  }
}

function createSession(platform: Platform, config: KitConfig, kind: TokenKind, token: string, release: () => void): Session {
  const cleanups: Array<() => void> = []
  const pages = (): readonly unknown[] => platform.getCurrentPages?.() ?? []
  const callerPage = pages()[pages().length - 1]
  const returnTimeout = config.returnTimeout ?? DEFAULT_RETURN_TIMEOUT
  let answered = false
  let away = false
  /** Until when the SDK may still answer on its own (Infinity: WeChat's face screen is open). */
  let holdUntil = 0
  let timer: unknown

  const clear = (): void => {
    if (timer !== undefined) platform.clearTimeout(timer)
    timer = undefined
  }
  const later = (fn: () => void, ms: number): void => {
    clear()
    timer = platform.setTimeout(fn, ms)
  }
  const early = createSettler<VerifyOutcome>()
  // The bare start functions hand out only `promise`: an unread `early` must not be reported.
  early.promise.catch(() => undefined)
  const settler = createSettler<VerifyOutcome>(() => {
    clear()
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        cleanup()
      } catch {
        // A failed cleanup must not keep the promise from settling.
      }
    }
    release()
  })
  const end = (settle: (s: Settler<VerifyOutcome>) => void, viaSdk?: boolean): void => {
    if (answered) return
    answered = true
    settle(early)
    const delay = viaSdk ? config.settleDelay ?? DEFAULT_SETTLE_DELAY : 0
    if (delay > 0) later(() => settle(settler), delay)
    else settle(settler)
  }
  const cancelled = (reason: CancelReason): VerifyOutcome => ({ status: 'cancelled', kind, token, reason })

  const session: Session = {
    kind,
    token,
    early: early.promise,
    promise: settler.promise,
    get settled() {
      return settler.settled
    },
    onEnd(cleanup) {
      if (settler.settled) cleanup()
      else cleanups.push(cleanup)
    },
    done(extra = {}) {
      end((s) => s.resolve({ ...extra, status: 'done', kind, token }), true)
    },
    cancel(reason, viaSdk = true) {
      const outcome = cancelled(reason)
      end((s) => s.resolve(outcome), viaSdk)
    },
    fail(error, viaSdk = true) {
      end((s) => s.reject(error), viaSdk)
    },
    left() {
      away = true
      // An earlier show (while the SDK loaded its config) is moot now; after an answer the one
      // timer is the settle delay's and stays.
      if (!answered) clear()
    },
    hold(open) {
      if (answered) return
      holdUntil = open ? Infinity : Date.now() + (config.sdkTimeout ?? DEFAULT_SDK_TIMEOUT)
      if (open) clear() // the user is in WeChat's face screen, not back
    },
    stop(error) {
      if (!answered) later(() => end((s) => s.reject(error)), returnTimeout)
    },
    covered() {
      const stack = pages()
      return stack.length > 0 && callerPage !== undefined ? stack[stack.length - 1] !== callerPage : undefined
    },
    back() {
      if (answered || session.covered()) return
      // While the SDK is still working — its config request, WeChat's face screen, the result
      // after it — wait for it rather than guess "cancelled"; the long wait only bounds the case
      // of an SDK that went somewhere the kit could not see.
      const wait =
        !away || holdUntil === Infinity ? config.sdkTimeout ?? DEFAULT_SDK_TIMEOUT : Math.max(returnTimeout, holdUntil - Date.now())
      later(() => end((s) => s.resolve(cancelled('no-callback'))), wait)
    },
  }
  return session
}
