/**
 * startFaceVerify against the simulated verify_mpsdk (both compiled): every behaviour of
 * docs/sdk-behavior.md ("verify_mpsdk", as observed on the real build), each
 * asserting whether and how the promise settles.
 */
import { setImmediate as realSetImmediate } from 'node:timers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, makeToken } from './helpers/fake-wx'
import { forgetModules, loadFaceSim, loadKit, type FaceSimMain, type FaceSimSandbox, type KitModule } from './helpers/load'
import { ServerStub } from './helpers/server-stub'
import { flush, track } from './helpers/track'

const TOKEN = makeToken(1)

let fake: FakeWx
let kit: KitModule
let sim: FaceSimMain
let sandbox: FaceSimSandbox

function setup(options: ConstructorParameters<typeof FakeWx>[0] = {}): void {
  fake = new FakeWx(options).install()
  forgetModules()
  kit = loadKit()
  ;({ main: sim, sandbox } = loadFaceSim())
  kit.configure({ loadFaceSdk: () => sim, settleDelay: 0, returnTimeout: 2000 })
}

/** Starts a verification and lets the SDK fetch its config and open its page. */
async function started(options: { token: string; startPath?: string } = { token: TOKEN }) {
  const run = track(kit.startFaceVerify(options))
  await flush()
  return run
}

beforeEach(() => {
  vi.useFakeTimers()
  setup()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('init', () => {
  it('loads the SDK lazily and runs its init once, however often the kit is initialised', () => {
    const load = vi.fn(() => sim)
    kit.configure({ loadFaceSdk: load })
    expect(load).not.toHaveBeenCalled()
    kit.initFaceVerify()
    kit.initFaceVerify()
    expect(load).toHaveBeenCalledTimes(1)
    expect(typeof fake.global.startVerify).toBe('function')
    expect(fake.networkListeners).toHaveLength(1)
  })

  it('does not run init again when the app already ran Tencent’s Verify.init()', () => {
    sim.init({ env: 'release' })
    const load = vi.fn(() => sim)
    kit.configure({ loadFaceSdk: load })
    kit.initFaceVerify()
    expect(load).not.toHaveBeenCalled()
    expect(fake.networkListeners).toHaveLength(1)
  })

  it('names the folder to copy and the app.json page when the SDK is missing', async () => {
    kit.configure({ loadFaceSdk: undefined })
    expect(() => kit.initFaceVerify()).toThrow(/verify_mpsdk.*verify_mpsdk\/index\/index/)
    kit.configure({
      loadFaceSdk: () => {
        throw new Error("module 'verify_mpsdk/main.js' is not defined")
      },
    })
    const run = track(kit.startFaceVerify({ token: TOKEN }))
    await flush()
    expect(run.state).toBe('rejected')
    expect(run.error).toMatchObject({ code: 'SDK_MISSING', retryable: false })
  })

  it('rejects (does not hang) when the simulated SDK refuses a release build', async () => {
    setup({ envVersion: 'release' })
    const run = track(kit.startFaceVerify({ token: TOKEN }))
    await flush()
    expect(run.state).toBe('rejected')
    expect(run.error).toMatchObject({ code: 'SDK_ERROR' })
    expect(String((run.error as Error).message)).toMatch(/release/)
  })
})

describe('validation keeps the SDK’s silent modals from swallowing a call', () => {
  it.each([
    ['too short', 'abc'],
    ['bad character', `${TOKEN.slice(0, 35)}_`],
    ['not a string', 42],
    ['missing', undefined],
  ])('rejects a token that is %s before the SDK sees it', async (_label, token) => {
    const run = track(kit.startFaceVerify({ token } as unknown as { token: string }))
    await flush()
    expect(run.state).toBe('rejected')
    expect(run.error).toMatchObject({ code: 'INVALID_TOKEN', retryable: false })
    expect(fake.modals).toEqual([])
    expect(fake.pages).toHaveLength(1)
    expect(kit.isBusy()).toBe(false)
  })

  it('rejects a startPath that does not start with "/"', async () => {
    const run = track(kit.startFaceVerify({ token: TOKEN, startPath: 'pages/verify/index' }))
    await flush()
    expect(run.error).toMatchObject({ code: 'INVALID_OPTIONS' })
  })

  it.each([
    ['WeCom', { environment: 'wxwork' }],
    ['old WeChat on iOS', { platform: 'ios', version: '6.6.6' }],
    ['old WeChat on Android', { platform: 'android', version: '6.7.1' }],
  ])('refuses %s, which the SDK would block with a modal and no callback', async (_label, system) => {
    setup(system)
    const run = track(kit.startFaceVerify({ token: TOKEN }))
    await flush()
    expect(run.error).toMatchObject({ code: 'UNSUPPORTED_CLIENT' })
    expect(fake.modals).toEqual([])
  })

  it('lets current WeChat through on Android', async () => {
    setup({ platform: 'android', version: '6.7.2' })
    const run = await started()
    expect(run.state).toBe('pending')
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
  })
})

describe('results', () => {
  it('resolves "done" after the SDK page goes back and success fires', async () => {
    const run = await started()
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    expect(run.state).toBe('pending')
    await sandbox.finish('passed')
    await flush()
    expect(fake.pages).toHaveLength(1)
    expect(run).toEqual({ state: 'resolved', value: { status: 'done', kind: 'face', token: TOKEN } })
  })

  it('rejects with the SDK ErrorCode, message and retryable on fail', async () => {
    const run = await started()
    await sandbox.finish('failed', 2002)
    await flush()
    expect(run.state).toBe('rejected')
    expect(run.error).toMatchObject({ name: 'FaceIdKitError', code: 2002, retryable: false, token: TOKEN })
    const retry = await started()
    await sandbox.finish('failed', 1004)
    await flush()
    expect(retry.error).toMatchObject({ code: 1004, retryable: true })
  })

  it('resolves "cancelled" (user-cancel) on 90100', async () => {
    const run = await started()
    await sandbox.finish('cancel')
    await flush()
    expect(run.value).toEqual({ status: 'cancelled', kind: 'face', token: TOKEN, reason: 'user-cancel' })
  })

  it.each([
    ['without', {}],
    ['with', { pageObjects: true }],
  ])('on 90100 inside the SDK page, closes the page the SDK leaves open (%s getCurrentPages)', async (_label, system) => {
    setup(system)
    const run = await started()
    await sandbox.finish('cancel')
    await flush()
    expect(run.value).toEqual({ status: 'cancelled', kind: 'face', token: TOKEN, reason: 'user-cancel' })
    // Left open, the SDK page would let the user pass after the app was told "cancelled".
    expect(fake.pages).toHaveLength(1)
    expect(kit.isBusy()).toBe(false)
  })

  it('does not close the caller’s page on 90100 from the native flow (no SDK page)', async () => {
    sandbox.configureSandbox({ nativeFlow: true })
    fake.pages.push({ route: '/pages/caller/index' })
    const run = await started()
    fake.closeNativeFace('cancel')
    await flush()
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'user-cancel' })
    expect(fake.pages).toHaveLength(2)
    expect(fake.navigateBackCalls).toBe(0)
  })

  it('resolves "cancelled" (no-callback) a bounded wait after the user is back from "back to home" (-999)', async () => {
    const run = await started()
    await sandbox.finish('home')
    kit.notifyShow() // the caller page's onShow
    await flush(1999)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toEqual({ status: 'cancelled', kind: 'face', token: TOKEN, reason: 'no-callback' })
    expect(kit.isBusy()).toBe(false)
  })

  it('also notices the return through wx.onAppShow, and stops listening afterwards', async () => {
    const run = await started()
    expect(fake.appShowListeners).toHaveLength(1)
    await sandbox.finish('home')
    fake.emitAppShow({ scene: 1001 })
    await flush(2000)
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'no-callback' })
    expect(fake.appShowListeners).toHaveLength(0)
  })

  it('ignores a show while the SDK page is still on top', async () => {
    setup({ pageObjects: true })
    const run = await started()
    fake.emitAppShow({ scene: 1001 }) // e.g. back from the camera permission dialog
    await flush(5000)
    expect(run.state).toBe('pending')
    await sandbox.finish('passed')
    await flush()
    expect(run.value).toMatchObject({ status: 'done' })
  })

  it('ignores a callback that arrives after the wait gave up (settles once)', async () => {
    const run = await started()
    kit.notifyShow()
    await flush(2000)
    expect(run.value).toMatchObject({ status: 'cancelled' })
    await sandbox.finish('passed')
    await flush()
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'no-callback' })
    expect(kit.isBusy()).toBe(false)
  })

  it('waits Tencent’s 500 ms after the callback by default, once, inside the wrapper', async () => {
    kit.configure({ settleDelay: undefined })
    const run = await started()
    await sandbox.finish('passed')
    await flush(499)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.state).toBe('resolved')
  })

  it('maps the native flow’s cancel (wx.startFacialRecognitionVerify) to 90100 → cancelled', async () => {
    sandbox.configureSandbox({ nativeFlow: true })
    fake.global.startFacialRecognitionVerify = (o: { fail: (e: { errMsg: string }) => void }) =>
      o.fail({ errMsg: 'startFacialRecognitionVerify:fail cancel' })
    const run = await started()
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'user-cancel' })
    expect(fake.pages).toHaveLength(1)
  })

  it('passes startPath (uni-app indexCom host page) and never endPath', async () => {
    const spy = vi.fn()
    kit.initFaceVerify()
    const original = fake.global.startVerify as (o: unknown) => void
    ;fake.global.startVerify = (o: { data: unknown }) => {
      spy(o.data)
      original(o)
    }
    const run = await started({ token: TOKEN, startPath: '/pages/verify/index', endPath: '/x' } as never)
    expect(spy).toHaveBeenCalledWith({ token: TOKEN, startPath: '/pages/verify/index' })
    expect(fake.topRoute).toBe('/pages/verify/index')
    await sandbox.finish('passed')
    await flush()
    expect(run.state).toBe('resolved')
    expect(fake.redirects).toEqual([])
  })

  it('rejects SDK_ERROR when the SDK throws, and frees the kit for the next try', async () => {
    kit.initFaceVerify()
    ;fake.global.startVerify = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'token')")
    }
    const run = track(kit.startFaceVerify({ token: TOKEN }))
    await flush()
    expect(run.error).toMatchObject({ code: 'SDK_ERROR' })
    expect(kit.isBusy()).toBe(false)
  })

  it('rejects a network failure while finishing as the SDK’s 101', async () => {
    sandbox.configureSandbox({ baseUrl: 'http://sandbox.test' })
    fake.router = () => ({ fail: 'request:fail' })
    const run = await started()
    await sandbox.finish('passed')
    await flush()
    expect(run.error).toMatchObject({ code: 101, retryable: true })
  })

  it('settles "cancelled" (no-callback) once the user is back when the SDK’s navigateBack fails (no callback then)', async () => {
    const run = await started()
    fake.failNextNavigateBack = true
    await sandbox.finish('passed')
    fake.pages.pop() // the user leaves the SDK page with the back button
    kit.notifyShow()
    await flush(2000)
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'no-callback' })
  })
})

describe('silent SDK: a modal after its config request, no callback, no page', () => {
  it.each([
    ['the request domains are not whitelisted', { whitelisted: false }, /^接口还未添加到服务器域名/],
    ['the config answers 15 (BizToken expired)', { configErrorCode: 15 }, /BizToken已过期/],
    ['the config’s minimum WeChat version is above the client’s', { minWechatVersion: '8.0.60' }, /当前微信版本低于8\.0\.60/],
  ])('rejects SDK_STOPPED (retryable) with the SDK’s message once the user dismisses the modal: %s', async (_label, config, message) => {
    sandbox.configureSandbox(config)
    const run = await started()
    expect(fake.openModals).toHaveLength(1)
    expect(run.state).toBe('pending') // the user still reads the SDK's modal
    fake.dismissModal()
    await flush()
    expect(run.state).toBe('rejected')
    expect(run.error).toMatchObject({ name: 'FaceIdKitError', code: 'SDK_STOPPED', retryable: true, token: TOKEN })
    expect(String((run.error as Error).message)).toMatch(message)
    expect(kit.isBusy()).toBe(false)
    expect(fake.pages).toHaveLength(1)
  })

  it('rejects within the return timeout even if the modal is never dismissed', async () => {
    sandbox.configureSandbox({ configErrorCode: 15 })
    const run = await started()
    await flush(1999)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.error).toMatchObject({ code: 'SDK_STOPPED', retryable: true })
    expect(kit.isBusy()).toBe(false)
  })

  it('does not call a slow network a failure, even across an app show', async () => {
    sandbox.configureSandbox({ latencyMs: 15_000 })
    const run = await started()
    fake.emitAppShow({ scene: 1001 }) // e.g. the user switched apps while the config loads
    kit.notifyShow()
    await flush(14_999)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    await sandbox.finish('passed')
    await flush()
    expect(run.value).toMatchObject({ status: 'done' })
  })

  it('settles even when the config request never ends: a show then counts only after sdkTimeout', async () => {
    kit.configure({ sdkTimeout: 20_000 })
    sandbox.configureSandbox({ latencyMs: 3_600_000 })
    const run = await started()
    kit.notifyShow()
    await flush(19_999)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'no-callback' })
  })

  it('rejects SDK_ERROR when the SDK page cannot open (not in app.json), instead of hanging', async () => {
    fake.navigateToError = (url) => (url.startsWith('/verify_mpsdk/') ? 'page "verify_mpsdk/index/index" is not found' : undefined)
    const run = await started()
    expect(run.error).toMatchObject({ code: 'SDK_ERROR', retryable: false, token: TOKEN })
    expect(String((run.error as Error).message)).toMatch(/app\.json/)
    expect(kit.isBusy()).toBe(false)
  })

  it('a later start works again and no wrapper is left on wx', async () => {
    const modal = fake.global.showModal
    sandbox.configureSandbox({ whitelisted: false })
    const run = await started()
    fake.dismissModal()
    await flush()
    expect(run.state).toBe('rejected')
    expect(fake.global.showModal).toBe(modal)
    sandbox.configureSandbox({ whitelisted: true })
    const again = await started()
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    await sandbox.finish('passed')
    await flush()
    expect(again.value).toMatchObject({ status: 'done' })
  })
})

describe('native flow: WeChat shows the app again before the SDK has its result', () => {
  beforeEach(() => {
    sandbox.configureSandbox({ nativeFlow: true })
  })

  it.each([
    ['wx.onAppShow', () => undefined],
    ['wx.onAppShow and the caller page’s onShow', () => kit.notifyShow()],
  ])('resolves "done" when success comes 2.5 s after the show (%s)', async (_label, pageShow) => {
    const run = await started()
    sandbox.configureSandbox({ latencyMs: 2500 }) // the result request on a slow network
    fake.closeNativeFace('success')
    pageShow()
    await flush(2000)
    expect(run.state).toBe('pending')
    await flush(500)
    expect(run.value).toEqual({ status: 'done', kind: 'face', token: TOKEN })
  })

  it('still settles when the SDK never answers after the face screen closed (bounded by sdkTimeout)', async () => {
    kit.configure({ sdkTimeout: 20_000 })
    const run = await started()
    sandbox.configureSandbox({ latencyMs: 3_600_000 })
    fake.closeNativeFace('success')
    await flush(19_999)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'no-callback' })
  })
})

describe('verifyFace never reports "cancelled" for a verification Tencent completed', () => {
  let server: ServerStub
  beforeEach(() => {
    server = new ServerStub()
    fake.router = server.route
    kit.configure({ baseUrl: 'https://api.test', sdkTimeout: 5000 })
  })

  it('asks the server once after the SDK went quiet, and reports its verdict', async () => {
    sandbox.configureSandbox({ nativeFlow: true })
    const run = track(kit.verifyFace())
    await flush()
    sandbox.configureSandbox({ latencyMs: 60_000 }) // the SDK's answer comes far too late
    server.results.set(server.last, 'passed')
    fake.closeNativeFace('success')
    await flush(5000)
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'passed', token: server.last } })
  })

  it('reports "cancelled" when the server has no verdict either', async () => {
    const run = track(kit.verifyFace())
    await flush()
    await sandbox.finish('home')
    kit.notifyShow()
    await flush(2000)
    expect(run.value).toEqual({ status: 'cancelled', token: server.last, reason: 'no-callback' })
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(1)
  })
})

describe('the settle delay holds what the app hears, not the request to the server', () => {
  // Tencent's samples hold the code after a callback 500 ms "so that iOS does not skip the
  // following logic": UI work while the SDK's page goes back. The server request is not UI.
  let server: ServerStub
  const gets = () => fake.requests.filter((r) => r.method === 'GET')
  beforeEach(() => {
    server = new ServerStub()
    fake.router = server.route
    kit.configure({ baseUrl: 'https://api.test', settleDelay: undefined })
  })

  it('asks the server the moment the SDK answers, and resolves 500 ms after the answer', async () => {
    const onResult = vi.fn()
    const run = track(kit.verifyFace({ onResult }))
    await flush()
    server.results.set(server.last, 'passed')
    await sandbox.finish('passed') // answers inside its page's navigateBack
    await flush()
    expect(fake.topRoute).toBe('/pages/home/index')
    expect(gets()).toHaveLength(1)
    expect(onResult).toHaveBeenCalledWith(expect.objectContaining({ status: 'passed', token: server.last }))
    expect(run.state).toBe('pending')
    expect(kit.isBusy()).toBe(true) // the SDK's page may still be going back: no second start yet
    await flush(499)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'passed', token: server.last } })
    expect(onResult).toHaveBeenCalledTimes(1)
    expect(gets()).toHaveLength(1)
    expect(kit.isBusy()).toBe(false)
  })

  it('resolves when a slow server answers, not 500 ms plus the request', async () => {
    fake.router = (req) => (req.method === 'GET' ? new Promise((resolve) => setTimeout(() => resolve(server.route(req)), 800)) : server.route(req))
    const onResult = vi.fn()
    const run = track(kit.verifyFace({ onResult }))
    await flush()
    server.results.set(server.last, 'passed')
    await sandbox.finish('passed')
    await flush(799)
    expect(onResult).not.toHaveBeenCalled()
    expect(run.state).toBe('pending')
    await flush(1)
    expect(onResult).toHaveBeenCalledTimes(1)
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'passed' } })
  })

  it('an SDK failure: the verdict is asked at once, the app hears it after the delay', async () => {
    const onResult = vi.fn()
    const run = track(kit.verifyFace({ onResult }))
    await flush()
    server.results.set(server.last, 'failed')
    await sandbox.finish('failed', 2002)
    await flush()
    expect(gets()).toHaveLength(1)
    expect(onResult).toHaveBeenCalledWith(expect.objectContaining({ status: 'failed', code: 2002 }))
    await flush(499)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'failed', code: 2002 } })
  })

  it('an SDK failure the server has no verdict for still rejects after the delay', async () => {
    const run = track(kit.verifyFace())
    await flush()
    await sandbox.finish('failed', 2002)
    await flush()
    expect(gets()).toHaveLength(1)
    await flush(499)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.error).toMatchObject({ code: 2002 })
  })

  it('an SDK failure while the request is still out is no unhandled rejection (no delay: both settle at once)', async () => {
    kit.configure({ settleDelay: 0 })
    fake.router = (req) => (req.method === 'GET' ? new Promise((resolve) => setTimeout(() => resolve(server.route(req)), 300)) : server.route(req))
    const unhandled: unknown[] = []
    const record = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', record)
    try {
      const run = track(kit.verifyFace())
      await flush()
      await sandbox.finish('failed', 2002)
      await new Promise((resolve) => realSetImmediate(resolve)) // Node reports unhandled rejections by then
      await flush(300)
      expect(run.error).toMatchObject({ code: 2002 })
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', record)
    }
  })

  it('the user’s cancel (90100): the kit closes the page and asks the server at once; "cancelled" after the delay', async () => {
    const run = track(kit.verifyFace())
    await flush()
    await sandbox.finish('cancel')
    await flush()
    expect(fake.topRoute).toBe('/pages/home/index')
    expect(gets()).toHaveLength(1)
    await flush(499)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toEqual({ status: 'cancelled', token: server.last, reason: 'user-cancel' })
  })

  it('no delay where the SDK did not answer: "back to home" ends returnTimeout after the show', async () => {
    const run = track(kit.verifyFace())
    await flush()
    await sandbox.finish('home')
    kit.notifyShow()
    await flush(1999)
    expect(gets()).toHaveLength(0)
    await flush(1)
    expect(gets()).toHaveLength(1)
    expect(run.value).toEqual({ status: 'cancelled', token: server.last, reason: 'no-callback' })
  })
})

describe('one verification at a time', () => {
  it('rejects a second start with BUSY while one runs, and accepts one after it settles', async () => {
    const first = track(kit.startFaceVerify({ token: TOKEN }))
    const second = track(kit.startFaceVerify({ token: makeToken(2) }))
    await flush()
    expect(second.error).toMatchObject({ code: 'BUSY', retryable: true })
    expect(first.state).toBe('pending')
    await sandbox.finish('passed')
    await flush()
    expect(first.state).toBe('resolved')
    const third = track(kit.startFaceVerify({ token: makeToken(3) }))
    await flush()
    expect(third.state).toBe('pending')
    expect(kit.isBusy()).toBe(true)
  })
})
