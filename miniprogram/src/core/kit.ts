import { FLOWS } from '@faceid-kit/shared'
import { createApiClient, type ApiClient } from './api'
import { createEidVerifier } from './eid'
import { FaceIdKitError, kitError } from './errors'
import { createFaceVerifier } from './face'
import { isEidReturn, withEidReturnGuard } from './scene'
import { busyError, createRunner, type Run } from './session'
import type {
  EidSdkModule,
  EidStartOptions,
  FaceSdkModule,
  FaceStartOptions,
  FlowOutcome,
  HeaderSource,
  KitConfig,
  Platform,
  SdkLoader,
  TokenKind,
  VerificationResult,
  VerifyOutcome,
} from './types'

/** Per-call overrides of the kit configuration (component properties). */
export interface ServerOverrides {
  baseUrl?: string
  header?: HeaderSource
}

export interface FlowHooks {
  /** Called with the token just before the SDK starts. */
  onStart?: (token: string) => void
  /**
   * Called the moment the kit holds the server's result. The promise follows `settleDelay` after
   * the SDK's answer at the earliest, so that UI work on it runs once the user is back on iOS; use
   * this hook for what is not UI (your own requests, logs).
   */
  onResult?: (result: VerificationResult) => void
}

/** An EidToken fetched ahead of the tap, so `start` can open eID synchronously. */
export interface PreparedEid {
  token: string
  /** Local time (ms) after which the token must not be used. */
  expiresAt: number
  /** Opens eID synchronously, then asks the server for the result. Call it from the tap handler. */
  start(options?: Omit<EidStartOptions, 'token'> & Pick<FlowHooks, 'onResult'>): Promise<FlowOutcome>
}

export interface Kit {
  configure(config: KitConfig): void
  getConfig(): Readonly<KitConfig>
  initFaceVerify(loader?: SdkLoader<FaceSdkModule>): void
  startFaceVerify(options: FaceStartOptions): Promise<VerifyOutcome>
  initEid(loader?: SdkLoader<EidSdkModule>): void
  startEid(options: EidStartOptions): Promise<VerifyOutcome>
  canEmbedEid(): boolean
  /** Call from the page's `onShow`: lets the kit notice a return without any SDK callback. */
  notifyShow(): void
  isBusy(): boolean
  api(overrides?: ServerOverrides): ApiClient
  /** Token → verify_mpsdk → server result. */
  verifyFace(options?: ServerOverrides & FlowHooks & { startPath?: string }): Promise<FlowOutcome>
  /** Fetches an EidToken now; start it later from a tap. */
  prepareEid(overrides?: ServerOverrides): Promise<PreparedEid>
  isEidReturn: typeof isEidReturn
  withEidReturnGuard: typeof withEidReturnGuard
}

/** EidToken lifetime (GetEidToken): 600 s. */
export const EID_TOKEN_LIFETIME_MS = FLOWS.eid.lifetimeSeconds * 1000
const RESULT_RETRIES = 2
const RESULT_RETRY_DELAY = 1000

export function createKit(platform: Platform): Kit {
  let config: KitConfig = {}
  const getConfig = (): KitConfig => config
  const runner = createRunner(platform, getConfig)
  const face = createFaceVerifier(platform, runner, getConfig)
  const eid = createEidVerifier(platform, runner, getConfig)

  function api(overrides: ServerOverrides = {}): ApiClient {
    const baseUrl = overrides.baseUrl || config.baseUrl
    if (!baseUrl) throw kitError('NOT_CONFIGURED', '未配置服务器地址：请调用 configure({ baseUrl }) 或设置组件的 base-url')
    const header = overrides.header ?? config.header
    return createApiClient(platform, {
      baseUrl,
      ...(config.routePrefix !== undefined ? { routePrefix: config.routePrefix } : {}),
      ...(header !== undefined ? { header } : {}),
      ...(config.timeout !== undefined ? { timeout: config.timeout } : {}),
    })
  }

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => platform.setTimeout(resolve, ms))

  /** The server may not have the final result the instant the user is back: ask a few times. */
  async function fetchResult(client: ApiClient, kind: TokenKind, token: string): Promise<VerificationResult> {
    let result = await client.getResult(kind, token)
    for (let i = 0; i < RESULT_RETRIES && result.status === 'pending'; i++) {
      await sleep(RESULT_RETRY_DELAY)
      result = await client.getResult(kind, token)
    }
    return result
  }

  /** The server's verdict when it has one (one request; a failed request counts as none). */
  async function verdict(client: ApiClient, kind: TokenKind, token: string): Promise<FlowOutcome | undefined> {
    const result = await client.getResult(kind, token).catch(() => undefined)
    return result && result.status !== 'pending' ? { status: 'result', result } : undefined
  }

  /**
   * Whatever the SDK said, pass or fail is the server's answer, asked the moment the SDK answers
   * (`run.early`: a request is not UI work). The app hears the outcome once `run.promise` settled
   * too, i.e. after the settle delay, because what it does then is UI work.
   */
  async function finish(client: ApiClient, kind: TokenKind, token: string, run: Run, hooks: FlowHooks): Promise<FlowOutcome> {
    // Handled now: it may reject (the SDK's failure) long before the request is done.
    const uiSafe = run.promise.catch(() => undefined)
    try {
      const outcome = await ask(client, kind, token, run.early)
      if (outcome.status === 'result') hooks.onResult?.(outcome.result)
      return outcome
    } finally {
      await uiSafe
    }
  }

  /**
   * "Cancelled" is a guess — the SDK stayed silent, or answered after the kit stopped waiting
   * (verify_mpsdk's result request after WeChat's face screen can take seconds) — so the server is
   * asked once before the app hears it: a verification Tencent completed is never reported as
   * cancelled.
   */
  async function ask(client: ApiClient, kind: TokenKind, token: string, run: Promise<VerifyOutcome>): Promise<FlowOutcome> {
    let outcome: VerifyOutcome
    try {
      outcome = await run
    } catch (error) {
      // The SDK reported a failure (its ErrorCode, or an intention code): the server knows whether it was final.
      const known = error instanceof FaceIdKitError && /^-?\d|^INT/.test(String(error.code)) && (await verdict(client, kind, token))
      if (known) return known
      throw error
    }
    if (outcome.status === 'cancelled') return (await verdict(client, kind, token)) ?? { status: 'cancelled', token, reason: outcome.reason }
    return { status: 'result', result: await fetchResult(client, kind, token) }
  }

  return {
    configure(next) {
      config = { ...config, ...next }
    },
    getConfig: () => config,
    initFaceVerify: face.init,
    startFaceVerify: (options) => face.start(options).promise,
    initEid: eid.init,
    startEid: (options) => eid.start(options).promise,
    canEmbedEid: eid.canEmbed,
    notifyShow: runner.notifyShow,
    isBusy: () => runner.busy,
    api,
    async verifyFace(options = {}) {
      if (runner.busy) throw busyError()
      face.init() // a missing SDK should fail before a token is spent
      const client = api(options)
      const { token } = await client.createToken('face')
      options.onStart?.(token)
      const run = face.start(options.startPath === undefined ? { token } : { token, startPath: options.startPath })
      return finish(client, 'face', token, run, options)
    },
    async prepareEid(overrides = {}) {
      const client = api(overrides)
      const response = await client.createToken('eid')
      const now = Date.now()
      const serverExpiry = Date.parse(response.expiresAt)
      // Trust the server's expiry but never beyond Tencent's 600 s (clocks may disagree).
      const lifetime = Number.isFinite(serverExpiry)
        ? Math.min(Math.max(serverExpiry - now, 0), EID_TOKEN_LIFETIME_MS)
        : EID_TOKEN_LIFETIME_MS
      const token = response.token
      return {
        token,
        expiresAt: now + lifetime,
        start(options = {}) {
          // Synchronous up to the SDK call: the jump must happen inside the tap.
          const run = eid.start({ ...options, token })
          return finish(client, 'eid', token, run, options)
        },
      }
    },
    isEidReturn,
    withEidReturnGuard,
  }
}
