/**
 * A stand-in for the mini-program runtime: `wx` (what the SDKs use), `uni` built the way
 * uni-app's mp-weixin runtime builds it (a proxy reading `wx` on each access), app-show
 * listeners, a page stack, and an in-memory faceid-kit server behind `request`.
 */
import { randomUUID } from 'node:crypto'
import { vi } from 'vitest'
import type { VerificationResult } from '@faceid-kit/shared'

type Listener = (options: Record<string, unknown>) => void
type Callbacks = { success?: (res: unknown) => void; fail?: (err: { errMsg: string }) => void; complete?: (res: unknown) => void }

function succeed(options: Callbacks | undefined, res: unknown): void {
  options?.success?.(res)
  options?.complete?.(res)
}

interface RequestArgs {
  url: string
  method?: string
  header?: Record<string, string>
  data?: unknown
  success?: (res: { statusCode: number; data: unknown }) => void
  fail?: (err: { errMsg: string }) => void
}

export interface FakeServer {
  /** Tokens handed out, in order. */
  tokens: string[]
  /** What `GET …/:token` answers (default: pending). */
  results: Map<string, Partial<VerificationResult>>
  /** Requests seen, as "METHOD path". */
  calls: string[]
  /** Headers of the last request. */
  lastHeader?: Record<string, string>
  /** Next createToken answers this error (status, code). */
  failNext?: { status: number; code: string }
  /** Next result read answers this error (status, code). */
  failNextResult?: { status: number; code: string }
  /** expiresAt the server reports for new tokens, in ms from now. */
  lifetimeMs: number
}

export interface Harness {
  wx: Record<string, unknown> & {
    navigateTo: ReturnType<typeof vi.fn>
    navigateBack: ReturnType<typeof vi.fn>
    navigateToMiniProgram: ReturnType<typeof vi.fn>
    showModal: ReturnType<typeof vi.fn>
  }
  uni: Record<string, unknown>
  server: FakeServer
  listeners: Set<Listener>
  pages: object[]
  /** Fires the app-show listeners, as WeChat does when the app comes back to the foreground. */
  showApp(options?: Record<string, unknown>): void
  /** Runs (fake) timers `ms` ahead, settling request callbacks and promise chains on the way. */
  advance(ms?: number): Promise<void>
  /** Runs the timers forward (at most `limitMs`) until `promise` settles; returns its value. */
  settle<T>(promise: Promise<T>, limitMs?: number): Promise<T>
}

const BASE = 'https://api.example.test'
/** Route segment → token kind. */
const KINDS: Record<string, VerificationResult['kind'] | undefined> = { biz: 'face', eid: 'eid', 'megvii/biz': 'megvii' }
export const BASE_URL = BASE

export function installPlatform(): Harness {
  const listeners = new Set<Listener>()
  const callerPage = { route: 'pages/index/index' }
  const pages: object[] = [callerPage]
  const server: FakeServer = { tokens: [], results: new Map(), calls: [], lifetimeMs: 600_000 }

  function respond(args: RequestArgs): { statusCode: number; data: unknown } {
    const url = new URL(args.url)
    const method = args.method ?? 'GET'
    server.calls.push(`${method} ${url.pathname}`)
    server.lastHeader = args.header
    const create = /^\/faceid\/(biz|eid|megvii\/biz)-token$/.exec(url.pathname)
    if (create && method === 'POST') {
      if (server.failNext) {
        const { status, code } = server.failNext
        server.failNext = undefined
        return { statusCode: status, data: { error: { code, message: `failed: ${code}` } } }
      }
      const token = randomUUID()
      server.tokens.push(token)
      const kind = KINDS[create[1] ?? 'biz'] ?? 'face'
      return { statusCode: 201, data: { token, kind, expiresAt: new Date(Date.now() + server.lifetimeMs).toISOString() } }
    }
    const get = /^\/faceid\/(biz|eid|megvii\/biz)-token\/([^/]+)$/.exec(url.pathname)
    if (get && method === 'GET') {
      const token = decodeURIComponent(get[2] ?? '')
      if (!server.tokens.includes(token)) return { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: 'no such token' } } }
      if (server.failNextResult) {
        const { status, code } = server.failNextResult
        server.failNextResult = undefined
        return { statusCode: status, data: { error: { code, message: `failed: ${code}` } } }
      }
      const kind = KINDS[get[1] ?? 'biz'] ?? 'face'
      const result: VerificationResult = { token, kind, status: 'pending', updatedAt: new Date().toISOString(), ...server.results.get(token) }
      return { statusCode: 200, data: result }
    }
    return { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: url.pathname } } }
  }

  const wx = {
    request: vi.fn((args: RequestArgs) => {
      // Asynchronous like the real one.
      setTimeout(() => args.success?.(respond(args)), 0)
      return { abort: () => undefined }
    }),
    onAppShow: vi.fn((listener: Listener) => void listeners.add(listener)),
    offAppShow: vi.fn((listener: Listener) => void listeners.delete(listener)),
    getAccountInfoSync: () => ({ miniProgram: { appId: 'wxtest', envVersion: 'develop' } }),
    getSystemInfoSync: () => ({ platform: 'ios', version: '8.0.50', SDKVersion: '3.4.0' }),
    canIUse: () => true,
    onNetworkStatusChange: vi.fn(),
    showModal: vi.fn(),
    showToast: vi.fn(),
    // Callbacks fire as WeChat fires them: the simulated SDKs deliver results from them.
    navigateTo: vi.fn((options: { url: string } & Callbacks) => {
      pages.push({ route: options.url })
      succeed(options, { errMsg: 'navigateTo:ok' })
    }),
    navigateBack: vi.fn((options: Callbacks = {}) => {
      if (pages.length <= 1) {
        options.fail?.({ errMsg: 'navigateBack:fail cannot navigate back at first page.' })
        options.complete?.({})
        return
      }
      pages.pop()
      succeed(options, { errMsg: 'navigateBack:ok' })
    }),
    redirectTo: vi.fn(),
    navigateToMiniProgram: vi.fn((options: Callbacks) => succeed(options, { errMsg: 'navigateToMiniProgram:ok' })),
  }

  // uni-app's mp-weixin `uni`: own properties first, else `wx[key]` read at access time.
  const uni = new Proxy({} as Record<string, unknown>, {
    get(target, key: string) {
      if (key in target) return target[key]
      return (wx as Record<string, unknown>)[key]
    },
  })

  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  vi.stubGlobal('wx', wx)
  vi.stubGlobal('uni', uni)
  vi.stubGlobal('getCurrentPages', () => pages.slice())

  return {
    wx,
    uni,
    server,
    listeners,
    pages,
    showApp(options = { scene: 1001 }) {
      for (const listener of [...listeners]) listener(options)
    },
    async advance(ms = 0) {
      await vi.advanceTimersByTimeAsync(ms)
      // Promise chains that schedule further zero-delay timers (request → result → state).
      for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0)
    },
    async settle(promise, limitMs = 10_000) {
      let done = false
      void promise.then(
        () => (done = true),
        () => (done = true),
      )
      for (let spent = 0; !done && spent < limitMs; spent += 50) await vi.advanceTimersByTimeAsync(50)
      return promise
    },
  }
}
