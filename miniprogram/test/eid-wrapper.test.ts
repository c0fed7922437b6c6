/**
 * startEid against the simulated mp_ecard_sdk (both compiled): every behaviour of
 * docs/sdk-behavior.md ("mp_ecard_sdk", as observed on the real builds), each
 * asserting whether and how the promise settles — per build where the builds differ
 * (1.0.7 WeChat, 1.0.9 half-screen WeChat, uni_1.0.5).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, makeToken } from './helpers/fake-wx'
import { forgetModules, loadEidSim, loadKit, requireCompiled, type EidSimMain, type EidSimSandbox, type KitModule } from './helpers/load'
import { ServerStub } from './helpers/server-stub'
import { flush, track } from './helpers/track'

const TOKEN = makeToken(7)
const EID_APP_ID = 'wx0e2cb0b052a91c92'
type Build = '1.0.7' | '1.0.9' | 'uni_1.0.5'
const BUILDS: Build[] = ['1.0.7', '1.0.9', 'uni_1.0.5']
const HALF_SCREEN_BUILDS: Build[] = ['1.0.9', 'uni_1.0.5']

let fake: FakeWx
let kit: KitModule
let sim: EidSimMain
let sandbox: EidSimSandbox

function setup(options: ConstructorParameters<typeof FakeWx>[0] = {}, build?: Build): void {
  fake = new FakeWx(options).install()
  forgetModules()
  kit = loadKit()
  ;({ main: sim, sandbox } = loadEidSim())
  if (build) sandbox.configureSandbox({ build })
  kit.configure({ loadEidSdk: () => sim, settleDelay: 0, returnTimeout: 2000 })
}

beforeEach(() => {
  vi.useFakeTimers()
  setup()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('initEid', () => {
  it('runs initEid once with the configured arguments, so the SDK’s unguarded onAppShow listener is added once', () => {
    const initEid = vi.fn(sim.initEid)
    kit.configure({ loadEidSdk: () => ({ ...sim, initEid }), eid: { baseUrl: 'https://eid.example', envVersion: 'trial' } })
    kit.initEid()
    kit.initEid()
    expect(initEid).toHaveBeenCalledTimes(1)
    expect(initEid).toHaveBeenCalledWith('https://eid.example', 'trial', undefined)
    expect(fake.global.eid_envVersion).toBe('trial')
    expect(fake.appShowListeners).toHaveLength(1)
  })

  it('names the folder and page to add when the SDK is missing', async () => {
    kit.configure({ loadEidSdk: undefined })
    const run = track(kit.startEid({ token: TOKEN }))
    await flush()
    expect(run.error).toMatchObject({ code: 'SDK_MISSING' })
    expect(String((run.error as Error).message)).toMatch(/mp_ecard_sdk.*mp_ecard_sdk\/index\/index/)
  })

  it('rejects (does not hang) when the simulated SDK refuses a release build', async () => {
    setup({ envVersion: 'release' })
    const run = track(kit.startEid({ token: TOKEN }))
    await flush()
    expect(run.error).toMatchObject({ code: 'SDK_ERROR' })
    expect(fake.jumps).toEqual([])
  })
})

describe('validation', () => {
  it('rejects a bad token before the SDK shows "传入的token有误"', async () => {
    const run = track(kit.startEid({ token: 'short' }))
    await flush()
    expect(run.error).toMatchObject({ code: 'INVALID_TOKEN' })
    expect(fake.modals).toEqual([])
    expect(fake.jumps).toEqual([])
  })

  it('rejects non-boolean options', async () => {
    const run = track(kit.startEid({ token: TOKEN, embedded: 'yes' } as never))
    await flush()
    expect(run.error).toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})

describe('jump and return', () => {
  it.each(BUILDS)('jumps synchronously inside the call (WeChat’s tap rule) with the SDK’s parameters (%s)', (build) => {
    setup({}, build)
    void kit.startEid({ token: TOKEN })
    // No await: the jump must already have happened.
    expect(fake.jumps).toHaveLength(1)
    const jump = fake.jumps[0]!
    expect(jump.api).toBe('navigateToMiniProgram')
    expect(jump.options).toMatchObject({
      appId: EID_APP_ID,
      path: 'pages/huiyan/index',
      envVersion: 'release',
      extraData: { useHuiyan: true, huiyanToken: TOKEN },
    })
    // 1.0.7 has no half-screen and passes no allowFullScreen.
    if (build === '1.0.7') expect(jump.options).not.toHaveProperty('allowFullScreen')
    else expect(jump.options).toMatchObject({ allowFullScreen: true })
  })

  it('rejects SDK_ERROR when startEid itself throws, and frees the kit for the next try', async () => {
    kit.configure({
      loadEidSdk: () => ({
        initEid: sim.initEid,
        startEid: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'data')")
        },
      }),
    })
    const run = track(kit.startEid({ token: TOKEN }))
    await flush()
    expect(run.error).toMatchObject({ code: 'SDK_ERROR', retryable: false, token: TOKEN })
    expect(kit.isBusy()).toBe(false)
    expect(fake.appShowListeners).toHaveLength(1) // the SDK's; the kit's own is gone
  })

  it('resolves "done" on the scene-1038 return carrying verifyDone and the same token', async () => {
    const run = track(kit.startEid({ token: TOKEN }))
    await flush()
    expect(run.state).toBe('pending')
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toEqual({ status: 'done', kind: 'eid', token: TOKEN, jump: 'navigate' })
    expect(fake.appShowListeners).toHaveLength(1) // the SDK's own; the kit's is gone
  })

  it.each([
    ['another token', { scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData: { verifyDone: true, token: makeToken(8) } } }],
    ['no verifyDone (user left eID early)', { scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData: { token: TOKEN } } }],
    ['another mini-program', { scene: 1038, referrerInfo: { appId: 'wx-other', extraData: { verifyDone: true, token: TOKEN } } }],
    ['no referrerInfo', { scene: 1038 }],
    ['another scene', { scene: 1001 }],
  ])('resolves "cancelled" (no-callback) after a bounded wait when the return has %s', async (_label, show) => {
    const run = track(kit.startEid({ token: TOKEN }))
    fake.emitAppShow(show)
    await flush(1999)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toEqual({ status: 'cancelled', kind: 'eid', token: TOKEN, reason: 'no-callback' })
  })

  it.each(BUILDS)('resolves "cancelled" (jump-cancel) at once on "fail cancel", and keeps the caller page (%s)', async (build) => {
    setup({}, build)
    fake.jumpResult = 'fail cancel'
    const original = fake.global.navigateToMiniProgram
    const run = track(kit.startEid({ token: TOKEN }))
    await flush()
    expect(run.value).toEqual({ status: 'cancelled', kind: 'eid', token: TOKEN, reason: 'jump-cancel' })
    expect(fake.navigateBackCalls).toBe(0)
    expect(fake.pages).toHaveLength(1)
    expect(fake.global.navigateToMiniProgram).toBe(original)
  })

  it('(the SDK alone, 1.0.7) pops the caller page after a failed jump and never calls back', () => {
    fake.jumpResult = 'fail cancel'
    sim.initEid()
    const callback = vi.fn()
    fake.pages.push({ route: '/pages/caller/index' })
    sim.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
    expect(fake.navigateBackCalls).toBe(1)
    expect(callback).not.toHaveBeenCalled()
  })

  it('rejects JUMP_FAILED (not retryable) when the jump was not from a tap', async () => {
    fake.jumpResult = 'fail can only be invoked by user TAP gesture'
    const run = track(kit.startEid({ token: TOKEN }))
    await flush()
    expect(run.error).toMatchObject({ code: 'JUMP_FAILED', retryable: false, token: TOKEN })
    expect(kit.isBusy()).toBe(false)
  })

  it.each(BUILDS)('resolves "done" once with two initEid listeners (%s)', async (build) => {
    setup({}, build)
    sim.initEid() // e.g. the app also called Tencent's initEid itself
    const run = track(kit.startEid({ token: TOKEN }))
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toMatchObject({ status: 'done' })
  })

  it('resolves "done" on any truthy verifyDone', async () => {
    const run = track(kit.startEid({ token: TOKEN }))
    fake.eidReturn(TOKEN, { verifyDone: 1 })
    await flush()
    expect(run.value).toMatchObject({ status: 'done' })
  })
})

describe('needJumpPage', () => {
  it.each(BUILDS)('goes through the SDK’s confirm page, whose button jumps; the return resolves "done" (%s)', async (build) => {
    setup({}, build)
    const run = track(kit.startEid({ token: TOKEN, needJumpPage: true }))
    expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
    expect(fake.jumps).toHaveLength(0)
    sim.jumpToEid() // "确认进入"
    expect(fake.jumps).toHaveLength(1)
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toMatchObject({ status: 'done', jump: 'navigate' })
  })

  it.each([
    ['1.0.7', {}],
    ['1.0.9', {}],
    ['uni_1.0.5', {}],
    ['uni_1.0.5', { pageObjects: true }],
  ] as const)('"fail cancel" on the confirm page: cancelled, and that page is gone (%s %o)', async (build, system) => {
    setup(system, build)
    fake.jumpResult = 'fail cancel'
    const run = track(kit.startEid({ token: TOKEN, needJumpPage: true }))
    sim.jumpToEid()
    await flush()
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'jump-cancel' })
    // The uni build leaves it open with a live token: a second 确认进入 would complete after the
    // app was told "cancelled". The WeChat builds close it themselves.
    expect(fake.pages).toHaveLength(1)
    expect(fake.navigateBackCalls).toBe(1)
    expect(kit.isBusy()).toBe(false)
  })

  it('uni build: a failed jump from the confirm page rejects JUMP_FAILED and closes that page', async () => {
    setup({}, 'uni_1.0.5')
    fake.jumpResult = 'fail can only be invoked by user TAP gesture'
    const run = track(kit.startEid({ token: TOKEN, needJumpPage: true }))
    sim.jumpToEid()
    await flush()
    expect(run.error).toMatchObject({ code: 'JUMP_FAILED', retryable: false })
    expect(fake.pages).toHaveLength(1)
  })

  it('uni build: follows globalConfig.normalPath when the SDK is not at the root', async () => {
    setup({}, 'uni_1.0.5')
    const globalConfig = requireCompiled<{ default: { normalPath: string } }>('mp_ecard_sdk/globalConfig.js')
    globalConfig.default.normalPath = '/pages'
    void kit.startEid({ token: TOKEN, needJumpPage: true })
    expect(fake.topRoute).toBe(`/pages/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
  })

  it.each([
    ['1.0.7, SDK folder not at the root', '1.0.7', ''],
    ['uni build, wrong normalPath', 'uni_1.0.5', '/pages'],
  ] as const)('rejects SDK_ERROR when the confirm page cannot open (%s), instead of hanging', async (_label, build, normalPath) => {
    setup({}, build)
    requireCompiled<{ default: { normalPath: string } }>('mp_ecard_sdk/globalConfig.js').default.normalPath = normalPath
    // The page is registered elsewhere than where the SDK looks for it.
    fake.navigateToError = (url) => (url.startsWith('/sub/') ? undefined : `page "${url.split('?')[0]}" is not found`)
    const run = track(kit.startEid({ token: TOKEN, needJumpPage: true }))
    await flush()
    expect(run.error).toMatchObject({ code: 'SDK_ERROR', retryable: false, token: TOKEN })
    expect(String((run.error as Error).message)).toMatch(/mp_ecard_sdk/)
    expect(kit.isBusy()).toBe(false)
  })
})

describe('1.0.7 forgets its token on any app show', () => {
  it('an app show before the return leaves the SDK silent: the kit settles, and prepareEid asks the server', async () => {
    const server = new ServerStub()
    fake.router = server.route
    kit.configure({ baseUrl: 'https://api.test' })
    const prepared = await kit.prepareEid()
    const run = track(prepared.start())
    fake.emitAppShow({ scene: 1001 }) // e.g. back from a system dialog while eID opened
    server.results.set(prepared.token, 'passed')
    fake.eidReturn(prepared.token)
    await flush(2000)
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'passed', token: prepared.token } })
  })
})

describe('the settle delay holds what the app hears, not the request to the server', () => {
  it.each(BUILDS)('prepareEid().start(): the server is asked on the return, the outcome follows 500 ms after it (%s)', async (build) => {
    setup({}, build)
    const server = new ServerStub()
    fake.router = server.route
    kit.configure({ baseUrl: 'https://api.test', settleDelay: undefined })
    const prepared = await kit.prepareEid()
    const onResult = vi.fn()
    const run = track(prepared.start({ onResult }))
    server.results.set(prepared.token, 'passed')
    fake.eidReturn(prepared.token)
    await flush()
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(1)
    expect(onResult).toHaveBeenCalledWith(expect.objectContaining({ status: 'passed', token: prepared.token }))
    await flush(499)
    expect(run.state).toBe('pending')
    await flush(1)
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'passed', token: prepared.token } })
  })

  it('a declined jump ("fail cancel") is no SDK answer: the outcome comes without the delay', async () => {
    const server = new ServerStub()
    fake.router = server.route
    kit.configure({ baseUrl: 'https://api.test', settleDelay: undefined })
    const prepared = await kit.prepareEid()
    fake.jumpResult = 'fail cancel'
    const run = track(prepared.start())
    await flush()
    expect(run.value).toEqual({ status: 'cancelled', token: prepared.token, reason: 'jump-cancel' })
  })
})

describe('half-screen', () => {
  it.each(HALF_SCREEN_BUILDS)('opens eID with openEmbeddedMiniProgram when asked and supported (%s)', async (build) => {
    setup({}, build)
    const run = track(kit.startEid({ token: TOKEN, embedded: true, allowFullScreen: false }))
    expect(fake.jumps[0]).toMatchObject({ api: 'openEmbeddedMiniProgram', options: { allowFullScreen: false } })
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toEqual({ status: 'done', kind: 'eid', token: TOKEN, jump: 'embedded', embeddedFallback: false })
  })

  it('1.0.7 (no half-screen) on a client that could: reports the normal jump it made as a fallback', async () => {
    setup({}, '1.0.7')
    expect(kit.canEmbedEid()).toBe(true)
    const run = track(kit.startEid({ token: TOKEN, embedded: true }))
    expect(fake.jumps[0]?.api).toBe('navigateToMiniProgram')
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toEqual({ status: 'done', kind: 'eid', token: TOKEN, jump: 'navigate', embeddedFallback: true })
  })

  it.each([
    ['base library < 2.20.1', { SDKVersion: '2.19.4' }],
    ['no openEmbeddedMiniProgram', { embedded: false }],
  ])('falls back to a normal jump and reports it (%s)', async (_label, system) => {
    setup(system, '1.0.9')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const run = track(kit.startEid({ token: TOKEN, embedded: true }))
    expect(fake.jumps[0]?.api).toBe('navigateToMiniProgram')
    expect(kit.canEmbedEid()).toBe(false)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('2.20.1'))
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toMatchObject({ status: 'done', jump: 'navigate', embeddedFallback: true })
    warn.mockRestore()
  })
})

describe('App onShow guard (scene 1038)', () => {
  it('recognises the return from eID, also when referrerInfo is missing', () => {
    expect(kit.isEidReturn({ scene: 1038, referrerInfo: { appId: EID_APP_ID } })).toBe(true)
    expect(kit.isEidReturn({ scene: 1038 })).toBe(false)
    expect(kit.isEidReturn({ scene: 1037, referrerInfo: { appId: EID_APP_ID } })).toBe(false)
    expect(kit.isEidReturn({ scene: 1038, referrerInfo: { appId: 'wx-other' } })).toBe(false)
    expect(kit.isEidReturn(undefined)).toBe(false)
  })

  it('wraps App options so the app’s own onShow skips that return and keeps everything else', () => {
    const onShow = vi.fn()
    const options = kit.withEidReturnGuard({ globalData: { a: 1 }, onShow })
    const app = { options }
    options.onShow.call(app, { scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData: {} } } as never)
    expect(onShow).not.toHaveBeenCalled()
    options.onShow.call(app, { scene: 1001 } as never)
    expect(onShow).toHaveBeenCalledTimes(1)
    expect(onShow.mock.contexts[0]).toBe(app)
    expect(options.globalData).toEqual({ a: 1 })
  })
})

describe('one verification at a time', () => {
  it('rejects a second start with BUSY, without jumping again', async () => {
    const first = track(kit.startEid({ token: TOKEN }))
    const second = track(kit.startEid({ token: makeToken(9) }))
    await flush()
    expect(second.error).toMatchObject({ code: 'BUSY' })
    expect(fake.jumps).toHaveLength(1)
    fake.eidReturn(TOKEN)
    await flush()
    expect(first.value).toMatchObject({ status: 'done' })
  })
})
