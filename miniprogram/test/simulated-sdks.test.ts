/**
 * The simulated SDKs on their own (compiled): they must behave like Tencent's builds as described
 * in reference/sdk-behavior.md — including the paths where no callback ever fires.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, makeToken, type FakeRequest } from './helpers/fake-wx'
import { forgetModules, loadEidSim, loadFaceSim, requireCompiled } from './helpers/load'

const TOKEN = makeToken(3)
const EID_APP_ID = 'wx0e2cb0b052a91c92'

let fake: FakeWx
beforeEach(() => {
  fake = new FakeWx().install()
  forgetModules()
})
afterEach(() => {
  vi.restoreAllMocks()
})

type StartVerify = (options: unknown) => void

describe('simulated verify_mpsdk', () => {
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
  ])('shows a modal and never calls back when %s is missing', (_label, options) => {
    const { startVerify } = initFace()
    startVerify(options)
    expect(fake.modals).toEqual(['调用SDK失败，wx.startVerify传入参数缺少！'])
    expect(fake.pages).toHaveLength(1)
  })

  it('shows a modal and never calls back on a malformed token', () => {
    const { startVerify } = initFace()
    const success = vi.fn()
    const fail = vi.fn()
    startVerify({ data: { token: 'x'.repeat(35) }, success, fail })
    expect(fake.modals).toEqual(['调用SDK失败,token格式错误！'])
    expect(success).not.toHaveBeenCalled()
    expect(fail).not.toHaveBeenCalled()
  })

  it.each([
    ['WeCom', { environment: 'wxwork' }],
    ['old iOS WeChat', { platform: 'ios', version: '6.6.6' }],
  ])('blocks %s with a modal and no callback', (_label, system) => {
    fake = new FakeWx(system).install()
    const { startVerify } = initFace()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail })
    expect(fake.modals).toHaveLength(1)
    expect(fail).not.toHaveBeenCalled()
    expect(fake.pages).toHaveLength(1)
  })

  it('navigates to its page, then on success goes back and calls success', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    startVerify({ data: { token: TOKEN }, success, fail: vi.fn() })
    expect(fake.topRoute).toBe(`/verify_mpsdk/index/index?token=${TOKEN}`)
    expect(sandbox.current()).toEqual({ token: TOKEN })
    await sandbox.finish('passed')
    expect(fake.pages).toHaveLength(1)
    expect(success).toHaveBeenCalledWith({ BizToken: TOKEN, ErrorCode: 0, ErrorMsg: '成功' })
  })

  it.each([
    ['failed', 1004, { ErrorCode: 1004, BizToken: TOKEN, Token: TOKEN }],
    ['cancel', undefined, { ErrorCode: 90100, ErrorMsg: '用户主动取消核验' }],
  ] as const)('calls fail for "%s"', async (choice, code, expected) => {
    const { startVerify, sandbox } = initFace()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success: vi.fn(), fail })
    await sandbox.finish(choice, code)
    expect(fail).toHaveBeenCalledWith(expect.objectContaining(expected))
  })

  it('calls nothing at all when the user goes back to home (-999)', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    const fail = vi.fn()
    startVerify({ data: { token: TOKEN }, success, fail })
    await sandbox.finish('home')
    expect(fake.pages).toHaveLength(1)
    expect(success).not.toHaveBeenCalled()
    expect(fail).not.toHaveBeenCalled()
  })

  it('replaces the callbacks with a redirect when endPath is given', async () => {
    const { startVerify, sandbox } = initFace()
    const success = vi.fn()
    startVerify({ data: { token: TOKEN, endPath: '/pages/done/index' }, success, fail: vi.fn() })
    await sandbox.finish('passed')
    expect(success).not.toHaveBeenCalled()
    expect(fake.redirects).toEqual([`/pages/done/index?token=${TOKEN}&ErrorCode=0`])
  })

  it('hosts indexCom on data.startPath (uni-app)', () => {
    const { startVerify } = initFace()
    startVerify({ data: { token: TOKEN, startPath: '/pages/faceid/index' }, success: vi.fn(), fail: vi.fn() })
    expect(fake.topRoute).toBe(`/pages/faceid/index?token=${TOKEN}`)
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
    await sandbox.finish('home')
    expect(seen[1]?.data).toEqual({ token: TOKEN, outcome: 'abandoned' })
  })
})

describe('simulated mp_ecard_sdk', () => {
  it('reports its version in constants/log like the real builds', () => {
    expect(requireCompiled<{ Log: { version: string } }>('mp_ecard_sdk/constants/log.js').Log.version).toMatch(/^1\.0\.7/)
  })

  it('initEid stores its defaults on wx and adds an onAppShow listener every time (no guard)', () => {
    const { main } = loadEidSim()
    main.initEid()
    main.initEid()
    expect(fake.global.eid_baseUrl).toBe('https://eid.faceid.qq.com')
    expect(fake.global.eid_envVersion).toBe('release')
    expect(fake.global.eid_backupUrl).toBe('https://eid-enhance.faceid.qq.com')
    expect(fake.appShowListeners).toHaveLength(2)
    const callback = vi.fn()
    main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
    fake.eidReturn(TOKEN)
    expect(callback).toHaveBeenCalledTimes(2)
    expect(callback).toHaveBeenCalledWith({ token: TOKEN, verifyDone: true })
  })

  it('refuses a release build', () => {
    fake = new FakeWx({ envVersion: 'release' }).install()
    expect(() => loadEidSim().main.initEid()).toThrow(/release/)
  })

  it.each([
    ['no data', { verifyDoneCallback: vi.fn() }, '传入的参数有误'],
    ['no callback', { data: { token: TOKEN } }, '传入的参数有误'],
    ['a bad token', { data: { token: 'nope' }, verifyDoneCallback: vi.fn() }, '传入的token有误'],
  ])('shows a modal and does nothing else with %s', (_label, options, modal) => {
    const { main } = loadEidSim()
    main.initEid()
    main.startEid(options as never)
    expect(fake.modals).toEqual([modal])
    expect(fake.jumps).toEqual([])
  })

  it('calls back only on scene 1038 from eID with verifyDone and its own token', () => {
    const { main } = loadEidSim()
    main.initEid()
    const callback = vi.fn()
    main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
    fake.emitAppShow({ scene: 1037, referrerInfo: { appId: EID_APP_ID, extraData: { verifyDone: true, token: TOKEN } } })
    fake.emitAppShow({ scene: 1038 })
    fake.emitAppShow({ scene: 1038, referrerInfo: { appId: 'wx-x', extraData: { verifyDone: true, token: TOKEN } } })
    fake.eidReturn(TOKEN, { verifyDone: false })
    fake.eidReturn(makeToken(4))
    expect(callback).not.toHaveBeenCalled()
    fake.eidReturn(TOKEN)
    expect(callback).toHaveBeenCalledTimes(1)
  })

  it('uses openEmbeddedMiniProgram only when enableEmbedded and the API exists', () => {
    const { main } = loadEidSim()
    main.initEid()
    main.startEid({ data: { token: TOKEN, enableEmbedded: true }, verifyDoneCallback: vi.fn() })
    main.startEid({ data: { token: TOKEN }, verifyDoneCallback: vi.fn() })
    expect(fake.jumps.map((j) => j.api)).toEqual(['openEmbeddedMiniProgram', 'navigateToMiniProgram'])
    fake = new FakeWx({ embedded: false }).install()
    main.startEid({ data: { token: TOKEN, enableEmbedded: true }, verifyDoneCallback: vi.fn() })
    expect(fake.jumps.map((j) => j.api)).toEqual(['navigateToMiniProgram'])
  })

  it('never calls back on "fail cancel" and calls navigateBack (1.0.7)', () => {
    const { main } = loadEidSim()
    main.initEid()
    fake.jumpResult = 'fail cancel'
    const callback = vi.fn()
    main.startEid({ data: { token: TOKEN }, verifyDoneCallback: callback })
    expect(fake.navigateBackCalls).toBe(1)
    expect(callback).not.toHaveBeenCalled()
  })

  it('in the sandbox, stands in for the eID mini-program and replays its scene-1038 return', async () => {
    const { main, sandbox } = loadEidSim()
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
