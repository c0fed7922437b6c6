/**
 * A programmable stand-in for the parts of `wx` the kit and the simulated SDKs touch: a page
 * stack, app-show listeners, modals, jumps to other mini-programs and an HTTP router.
 */

export interface FakeRequest {
  method: string
  url: string
  data: unknown
  header: Record<string, string>
}

export type FakeResponse = { statusCode: number; data: unknown } | { fail: string }
export type Router = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>

export type JumpApi = 'navigateToMiniProgram' | 'openEmbeddedMiniProgram'
export interface JumpCall {
  api: JumpApi
  options: Record<string, unknown>
}

export interface FakeWxOptions {
  platform?: string
  version?: string
  SDKVersion?: string
  environment?: string
  envVersion?: 'develop' | 'trial' | 'release'
  /** Install `openEmbeddedMiniProgram`. Default true. */
  embedded?: boolean
  /** Also install a global `getCurrentPages` returning one object per page in the stack. */
  pageObjects?: boolean
}

type Callbacks = { success?: (res: unknown) => void; fail?: (err: unknown) => void; complete?: (res: unknown) => void }
type Listener = (options: unknown) => void

export class FakeWx {
  readonly modals: string[] = []
  readonly toasts: string[] = []
  readonly redirects: string[] = []
  readonly requests: FakeRequest[] = []
  readonly jumps: JumpCall[] = []
  readonly appShowListeners: Listener[] = []
  readonly networkListeners: Listener[] = []
  readonly pages: Array<{ route: string }> = [{ route: '/pages/home/index' }]
  navigateBackCalls = 0
  /** What the next jump does: succeed, or fail with this errMsg. */
  jumpResult: 'success' | string = 'success'
  router: Router = () => ({ statusCode: 404, data: { error: { code: 'not_found', message: 'no route' } } })
  readonly api: Record<string, unknown>

  constructor(readonly options: FakeWxOptions = {}) {
    const self = this
    const api: Record<string, unknown> = {
      showModal(o: { content?: string }) {
        self.modals.push(o.content ?? '')
      },
      showToast(o: { title?: string }) {
        self.toasts.push(o.title ?? '')
      },
      navigateTo(o: { url: string } & Callbacks) {
        self.pages.push({ route: o.url })
        o.success?.({ errMsg: 'navigateTo:ok' })
      },
      redirectTo(o: { url: string }) {
        self.redirects.push(o.url)
      },
      navigateBack(o: { delta?: number } = {}) {
        self.navigateBackCalls++
        for (let i = 0; i < (o.delta ?? 1) && self.pages.length > 1; i++) self.pages.pop()
      },
      onAppShow(listener: Listener) {
        self.appShowListeners.push(listener)
      },
      offAppShow(listener: Listener) {
        const i = self.appShowListeners.indexOf(listener)
        if (i >= 0) self.appShowListeners.splice(i, 1)
      },
      onNetworkStatusChange(listener: Listener) {
        self.networkListeners.push(listener)
      },
      getSystemInfoSync() {
        return {
          platform: options.platform ?? 'ios',
          version: options.version ?? '8.0.50',
          SDKVersion: options.SDKVersion ?? '3.4.0',
          ...(options.environment ? { environment: options.environment } : {}),
        }
      },
      getAccountInfoSync() {
        return { miniProgram: { appId: 'wx-test', envVersion: options.envVersion ?? 'develop', version: '' } }
      },
      canIUse(schema: string) {
        return schema !== 'openEmbeddedMiniProgram' || options.embedded !== false
      },
      navigateToMiniProgram(o: Record<string, unknown> & Callbacks) {
        self.jump('navigateToMiniProgram', o)
      },
      request(o: FakeRequest & Callbacks) {
        self.requests.push({ method: o.method ?? 'GET', url: o.url, data: o.data, header: o.header ?? {} })
        void Promise.resolve(self.router({ method: o.method ?? 'GET', url: o.url, data: o.data, header: o.header ?? {} })).then((res) => {
          if ('fail' in res) o.fail?.({ errMsg: res.fail })
          else o.success?.({ statusCode: res.statusCode, data: res.data, header: {} })
        })
      },
    }
    if (options.embedded !== false) {
      api.openEmbeddedMiniProgram = (o: Record<string, unknown> & Callbacks) => self.jump('openEmbeddedMiniProgram', o)
    }
    this.api = api
  }

  private jump(apiName: JumpApi, o: Record<string, unknown> & Callbacks): void {
    this.jumps.push({ api: apiName, options: o })
    if (this.jumpResult === 'success') o.success?.({ errMsg: `${apiName}:ok` })
    else o.fail?.({ errMsg: `${apiName}:${this.jumpResult}` })
    o.complete?.({})
  }

  /** The app comes back to the foreground. */
  emitAppShow(options: unknown): void {
    for (const listener of this.appShowListeners.slice()) listener(options)
  }

  /** The eID mini-program hands back (scene 1038). */
  eidReturn(token: string, extra: Record<string, unknown> = { verifyDone: true }): void {
    this.emitAppShow({ scene: 1038, referrerInfo: { appId: 'wx0e2cb0b052a91c92', extraData: { ...extra, token } } })
  }

  /** The global `wx` this fake was installed into. */
  get global(): Record<string, unknown> {
    return (globalThis as unknown as { wx: Record<string, unknown> }).wx
  }

  get topRoute(): string {
    return this.pages[this.pages.length - 1]?.route ?? ''
  }

  /** Makes this fake the global `wx` (merged into an existing one, e.g. miniprogram-simulate's). */
  install(): this {
    const g = globalThis as unknown as { wx?: Record<string, unknown>; getCurrentPages?: () => unknown[] }
    if (g.wx && typeof g.wx === 'object') {
      for (const key of ['startVerify', 'openEmbeddedMiniProgram']) delete g.wx[key]
      Object.assign(g.wx, this.api)
    } else {
      g.wx = this.api
    }
    if (this.options.pageObjects) g.getCurrentPages = () => this.pages.slice()
    else delete g.getCurrentPages
    return this
  }
}

/** A valid 36-character token. */
export function makeToken(seed = 1): string {
  return `${String(seed).padStart(8, '0')}-1111-2222-3333-444455556666`
}
