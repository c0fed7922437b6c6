import { kitError } from './errors'
import { createSettler, type Settler } from './settle'
import type { AppShowListener, CancelReason, KitConfig, Platform, TokenKind, VerifyDone, VerifyOutcome } from './types'

export const DEFAULT_SETTLE_DELAY = 500
export const DEFAULT_RETURN_TIMEOUT = 2000

/**
 * One running verification. It settles exactly once: on the SDK's answer (after the settle delay
 * Tencent recommends for iOS), or — when the SDK never answers — a bounded wait after the user is
 * back on the caller page.
 */
export interface Session {
  readonly kind: TokenKind
  readonly token: string
  readonly promise: Promise<VerifyOutcome>
  readonly settled: boolean
  /** The SDK answered: settle after the settle delay; ignores every later signal. */
  answer(settle: (s: Settler<VerifyOutcome>) => void): void
  done(extra?: Partial<VerifyDone>): void
  cancel(reason: CancelReason, viaSdk?: boolean): void
  fail(error: unknown, viaSdk?: boolean): void
  /** Registers something to undo when the session ends (listeners, wrapped APIs). */
  onEnd(cleanup: () => void): void
}

export interface Runner {
  /** Starts a session, or returns the BUSY error when one is running. */
  begin(kind: TokenKind, token: string): Session | Error
  /** The caller page is visible again (page `onShow` / component `pageLifetimes.show`). */
  notifyShow(): void
  readonly busy: boolean
}

export function createRunner(platform: Platform, getConfig: () => KitConfig): Runner {
  let active: SessionImpl | undefined

  return {
    get busy() {
      return active !== undefined
    },
    begin(kind, token) {
      if (active) {
        return kitError('BUSY', '已有一个核验正在进行，请等待它结束后再试', true, token)
      }
      const session = new SessionImpl(platform, getConfig(), kind, token, () => {
        if (active === session) active = undefined
      })
      // The return from eID (scene 1038) and from native face verification arrive as app shows.
      const onAppShow: AppShowListener = () => session.userIsBack()
      platform.onAppShow(onAppShow)
      session.onEnd(() => platform.offAppShow(onAppShow))
      active = session
      return session
    },
    notifyShow() {
      active?.userIsBack()
    },
  }
}

class SessionImpl implements Session {
  readonly promise: Promise<VerifyOutcome>
  private readonly settler: Settler<VerifyOutcome>
  private readonly cleanups: Array<() => void> = []
  private readonly callerPage: unknown
  private answered = false
  private returnTimer: unknown
  private settleTimer: unknown

  constructor(
    private readonly platform: Platform,
    private readonly config: KitConfig,
    readonly kind: TokenKind,
    readonly token: string,
    release: () => void,
  ) {
    this.settler = createSettler<VerifyOutcome>(() => {
      this.clearTimers()
      for (const cleanup of this.cleanups.splice(0).reverse()) {
        try {
          cleanup()
        } catch {
          // A failed cleanup must not keep the promise from settling.
        }
      }
      release()
    })
    this.promise = this.settler.promise
    this.callerPage = topPage(platform)
  }

  get settled(): boolean {
    return this.settler.settled
  }

  onEnd(cleanup: () => void): void {
    if (this.settled) cleanup()
    else this.cleanups.push(cleanup)
  }

  answer(settle: (s: Settler<VerifyOutcome>) => void): void {
    if (this.answered || this.settled) return
    this.answered = true
    this.clearReturnTimer()
    const delay = this.config.settleDelay ?? DEFAULT_SETTLE_DELAY
    if (delay <= 0) settle(this.settler)
    else this.settleTimer = this.platform.setTimeout(() => settle(this.settler), delay)
  }

  done(extra: Partial<VerifyDone> = {}): void {
    this.answer((s) => s.resolve({ ...extra, status: 'done', kind: this.kind, token: this.token }))
  }

  cancel(reason: CancelReason, viaSdk = true): void {
    const outcome: VerifyOutcome = { status: 'cancelled', kind: this.kind, token: this.token, reason }
    if (viaSdk) this.answer((s) => s.resolve(outcome))
    else this.settleNow((s) => s.resolve(outcome))
  }

  fail(error: unknown, viaSdk = true): void {
    if (viaSdk) this.answer((s) => s.reject(error))
    else this.settleNow((s) => s.reject(error))
  }

  /** A show event: if the caller page is on top and the SDK stays silent, the user gave up. */
  userIsBack(): void {
    if (this.answered || this.settled) return
    const pages = this.platform.getCurrentPages?.()
    if (pages && pages.length > 0 && this.callerPage !== undefined && pages[pages.length - 1] !== this.callerPage) {
      return // an SDK page is still on top: the flow is not over
    }
    this.clearReturnTimer()
    const wait = this.config.returnTimeout ?? DEFAULT_RETURN_TIMEOUT
    this.returnTimer = this.platform.setTimeout(() => {
      if (!this.answered) this.settleNow((s) => s.resolve({ status: 'cancelled', kind: this.kind, token: this.token, reason: 'no-callback' }))
    }, wait)
  }

  private settleNow(settle: (s: Settler<VerifyOutcome>) => void): void {
    if (this.answered || this.settled) return
    this.answered = true
    settle(this.settler)
  }

  private clearReturnTimer(): void {
    if (this.returnTimer !== undefined) this.platform.clearTimeout(this.returnTimer)
    this.returnTimer = undefined
  }

  private clearTimers(): void {
    this.clearReturnTimer()
    if (this.settleTimer !== undefined) this.platform.clearTimeout(this.settleTimer)
    this.settleTimer = undefined
  }
}

function topPage(platform: Platform): unknown {
  const pages = platform.getCurrentPages?.()
  return pages && pages.length > 0 ? pages[pages.length - 1] : undefined
}
