/**
 * The simulated SDKs on their own (compiled): they must behave like Tencent's builds as described
 * in docs/sdk-behavior.md (what was observed on the real builds wins over Tencent's
 * documentation), including every path where no callback ever fires. mp_ecard_sdk is checked
 * per build (1.0.7, a half-screen WeChat build 1.0.9, uni_1.0.5).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, makeToken, type FakeRequest } from './helpers/fake-wx'
import { PACKAGE_DIR, forgetModules, loadEidSim, loadFaceSim, requireCompiled, type EidSimMain, type EidSimSandbox } from './helpers/load'
import { flush } from './helpers/track'

const TOKEN = makeToken(3)
const EID_APP_ID = 'wx0e2cb0b052a91c92'

let fake: FakeWx
beforeEach(() => {
  vi.useFakeTimers()
  fake = new FakeWx().install()
  forgetModules()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

type StartVerify = (options: unknown) => void

describe('simulated verify_mpsdk (v1.0.28)', () => {
  function initFace(): { startVerify: StartVerify; sandbox: ReturnType<typeof loadFaceSim>['sandbox'] } {
    const { main, sandbox } = loadFaceSim()
    main.init({ env: 'release' }) // the argument is ignored
    return { startVerify: fake.global.startVerify as StartVerify, sandbox }
  }

  it('init installs wx.startVerify and the default domain, and re-registers its network listener each time', () => {
    const { main } = loadFaceSim()
    main.init()
    main.init()
    expect(typeof fake.global.startVerify).toBe('function')
    expect(fake.global.verifyBaseUrl).toBe('https://faceid.qq.com')
    expect(fake.networkListeners).toHaveLength(2)
    fake.networkListeners[0]!({ isConnected: false, networkType: 'none' })
    fake.networkListeners[0]!({ isConnected: true, networkType: '2g' })
    expect(fake.toasts).toEqual(['网络未连接', '当前网络较差'])
  })

  it('refuses a release build', () => {
    fake = new FakeWx({ envVersion: 'release' }).install()
    const { main } = loadFaceSim()
    expect(() => main.init()).toThrow(/release/)
  })

  it('throws a TypeError when data is missing (it reads data.token first)', () => {
    const { startVerify } = initFace()
    expect(() => startVerify({ success: vi.fn(), fail: vi.fn() })).toThrow(TypeError)
  })

  it.each([
    ['success', { data: { token: TOKEN }, fail: vi.fn() }],
    ['fail', { data: { token: TOKEN }, success: vi.fn() }],
  ])('shows a modal and never calls back when %s is missing', async (_label, options) => {
    const { startVerify } = initFace()
    startVerify(options)
    await flush()
    expect(fake.modals).toEqual(['调用SDK失败，wx.startVerify传入参数缺少！'])
    expect(fake.pages).toHaveLength(1)
  })

  it('logs in and reports before it validates anything, even for a bad token', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    const fail = vi.fn()
    startVerify({ data: { token: 'x'.repeat(35) }, success, fail })
    await flush()
    expect(fake.loginCalls).toBe(1)
    expect(sandbox.tencentCalls()).toEqual(['report:startVerify'])
    expect(fake.modals).toEqual(['调用SDK失败,token格式错误！'])
    expect(success).not.toHaveBeenCalled()
    expect(fail).not.toHaveBeenCalled()
  })

  it('fetches its config (main domain) before it opens a page, and the page URL has no token', async () => {
    const { startVerify, sandbox } = initFace()
    sandbox.configureSandbox({ latencyMs: 3000 })
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail: vi.fn() })
    await flush(2999)
    expect(fake.pages).toHaveLength(1) // still waiting for the config
    await flush(1)
    expect(sandbox.tencentCalls()).toEqual(['report:startVerify', `getConfig:https://faceid.qq.com?BizToken=${TOKEN}`])
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    expect(sandbox.current()).toEqual({ token: TOKEN })
  })

  describe('silent config failures: a modal, no callback, no page', () => {
    it.each([
      ['the domains are not whitelisted (main once, backup three times)', { whitelisted: false }, /^接口还未添加到服务器域名/, 5],
      ['the config answers 15 (BizToken expired)', { configErrorCode: 15 }, /^获取配置失败,BizToken已过期$/, 2],
      ['the config’s minimum WeChat version is above the client’s', { minWechatVersion: '8.0.45' }, /^当前微信版本低于8\.0\.45/, 2],
    ])('%s', async (_label, config, modal, tencentCalls) => {
      fake = new FakeWx({ platform: 'android', version: '8.0.40' }).install()
      const { startVerify, sandbox } = initFace()
      sandbox.configureSandbox(config)
      const success = vi.fn()
      const fail = vi.fn()
      startVerify({ data: { token: TOKEN }, success, fail })
      await flush()
      expect(fake.modals).toEqual([expect.stringMatching(modal)])
      expect(sandbox.tencentCalls()).toHaveLength(tencentCalls)
      fake.dismissModal()
      await flush(60_000)
      expect(success).not.toHaveBeenCalled()
      expect(fail).not.toHaveBeenCalled()
      expect(fake.pages).toHaveLength(1)
      expect(fake.nativeFace).toBeUndefined()
    })

    it('uses the backup domain after the main one', async () => {
      const { startVerify, sandbox } = initFace()
      sandbox.configureSandbox({ whitelisted: false })
      startVerify({ data: { token: TOKEN }, success: vi.fn(), fail: vi.fn() })
      await flush()
      expect(sandbox.tencentCalls().slice(1).map((c) => c.split('?')[0])).toEqual([
        'getConfig:https://faceid.qq.com',
        'getConfig:https://faceid.qcloud.com',
        'getConfig:https://faceid.qcloud.com',
        'getConfig:https://faceid.qcloud.com',
      ])
    })
  })

  it.each([
    ['WeCom', { environment: 'wxwork' }],
    ['old iOS WeChat', { platform: 'ios', version: '6.6.6' }],
  ])('blocks %s with a modal and no callback, after the config fetch', async (_label, system) => {
    fake = new FakeWx(system).install()
    const { startVerify, sandbox } = initFace()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail })
    expect(fake.modals).toEqual([])
    await flush()
    expect(sandbox.tencentCalls()).toContain(`getConfig:https://faceid.qq.com?BizToken=${TOKEN}`)
    expect(fake.modals).toHaveLength(1)
    expect(fail).not.toHaveBeenCalled()
    expect(fake.pages).toHaveLength(1)
  })

  it('navigates to its page, then on success goes back and calls success inside navigateBack’s success', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    startVerify({ data: { token: TOKEN }, success, fail: vi.fn() })
    await flush()
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    await sandbox.finish('passed')
    expect(fake.pages).toHaveLength(1)
    expect(success).toHaveBeenCalledWith({ BizToken: TOKEN, ErrorCode: 0, ErrorMsg: '成功' })
  })

  it('calls back nothing when navigateBack fails', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success, fail })
    await flush()
    fake.failNextNavigateBack = true
    await sandbox.finish('passed')
    expect(success).not.toHaveBeenCalled()
    expect(fail).not.toHaveBeenCalled()
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
  })

  it('calls fail for "failed" after going back', async () => {
    const { startVerify, sandbox } = initFace()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail })
    await flush()
    await sandbox.finish('failed', 1004)
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ ErrorCode: 1004, BizToken: TOKEN, Token: TOKEN }))
    expect(fake.pages).toHaveLength(1)
  })

  it('on 90100 inside its page calls fail, leaves its page open, and a second try there can still succeed', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success, fail })
    await flush()
    await sandbox.finish('cancel')
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ ErrorCode: 90100, ErrorMsg: '用户主动取消核验' }))
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    expect(sandbox.current()).toEqual({ token: TOKEN })
    await sandbox.finish('passed')
    expect(success).toHaveBeenCalledTimes(1)
  })

  it('calls nothing at all when the user goes back to home (-999)', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success, fail })
    await flush()
    await sandbox.finish('home')
    expect(fake.pages).toHaveLength(1)
    expect(success).not.toHaveBeenCalled()
    expect(fail).not.toHaveBeenCalled()
  })

  describe('native flow (wx.startFacialRecognitionVerify, no page)', () => {
    it('calls success only after it asked Tencent for the result, well after WeChat showed the app again', async () => {
      const { startVerify, sandbox } = initFace()
      sandbox.configureSandbox({ nativeFlow: true })
      const success = vi.fn()
      startVerify({ data: { token: TOKEN }, success, fail: vi.fn() })
      await flush()
      expect(fake.pages).toHaveLength(1)
      expect(fake.nativeFace).toBeDefined()
      sandbox.configureSandbox({ latencyMs: 2500 })
      const shows = vi.fn()
      fake.appShowListeners.push(shows)
      fake.closeNativeFace('success')
      expect(shows).toHaveBeenCalledTimes(1)
      await flush(2499)
      expect(success).not.toHaveBeenCalled()
      await flush(1)
      expect(success).toHaveBeenCalledWith(expect.objectContaining({ ErrorCode: 0, BizToken: TOKEN }))
      expect(sandbox.tencentCalls().at(-1)).toBe('result')
    })

    it('calls fail 90100 at once when the user cancels the face screen', async () => {
      const { startVerify, sandbox } = initFace()
      sandbox.configureSandbox({ nativeFlow: true, latencyMs: 2500 })
      const fail = vi.fn()
      startVerify({ data: { token: TOKEN }, success: vi.fn(), fail })
      await flush(2500)
      fake.closeNativeFace('cancel')
      await flush()
      expect(fail).toHaveBeenCalledWith(expect.objectContaining({ ErrorCode: 90100 }))
    })
  })

  it('replaces the callbacks with a redirect when endPath is given', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    startVerify({ data: { token: TOKEN, endPath: '/pages/done/index' }, success, fail: vi.fn() })
    await flush()
    await sandbox.finish('passed')
    expect(success).not.toHaveBeenCalled()
    expect(fake.redirects).toEqual([`/pages/done/index?token=${TOKEN}&ErrorCode=0`])
  })

  it('hosts indexCom on data.startPath (uni-app)', async () => {
    const { startVerify } = initFace()
    startVerify({ data: { token: TOKEN, startPath: '/pages/faceid/index' }, success: vi.fn(), fail: vi.fn() })
    await flush()
    expect(fake.topRoute).toBe('/pages/faceid/index')
  })

  it('finishes the verification on the server through /sandbox/complete with the user’s header', async () => {
    const { startVerify, sandbox } = initFace()
    sandbox.configureSandbox({ baseUrl: 'http://127.0.0.1:3000/', header: () => ({ Authorization: 'Bearer u1' }) })
    const seen: FakeRequest[] = []
    fake.router = (req) => {
      seen.push(req)
      return { statusCode: 200, data: {} }
    }
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail })
    await flush()
    await sandbox.finish('failed', 2002)
    expect(seen).toEqual([
      {
        method: 'POST',
        url: 'http://127.0.0.1:3000/sandbox/complete',
        data: { token: TOKEN, outcome: 'failed', code: 2002 },
        header: { 'content-type': 'application/json', Authorization: 'Bearer u1' },
      },
    ])
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ ErrorCode: 2002 }))
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail: vi.fn() })
    await flush()
    await sandbox.finish('home')
    expect(seen[1]?.data).toEqual({ token: TOKEN, outcome: 'abandoned' })
  })
})

type Build = '1.0.7' | '1.0.9' | 'uni_1.0.5'

describe('simulated mp_ecard_sdk', () => {
  function eid(build?: Build) {
    const sim = loadEidSim()
    if (build) sim.sandbox.configureSandbox({ build })
    return sim
  }

  it('reports the build it behaves like in constants/log, 1.0.7 by default', () => {
    const log = (): string => requireCompiled<{ Log: { version: string } }>('mp_ecard_sdk/constants/log.js').Log.version
    expect(log()).toMatch(/^1\.0\.7/)
    eid('uni_1.0.5')
    expect(log()).toMatch(/^uni_1\.0\.5/)
  })

  it('throws a TypeError on startEid(undefined)', () => {
    const { main } = eid()
    main.initEid()
    expect(() => main.startEid(undefined as never)).toThrow(TypeError)
  })

  it('refuses a release build', () => {
    fake = new FakeWx({ envVersion: 'release' }).install()
    expect(() => eid().main.initEid()).toThrow(/release/)
  })

  it.each([
    ['no data', { verifyDoneCallback: vi.fn() }, '传入的参数有误'],
    ['no callback', { data: { token: TOKEN } }, '传入的参数有误'],
    ['a bad token', { data: { token: 'nope' }, verifyDoneCallback: vi.fn() }, '传入的token有误'],
  ])('shows a modal and does nothing else with %s', (_label, options, modal) => {
    const { main } = eid()
    main.initEid()
    main.startEid(options as never)
    expect(fake.modals).toEqual([modal])
    expect(fake.jumps).toEqual([])
  })

  describe.each<Build>(['1.0.7', '1.0.9', 'uni_1.0.5'])('every build (%s)', (build) => {
    it('initEid stores its defaults and adds a listener each time; two listeners still call back once', () => {
      const { main } = eid(build)
      main.initEid()
      main.initEid()
      expect(fake.global.eid_baseUrl).toBe('https://eid.faceid.qq.com')
      expect(fake.global.eid_envVersion).toBe('release')
      expect(fake.global.eid_backupUrl).toBe('https://eid-enhance.faceid.qq.com')
      expect(fake.appShowListeners).toHaveLength(2)
      const callback = vi.fn()
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
      fake.eidReturn(TOKEN)
      expect(callback).toHaveBeenCalledTimes(1)
      expect(callback).toHaveBeenCalledWith({ token: TOKEN, verifyDone: true })
    })

    it('calls back only on scene 1038 from eID with a truthy verifyDone and its own token', () => {
      const { main } = eid(build)
      main.initEid()
      const callback = vi.fn()
      const start = (): void => main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
      start()
      fake.emitAppShow({ scene: 1038, referrerInfo: { appId: 'wx-x', extraData: { verifyDone: true, token: TOKEN } } })
      start()
      fake.eidReturn(TOKEN, { verifyDone: false })
      start()
      fake.eidReturn(makeToken(4))
      expect(callback).not.toHaveBeenCalled()
      start()
      fake.eidReturn(TOKEN, { verifyDone: 1 })
      expect(callback).toHaveBeenCalledTimes(1)
    })

    it('calls back only once the jump’s success has run', () => {
      const { main } = eid(build)
      main.initEid()
      const callback = vi.fn()
      let success: (() => void) | undefined
      fake.global.navigateToMiniProgram = (o: { success: () => void }) => {
        success = o.success
      }
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
      fake.eidReturn(TOKEN)
      expect(callback).not.toHaveBeenCalled()
      if (build !== '1.0.7' && build !== '1.0.9') {
        // The uni build keeps its token: the same return after the jump's success calls back.
        success?.()
        fake.eidReturn(TOKEN)
        expect(callback).toHaveBeenCalledTimes(1)
      }
    })

    it('never calls back on "fail cancel"', () => {
      const { main } = eid(build)
      main.initEid()
      fake.jumpResult = 'fail cancel'
      const callback = vi.fn()
      fake.pages.push({ route: '/pages/caller/index' })
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
      fake.eidReturn(TOKEN)
      expect(callback).not.toHaveBeenCalled()
    })
  })

  describe('1.0.7 (WeChat build)', () => {
    it('has no half-screen: ignores enableEmbedded and allowFullScreen and always navigates', () => {
      const { main } = eid('1.0.7')
      main.initEid()
      main.startEid({ data: { token: TOKEN, enableEmbedded: true, allowFullScreen: false }, verifyDoneCallback: vi.fn() })
      expect(fake.jumps).toHaveLength(1)
      expect(fake.jumps[0]?.api).toBe('navigateToMiniProgram')
      expect(fake.jumps[0]?.options).not.toHaveProperty('allowFullScreen')
      expect(fake.jumps[0]?.options).toMatchObject({ appId: EID_APP_ID, path: 'pages/huiyan/index', extraData: { useHuiyan: true, huiyanToken: TOKEN } })
    })

    it('calls navigateBack on a failed jump, popping the caller’s page', () => {
      const { main } = eid('1.0.7')
      main.initEid()
      fake.jumpResult = 'fail cancel'
      fake.pages.push({ route: '/pages/caller/index' })
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: vi.fn() })
      expect(fake.navigateBackCalls).toBe(1)
      expect(fake.pages).toHaveLength(1)
    })

    it('forgets its pending token on any app show, whatever the scene', () => {
      const { main } = eid('1.0.7')
      main.initEid()
      const callback = vi.fn()
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
      fake.emitAppShow({ scene: 1001 })
      fake.eidReturn(TOKEN)
      expect(callback).not.toHaveBeenCalled()
    })

    it('needJumpPage: opens the fixed /mp_ecard_sdk/index/index (no normalPath) and closes it before calling back', () => {
      const { main } = eid('1.0.7')
      const globalConfig = requireCompiled<{ default: { normalPath: string } }>('mp_ecard_sdk/globalConfig.js')
      globalConfig.default.normalPath = '/pages'
      main.initEid()
      const callback = vi.fn(() => expect(fake.pages).toHaveLength(1))
      main.startEid({ data: { token: TOKEN, needJumpPage: true }, verifyDoneCallback: callback })
      expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
      main.jumpToEid() // 确认进入
      fake.eidReturn(TOKEN)
      expect(callback).toHaveBeenCalledTimes(1)
    })
  })

  describe('1.0.9 (half-screen WeChat build)', () => {
    it('uses openEmbeddedMiniProgram with allowFullScreen when enableEmbedded and the API exists', () => {
      const { main } = eid('1.0.9')
      main.initEid()
      main.startEid({ data: { token: TOKEN, enableEmbedded: true, allowFullScreen: false }, verifyDoneCallback: vi.fn() })
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: vi.fn() })
      expect(fake.jumps.map((j) => j.api)).toEqual(['openEmbeddedMiniProgram', 'navigateToMiniProgram'])
      expect(fake.jumps[0]?.options).toMatchObject({ allowFullScreen: false })
      fake = new FakeWx({ embedded: false }).install()
      main.startEid({ data: { token: TOKEN, enableEmbedded: true }, verifyDoneCallback: vi.fn() })
      expect(fake.jumps.map((j) => j.api)).toEqual(['navigateToMiniProgram'])
    })
  })

  describe('uni_1.0.5 (uni-app build)', () => {
    it('half-screen when asked', () => {
      const { main } = eid('uni_1.0.5')
      main.initEid()
      main.startEid({ data: { token: TOKEN, enableEmbedded: true }, verifyDoneCallback: vi.fn() })
      expect(fake.jumps.map((j) => j.api)).toEqual(['openEmbeddedMiniProgram'])
    })

    it('needJumpPage: follows globalConfig.normalPath', () => {
      const { main } = eid('uni_1.0.5')
      const globalConfig = requireCompiled<{ default: { normalPath: string } }>('mp_ecard_sdk/globalConfig.js')
      globalConfig.default.normalPath = '/pages'
      main.initEid()
      main.startEid({ data: { token: TOKEN, needJumpPage: true }, verifyDoneCallback: vi.fn() })
      expect(fake.topRoute).toBe(`/pages/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
    })

    it('never goes back on a failed jump (the caller’s page stays)', () => {
      const { main } = eid('uni_1.0.5')
      main.initEid()
      fake.jumpResult = 'fail can only be invoked by user TAP gesture'
      fake.pages.push({ route: '/pages/caller/index' })
      main.startEid({ data: { token: TOKEN }, verifyDoneCallback: vi.fn() })
      expect(fake.navigateBackCalls).toBe(0)
      expect(fake.pages).toHaveLength(2)
    })

    it('needJumpPage + a cancelled jump: the confirm page stays open with a live token; a second 确认进入 completes', () => {
      const { main } = eid('uni_1.0.5')
      main.initEid()
      const callback = vi.fn()
      main.startEid({ data: { token: TOKEN, needJumpPage: true }, verifyDoneCallback: callback })
      fake.jumpResult = 'fail cancel'
      main.jumpToEid()
      expect(fake.navigateBackCalls).toBe(0)
      expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
      fake.jumpResult = 'success'
      main.jumpToEid() // the user taps 确认进入 again
      fake.eidReturn(TOKEN)
      expect(callback).toHaveBeenCalledWith({ token: TOKEN, verifyDone: true })
    })
  })

  it('in the sandbox, stands in for the eID mini-program and replays its scene-1038 return', async () => {
    const { main, sandbox } = eid()
    sandbox.configureSandbox({ baseUrl: 'http://127.0.0.1:3000', header: { Authorization: 'Bearer u2' }, emulateEidApp: true })
    const seen: FakeRequest[] = []
    fake.router = (req) => {
      seen.push(req)
      return { statusCode: 200, data: {} }
    }
    main.initEid()
    const callback = vi.fn()
    main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
    expect(fake.jumps).toEqual([])
    expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${TOKEN}&emulate=true`)
    await sandbox.finishEmulated(TOKEN, 'abandoned')
    expect(callback).not.toHaveBeenCalled()
    expect(fake.pages).toHaveLength(1)
    main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
    await sandbox.finishEmulated(TOKEN, 'passed')
    expect(callback).toHaveBeenCalledWith({ token: TOKEN, verifyDone: true })
    expect(seen.map((r) => r.data)).toEqual([
      { token: TOKEN, outcome: 'abandoned' },
      { token: TOKEN, outcome: 'passed' },
    ])
    expect(seen[0]?.header.Authorization).toBe('Bearer u2')
  })
})

/**
 * The uni-app layout (dist/sim-uni/mp_ecard_sdk): what a uni-app project copies to
 * src/mp_ecard_sdk and App.vue imports as `./mp_ecard_sdk/main`. Loaded as the ES modules the
 * project's uni compiler gets.
 */
describe('simulated mp_ecard_sdk, uni-app layout', () => {
  const UNI_SDK = path.join(PACKAGE_DIR, 'dist/sim-uni/mp_ecard_sdk')
  let uni: Record<string, unknown>

  beforeEach(() => {
    // The uni build keeps its state on `uni` and calls it; uni's API delegates to wx here.
    uni = Object.create(fake.global) as Record<string, unknown>
    ;(globalThis as unknown as { uni?: unknown }).uni = uni
    vi.resetModules()
  })
  afterEach(() => {
    delete (globalThis as unknown as { uni?: unknown }).uni
  })

  async function load(): Promise<{ main: EidSimMain; sandbox: EidSimSandbox }> {
    return {
      main: (await import(path.join(UNI_SDK, 'main.js'))) as EidSimMain,
      sandbox: (await import(path.join(UNI_SDK, 'sandbox.js'))) as EidSimSandbox,
    }
  }

  it('ships ES modules and its confirm page as index/index.vue, not the WeChat page', () => {
    const files = (dir: string, rel = ''): string[] =>
      readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(dir, path.join(rel, entry.name)) : [path.join(rel, entry.name).split(path.sep).join('/')],
      )
    expect(files(UNI_SDK).sort()).toEqual(['constants/log.js', 'globalConfig.js', 'index/index.vue', 'main.js', 'sandbox.js'])
    const main = readFileSync(path.join(UNI_SDK, 'main.js'), 'utf8')
    expect(main).toMatch(/^export \{[^}]*\binitEid\b/m)
    expect(main).not.toMatch(/\brequire\(|\bexports\./)
    expect(readFileSync(path.join(UNI_SDK, 'globalConfig.js'), 'utf8')).toMatch(/normalPath: ""/)
    const page = readFileSync(path.join(UNI_SDK, 'index/index.vue'), 'utf8')
    expect(page).toContain("from '../main'")
    expect(page).toContain('确认进入')
    expect(existsSync(path.join(PACKAGE_DIR, 'dist/sim/mp_ecard_sdk/index/index.vue'))).toBe(false)
  })

  it('behaves like uni_1.0.5 by default: state on uni, half-screen, the confirm page kept on a cancelled jump', async () => {
    const { main, sandbox } = await load()
    expect(sandbox.build()).toBe('uni_1.0.5')
    fake.global.eid_baseUrl = 'untouched'
    main.initEid()
    expect(Object.getOwnPropertyDescriptor(uni, 'eid_baseUrl')?.value).toBe('https://eid.faceid.qq.com')
    expect(fake.global.eid_baseUrl).toBe('untouched')
    main.startEid({ data: { token: TOKEN, enableEmbedded: true }, verifyDoneCallback: vi.fn() })
    expect(fake.jumps.map((j) => j.api)).toEqual(['openEmbeddedMiniProgram'])

    const callback = vi.fn()
    main.startEid({ data: { token: TOKEN, needJumpPage: true }, verifyDoneCallback: callback })
    expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${TOKEN}&needJumpPage=true`)
    fake.jumpResult = 'fail cancel'
    main.jumpToEid()
    expect(fake.navigateBackCalls).toBe(0)
    fake.jumpResult = 'success'
    main.jumpToEid()
    fake.eidReturn(TOKEN)
    expect(callback).toHaveBeenCalledWith({ token: TOKEN, verifyDone: true })
  })
})
