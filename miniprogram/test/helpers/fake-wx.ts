/**
 * A programmable stand-in for the parts of `wx` the kit and the simulated SDKs touch: a page
 * stack, app-show listeners, modals that stay up until dismissed, jumps to other mini-programs,
 * WeChat's native face screen and an HTTP router. Callbacks fire the way WeChat fires them
 * (success or fail, then complete).
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

export interface OpenModal {
  content: string
  options: { content?: string } & Callbacks
}

function succeed(o: Callbacks | undefined, res: unknown): void {
  o?.success?.(res)
  o?.complete?.(res)
}
function failWith(o: Callbacks | undefined, errMsg: string): void {
  o?.fail?.({ errMsg })
  o?.complete?.({ errMsg })
}

export class FakeWx {
  readonly modals: string[] = []
  /** Modals on screen, oldest first (a modal stays until `dismissModal`). */
  readonly openModals: OpenModal[] = []
  loginCalls = 0
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
  /** navigateTo fails with this errMsg when it returns one for the url (e.g. a page missing from app.json). */
  navigateToError: (url: string) => string | undefined = () => undefined
  /** The next navigateBack fails (besides the first page, which never goes back). */
  failNextNavigateBack = false
  /** WeChat's native face screen, while it is open. */
  nativeFace?: Callbacks & Record<string, unknown>
  router: Router = () => ({ statusCode: 404, data: { error: { code: 'not_found', message: 'no route' } } })
  readonly api: Record<string, unknown>

  constructor(readonly options: FakeWxOptions = {}) {
    const self = this
    const api: Record<string, unknown> = {
      showModal(o: { content?: string } & Callbacks) {
        self.modals.push(o.content ?? '')
        self.openModals.push({ content: o.content ?? '', options: o })
      },
      login(o: Callbacks = {}) {
        self.loginCalls++
        succeed(o, { errMsg: 'login:ok', code: `code-${self.loginCalls}` })
      },
      showToast(o: { title?: string }) {
        self.toasts.push(o.title ?? '')
      },
      navigateTo(o: { url: string } & Callbacks) {
        const error = self.navigateToError(o.url)
        if (error) return failWith(o, `navigateTo:fail ${error}`)
        self.pages.push({ route: o.url })
        succeed(o, { errMsg: 'navigateTo:ok' })
      },
      redirectTo(o: { url: string }) {
        self.redirects.push(o.url)
      },
      navigateBack(o: { delta?: number } & Callbacks = {}) {
        self.navigateBackCalls++
        if (self.pages.length <= 1 || self.failNextNavigateBack) {
          self.failNextNavigateBack = false
          return failWith(o, 'navigateBack:fail cannot navigate back at first page.')
        }
        for (let i = 0; i < (o.delta ?? 1) && self.pages.length > 1; i++) self.pages.pop()
        succeed(o, { errMsg: 'navigateBack:ok' })
      },
      startFacialRecognitionVerify(o: Callbacks & Record<string, unknown>) {
        self.nativeFace = o
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
    if (this.jumpResult === 'success') succeed(o, { errMsg: `${apiName}:ok` })
    else failWith(o, `${apiName}:${this.jumpResult}`)
  }

  /** The user taps the modal's button (confirm by default); it goes away. */
  dismissModal(confirm = true): void {
    const modal = this.openModals.shift()
    if (!modal) throw new Error('no modal on screen')
    succeed(modal.options, { errMsg: 'showModal:ok', confirm, cancel: !confirm })
  }

  /**
   * WeChat's face screen closes: the app is shown again first (as WeChat does), then the native
   * API's callbacks run.
   */
  closeNativeFace(result: 'success' | 'cancel' | 'fail' = 'success'): void {
    const native = this.nativeFace
    if (!native) throw new Error('the native face screen is not open')
    this.nativeFace = undefined
    this.emitAppShow({ scene: 1001 })
    if (result === 'success') succeed(native, { errMsg: 'startFacialRecognitionVerify:ok', verifyResult: 'v1' })
    else failWith(native, `startFacialRecognitionVerify:fail ${result === 'cancel' ? 'cancel' : 'check failed'}`)
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
      for (const key of ['startVerify', 'openEmbeddedMiniProgram', 'verifyBaseUrl', 'verify_backupUrl']) delete g.wx[key]
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
