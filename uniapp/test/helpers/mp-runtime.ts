/**
 * Runs the `uni build -p mp-weixin` output of the example in miniprogram-simulate: a `wx` whose
 * `request` reaches a real HTTP server, app-show listeners, a page stack, `App`/`getApp`, and the
 * mini-program's root-relative `require('/wxcomponents/…')` mapped onto the build folder.
 */
import { existsSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import path from 'node:path'

type Listener = (options: Record<string, unknown>) => void
type Callbacks = { success?: (res: unknown) => void; fail?: (err: { errMsg: string }) => void; complete?: (res: unknown) => void }

/** WeChat calls success, then complete; the SDKs deliver results from these callbacks. */
function succeed(options: Callbacks | undefined, errMsg: string): void {
  options?.success?.({ errMsg })
  options?.complete?.({ errMsg })
}

interface RequestArgs {
  url: string
  method?: string
  header?: Record<string, string>
  data?: unknown
  success?: (res: { statusCode: number; data: unknown; header: Record<string, string> }) => void
  fail?: (err: { errMsg: string }) => void
  complete?: (res: unknown) => void
}

export interface MpRuntime {
  wx: Record<string, unknown>
  /** Routes navigated to (navigateTo / redirectTo), in order. */
  routes: string[]
  /** navigateToMiniProgram / openEmbeddedMiniProgram calls made inside a tap. */
  jumps: Array<Record<string, unknown>>
  /** Jumps refused because no tap was being handled (WeChat's TAP-gesture rule). */
  refusedJumps: Array<Record<string, unknown>>
  listeners: Set<Listener>
  showApp(options: Record<string, unknown>): void
  /** The options the app passed to `App()`. */
  app(): Record<string, unknown> & { globalData?: unknown }
  /** Requests in flight; `idle()` waits for them. */
  idle(): Promise<void>
  requests: string[]
  dispose(): void
}

interface GeneratedNode {
  event?: Record<string, { handler?: unknown }>
}

/**
 * uni-app's compiler binds events through data (`bindtap="{{d}}"`, the handler's method name
 * computed per render), which WeChat evaluates; miniprogram-simulate's j-component takes the
 * attribute literally. Evaluate such handlers against the node's data, as WeChat does.
 */
function evaluateEventHandlers(): () => void {
  const fromSimulate = createRequire(createRequire(import.meta.url).resolve('miniprogram-simulate'))
  const VirtualNode = fromSimulate('j-component/src/template/virtualnode') as {
    prototype: { generate(this: unknown, options?: { data?: Record<string, unknown> }): GeneratedNode | null }
  }
  const expr = fromSimulate('j-component/src/template/expr') as {
    getExpression(content: string): unknown
    calcExpression(parsed: unknown, data: Record<string, unknown>): unknown
  }
  const original = VirtualNode.prototype.generate
  VirtualNode.prototype.generate = function (options = {}) {
    const node = original.call(this, options)
    if (!node || !node.event) return node
    const data = options.data ?? {}
    let changed = false
    const event: NonNullable<GeneratedNode['event']> = {}
    for (const [key, binding] of Object.entries(node.event)) {
      if (typeof binding.handler === 'string' && binding.handler.includes('{{')) {
        event[key] = { ...binding, handler: expr.calcExpression(expr.getExpression(binding.handler), data) }
        changed = true
      } else {
        event[key] = binding
      }
    }
    if (changed) node.event = event
    return node
  }
  return () => {
    VirtualNode.prototype.generate = original
  }
}

/**
 * WeChat opens another mini-program only while a tap is being handled. Tracks the dispatch of
 * `tap` events in j-component's exparser so the runtime can apply that rule.
 */
function trackTaps(): { inTap(): boolean; restore(): void } {
  const fromSimulate = createRequire(createRequire(import.meta.url).resolve('miniprogram-simulate'))
  const fromJComponent = createRequire(fromSimulate.resolve('j-component'))
  const exparser = fromJComponent('miniprogram-exparser') as {
    Event: { dispatchEvent(this: unknown, target: unknown, event: { type?: string }, ...rest: unknown[]): unknown }
  }
  const original = exparser.Event.dispatchEvent
  let depth = 0
  exparser.Event.dispatchEvent = function (target, event, ...rest) {
    const tap = event?.type === 'tap'
    if (tap) depth++
    try {
      return original.call(this, target, event, ...rest)
    } finally {
      if (tap) depth--
    }
  }
  return {
    inTap: () => depth > 0,
    restore() {
      exparser.Event.dispatchEvent = original
    },
  }
}

/**
 * @param distDir   the mp-weixin build
 * @param fromOrigin the origin the app was built to call (rewritten to `toOrigin`)
 */
export function installMpRuntime(distDir: string, fromOrigin: string, toOrigin: string): MpRuntime {
  const listeners = new Set<Listener>()
  const routes: string[] = []
  const jumps: Array<Record<string, unknown>> = []
  const refusedJumps: Array<Record<string, unknown>> = []
  const taps = trackTaps()
  const jump = (api: string) => (options: Record<string, unknown> & Callbacks) => {
    if (!taps.inTap()) {
      refusedJumps.push({ api, ...options })
      options.fail?.({ errMsg: `${api}:fail can only be invoked by user TAP gesture.` })
      options.complete?.({})
      return
    }
    jumps.push({ api, ...options })
    succeed(options, `${api}:ok`)
  }
  const requests: string[] = []
  const inflight = new Set<Promise<void>>()
  let appOptions: Record<string, unknown> | undefined
  let appInstance: Record<string, unknown> | undefined

  const wx: Record<string, unknown> = {
    request(args: RequestArgs) {
      const url = args.url.startsWith(fromOrigin) ? toOrigin + args.url.slice(fromOrigin.length) : args.url
      const method = (args.method ?? 'GET').toUpperCase()
      requests.push(`${method} ${new URL(url).pathname}`)
      const job = (async () => {
        try {
          const res = await fetch(url, {
            method,
            headers: args.header ?? {},
            ...(method === 'GET' || args.data === undefined ? {} : { body: JSON.stringify(args.data) }),
          })
          const text = await res.text()
          let data: unknown = text
          try {
            data = JSON.parse(text)
          } catch {
            // not JSON: keep the text, as wx.request does
          }
          const result = { statusCode: res.status, data, header: Object.fromEntries(res.headers) }
          args.success?.(result)
          args.complete?.(result)
        } catch (error) {
          const err = { errMsg: `request:fail ${error instanceof Error ? error.message : String(error)}` }
          args.fail?.(err)
          args.complete?.(err)
        }
      })()
      inflight.add(job)
      void job.finally(() => inflight.delete(job))
      return { abort: () => undefined }
    },
    onAppShow: (listener: Listener) => void listeners.add(listener),
    offAppShow: (listener: Listener) => void listeners.delete(listener),
    onAppHide: () => undefined,
    offAppHide: () => undefined,
    onError: () => undefined,
    onUnhandledRejection: () => undefined,
    onPageNotFound: () => undefined,
    onNetworkStatusChange: () => undefined,
    getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: 'develop' } }),
    getSystemInfoSync: () => ({ platform: 'devtools', version: '8.0.50', SDKVersion: '3.4.0', environment: undefined }),
    getWindowInfo: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2, screenWidth: 375, screenHeight: 667, statusBarHeight: 20, safeArea: {} }),
    getDeviceInfo: () => ({ platform: 'devtools', system: 'iOS 17', brand: 'devtools', model: 'iPhone' }),
    getAppBaseInfo: () => ({ SDKVersion: '3.4.0', version: '8.0.50', language: 'zh_CN', theme: 'light', enableDebug: false }),
    getSystemSetting: () => ({}),
    getAppAuthorizeSetting: () => ({}),
    getLaunchOptionsSync: () => ({ path: 'pages/index/index', scene: 1001, query: {} }),
    getEnterOptionsSync: () => ({ path: 'pages/index/index', scene: 1001, query: {} }),
    canIUse: () => true,
    showModal: () => undefined,
    showToast: () => undefined,
    navigateTo: (options: { url: string } & Callbacks) => {
      routes.push(options.url)
      succeed(options, 'navigateTo:ok')
    },
    redirectTo: (options: { url: string } & Callbacks) => {
      routes.push(options.url)
      succeed(options, 'redirectTo:ok')
    },
    navigateBack: (options?: Callbacks) => {
      routes.push('<back>')
      succeed(options, 'navigateBack:ok')
    },
    navigateToMiniProgram: jump('navigateToMiniProgram'),
    openEmbeddedMiniProgram: jump('openEmbeddedMiniProgram'),
  }

  const g = globalThis as Record<string, unknown>
  g.wx = wx
  g.App = (options: Record<string, unknown>) => {
    appOptions = options
    appInstance = Object.create(options) as Record<string, unknown>
  }
  g.getApp = () => appInstance
  // vendor.js keeps references to Page and Component when it loads (uni-app pages are Components).
  g.Page = (options: Record<string, unknown>) => (g.Component as (o: unknown) => void)(options)
  g.getCurrentPages = () => []

  // The mini-program resolves require('/x') from its root; Node would look at the file system root.
  const restoreEvents = evaluateEventHandlers()
  const moduleWithResolve = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string }
  const originalResolve = moduleWithResolve._resolveFilename
  moduleWithResolve._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request.startsWith('/') && !request.startsWith(distDir) && !existsSync(request) && !existsSync(`${request}.js`)) {
      return originalResolve.call(this, path.join(distDir, request), ...rest)
    }
    return originalResolve.call(this, request, ...rest)
  }

  return {
    wx,
    routes,
    jumps,
    refusedJumps,
    listeners,
    requests,
    showApp(options) {
      for (const listener of [...listeners]) listener(options)
    },
    app() {
      if (!appOptions) throw new Error('app.js has not called App()')
      return appOptions
    },
    async idle() {
      for (let i = 0; i < 50 && inflight.size > 0; i++) {
        await Promise.allSettled([...inflight])
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
    },
    dispose() {
      moduleWithResolve._resolveFilename = originalResolve
      restoreEvents()
      taps.restore()
      const require = createRequire(import.meta.url)
      for (const key of Object.keys(require.cache)) if (key.startsWith(distDir)) delete require.cache[key]
    },
  }
}
