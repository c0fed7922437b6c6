/**
 * startEid against the simulated mp_ecard_sdk (both compiled): every behaviour of
 * reference/sdk-behavior.md §mp_ecard_sdk, each asserting whether and how the promise settles.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, makeToken } from './helpers/fake-wx'
import { forgetModules, loadEidSim, loadKit, requireCompiled, type EidSimMain, type EidSimSandbox, type KitModule } from './helpers/load'
import { flush, track } from './helpers/track'

const TOKEN = makeToken(7)
const EID_APP_ID = 'wx0e2cb0b052a91c92'

let fake: FakeWx
let kit: KitModule
let sim: EidSimMain
let sandbox: EidSimSandbox

function setup(options: ConstructorParameters<typeof FakeWx>[0] = {}): void {
  fake = new FakeWx(options).install()
  forgetModules()
  kit = loadKit()
  ;({ main: sim, sandbox } = loadEidSim())
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
  it('jumps synchronously inside the call (WeChat’s tap rule) with the SDK’s parameters', () => {
    void kit.startEid({ token: TOKEN })
    // No await: the jump must already have happened.
    expect(fake.jumps).toHaveLength(1)
    const jump = fake.jumps[0]!
    expect(jump.api).toBe('navigateToMiniProgram')
    expect(jump.options).toMatchObject({
      appId: EID_APP_ID,
      path: 'pages/huiyan/index',
      envVersion: 'release',
      allowFullScreen: true,
      extraData: { useHuiyan: true, huiyanToken: TOKEN },
    })
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

  it('resolves "cancelled" (jump-cancel) at once on "fail cancel", and keeps the caller page that 1.0.7 would pop', async () => {
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

  it('settles once even when two initEid listeners both call back', async () => {
    sim.initEid() // e.g. the app also called Tencent's initEid itself
    const run = track(kit.startEid({ token: TOKEN }))
    fake.eidReturn(TOKEN)
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toMatchObject({ status: 'done' })
  })
})

describe('needJumpPage', () => {
  it('goes through the SDK’s confirm page, whose button jumps; the return resolves "done"', async () => {
    const run = track(kit.startEid({ token: TOKEN, needJumpPage: true }))
    expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
    expect(fake.jumps).toHaveLength(0)
    sim.jumpToEid() // "确认进入"
    expect(fake.jumps).toHaveLength(1)
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toMatchObject({ status: 'done', jump: 'navigate' })
  })

  it('lets 1.0.7’s navigateBack close its own confirm page on "fail cancel"', async () => {
    fake.jumpResult = 'fail cancel'
    const run = track(kit.startEid({ token: TOKEN, needJumpPage: true }))
    sim.jumpToEid()
    await flush()
    expect(run.value).toMatchObject({ status: 'cancelled', reason: 'jump-cancel' })
    expect(fake.navigateBackCalls).toBe(1)
    expect(fake.pages).toHaveLength(1)
  })

  it('follows globalConfig.normalPath when the SDK is not at the root', async () => {
    const globalConfig = requireCompiled<{ default: { normalPath: string } }>('mp_ecard_sdk/globalConfig.js')
    globalConfig.default.normalPath = '/pages'
    try {
      void kit.startEid({ token: TOKEN, needJumpPage: true })
      expect(fake.topRoute).toBe(`/pages/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
    } finally {
      globalConfig.default.normalPath = ''
    }
  })
})

describe('half-screen', () => {
  it('opens eID with openEmbeddedMiniProgram when asked and supported', async () => {
    const run = track(kit.startEid({ token: TOKEN, embedded: true, allowFullScreen: false }))
    expect(fake.jumps[0]).toMatchObject({ api: 'openEmbeddedMiniProgram', options: { allowFullScreen: false } })
    fake.eidReturn(TOKEN)
    await flush()
    expect(run.value).toEqual({ status: 'done', kind: 'eid', token: TOKEN, jump: 'embedded', embeddedFallback: false })
  })

  it.each([
    ['base library < 2.20.1', { SDKVersion: '2.19.4' }],
    ['no openEmbeddedMiniProgram', { embedded: false }],
  ])('falls back to a normal jump and reports it (%s)', async (_label, system) => {
    setup(system)
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
