/**
 * Megvii FaceID lite in a mini-program: one run of Megvii's `faceid-verify` component
 * (faceid-components), from the biz_token to a settled outcome. Platform-free: the native
 * `<megvii-verify>` and uni-app's `useMegviiVerify` feed it what the page sees (Megvii's
 * `onFinish`, the user leaving, the page showing again or unloading) and show what it settles.
 * The verdict always comes from the kit's server; Megvii's `status` only says when to ask.
 */
import type { ApiClient } from './api'
import { FaceIdKitError, kitError, toErrorInfo } from './errors'
import type { FlowOutcome, KitErrorInfo, VerificationResult } from './types'

/** The token kind (and server route) of the mini-program flow. */
export const MEGVII_KIND = 'megvii'

/** Megvii's `onFinish` detail: `complete` (the flow ran, ask for the result) or `tokenError`. */
export interface MegviiFinishDetail {
  token?: string
  status?: string
}

export interface MegviiRunOptions {
  /** The kit's server (`kit.api(overrides)`). */
  api: ApiClient
  /**
   * After `complete`: how long (ms) the server may take to hold a final verdict before the run
   * settles with the pending one. Default 6000.
   */
  verdictTimeout?: number
  /** Between two asks while the server says `pending` after `complete` (ms). Default 1000, or a fifth of a shorter `verdictTimeout`. */
  pollInterval?: number
  /** Timers (tests); default the global `setTimeout`. */
  sleep?: (ms: number) => Promise<void>
}

/** One biz_token on screen. Every method is safe to call at any time and more than once. */
export interface MegviiRun {
  readonly token: string
  /** Settles once: the server's result (possibly `pending`), or `cancelled`; rejects with `FaceIdKitError`. */
  readonly outcome: Promise<FlowOutcome>
  /** Megvii's component fired `onFinish`. */
  finished(detail: MegviiFinishDetail | undefined): void
  /** The user chose to leave before Megvii's component finished. */
  leave(): void
  /** The page shows again (Megvii's component may have used the camera or another page). */
  shown(): void
  /** The page (or the component hosting Megvii's) is going away: the run must not outlive it. */
  unloaded(): void
  /** The run has settled. */
  readonly settled: boolean
}

export const DEFAULT_MEGVII_VERDICT_TIMEOUT = 6000
export const DEFAULT_MEGVII_POLL_INTERVAL = 1000

/** What `tokenError` rejects with: retryable, the next try issues a new biz_token. */
export const MEGVII_TOKEN_ERROR_MESSAGE = '核身凭证无效或已过期，请重新开始'

/** Asks the server for a biz_token and returns the run that settles it. */
export async function startMegviiRun(options: MegviiRunOptions): Promise<MegviiRun> {
  checkOptions(options)
  const issued = await options.api.createToken(MEGVII_KIND)
  return createMegviiRun({ ...options, token: issued.token })
}

/** The run of a biz_token already issued. Throws `INVALID_OPTIONS` at once for bad options. */
export function createMegviiRun(options: MegviiRunOptions & { token: string }): MegviiRun {
  checkOptions(options)
  const token = options.token
  if (typeof token !== 'string' || token === '') throw kitError('INVALID_OPTIONS', 'token：需要服务器签发的 biz_token')
  const verdictTimeout = options.verdictTimeout ?? DEFAULT_MEGVII_VERDICT_TIMEOUT
  const pollInterval = options.pollInterval ?? Math.min(DEFAULT_MEGVII_POLL_INTERVAL, verdictTimeout / 5)
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  let settled = false
  let resolveOutcome!: (outcome: FlowOutcome) => void
  let rejectOutcome!: (error: unknown) => void
  const outcome = new Promise<FlowOutcome>((resolve, reject) => {
    resolveOutcome = resolve
    rejectOutcome = reject
  })
  // Which end is under way: a later one (the page unloading after `complete`) adds nothing.
  let concluding: 'finish' | 'leave' | undefined

  const ask = (): Promise<VerificationResult> => options.api.getResult(MEGVII_KIND, token)
  const resolve = (value: FlowOutcome): void => {
    if (settled) return
    settled = true
    resolveOutcome(value)
  }
  const reject = (error: unknown): void => {
    if (settled) return
    settled = true
    rejectOutcome(error)
  }

  /** `complete`: Megvii has the result; give the server a bounded time to hold it. */
  async function afterComplete(): Promise<void> {
    const deadline = Date.now() + verdictTimeout
    for (;;) {
      const result = await ask()
      if (result.status !== 'pending' || Date.now() + pollInterval > deadline || settled) {
        resolve({ status: 'result', result })
        return
      }
      await sleep(pollInterval)
    }
  }

  /** The component ended without `onFinish`: a verdict if the server has one, else cancelled. */
  async function withoutFinish(reason: 'user-cancel' | 'no-callback'): Promise<void> {
    try {
      const result = await ask()
      if (result.status !== 'pending') resolve({ status: 'result', result })
      else resolve({ status: 'cancelled', token, reason })
    } catch {
      // The user has left: a server that cannot answer now must not keep the app waiting. The
      // server's sweeper still settles the biz_token.
      resolve({ status: 'cancelled', token, reason })
    }
  }

  return {
    token,
    outcome,
    get settled() {
      return settled
    },
    finished(detail) {
      if (settled || concluding) return
      // A stale component (another biz_token) says nothing about this one.
      if (detail?.token && detail.token !== token) return
      if (detail?.status === 'tokenError') {
        reject(kitError('TOKEN_ERROR', MEGVII_TOKEN_ERROR_MESSAGE, true, token))
        return
      }
      // `complete`, or a status Megvii may add later: either way only the server knows.
      concluding = 'finish'
      afterComplete().catch((error: unknown) => reject(withToken(error, token)))
    },
    leave() {
      if (settled || concluding) return
      concluding = 'leave'
      void withoutFinish('user-cancel')
    },
    shown() {
      if (settled || concluding) return
      // Megvii's component may be waiting for the user again (camera, permissions): only a final
      // verdict ends the run here; `pending` leaves it on screen.
      ask().then(
        (result) => {
          if (result.status !== 'pending' && !concluding) resolve({ status: 'result', result })
        },
        () => undefined,
      )
    },
    unloaded() {
      // Already ending (after `complete` or a leave): that end is bounded on its own.
      if (settled || concluding) return
      concluding = 'leave'
      void withoutFinish('no-callback')
    },
  }
}

function checkOptions(options: MegviiRunOptions): void {
  if (!options || typeof options.api?.getResult !== 'function' || typeof options.api.createToken !== 'function') {
    throw kitError('INVALID_OPTIONS', 'api：需要服务器客户端（kit.api()）')
  }
  const { verdictTimeout, pollInterval } = options
  if (verdictTimeout !== undefined && !(Number.isFinite(verdictTimeout) && verdictTimeout >= 0)) {
    throw kitError('INVALID_OPTIONS', 'verdictTimeout：需要不小于 0 的毫秒数')
  }
  if (pollInterval !== undefined && !(Number.isFinite(pollInterval) && pollInterval > 0)) {
    throw kitError('INVALID_OPTIONS', 'pollInterval：需要大于 0 的毫秒数')
  }
}

/** A server or network error of the run, carrying the biz_token it concerns. */
function withToken(error: unknown, token: string): FaceIdKitError {
  const info = kitErrorInfo(error)
  return new FaceIdKitError({ ...info, token: info.token ?? token })
}

/**
 * The mini-program's separate entry bundles its own copy of this core, so the kit's errors may
 * come from another copy of `FaceIdKitError`: recognised by name and shape, not `instanceof`.
 */
export function kitErrorInfo(error: unknown): KitErrorInfo {
  if (error instanceof Error && error.name === 'FaceIdKitError') {
    const json = (error as Error & { toJSON?: () => KitErrorInfo }).toJSON
    if (typeof json === 'function') return json.call(error)
  }
  return toErrorInfo(error)
}
