/**
 * faceid-verify and eid-verify as built (miniprogram_dist), rendered with miniprogram-simulate,
 * driving the compiled simulated SDKs against an in-memory server.
 */
import path from 'node:path'
import simulate from 'miniprogram-simulate'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx } from './helpers/fake-wx'
import { forgetModules, KIT_DIR, loadEidSim, loadFaceSim, loadKit, type EidSimSandbox, type FaceSimSandbox, type KitModule } from './helpers/load'
import { ServerStub } from './helpers/server-stub'
import type { MountedComponent as Rendered, MountedNode } from './helpers/mounted'
import { flush } from './helpers/track'

interface Recorded {
  name: string
  detail: unknown
}

const EVENTS = ['start', 'result', 'error', 'cancel']

let fake: FakeWx
let server: ServerStub
let kit: KitModule
let events: Recorded[]

function mount(name: 'faceid-verify' | 'eid-verify', props: Record<string, unknown> = {}): Rendered {
  forgetModules()
  const id = simulate.load(path.join(KIT_DIR, name, 'index'), name, { compiler: 'simulate', rootPath: KIT_DIR })
  kit = loadKit() // the instance the component just required
  kit.configure({ baseUrl: 'https://api.test', header: { Authorization: 'Bearer demo' }, settleDelay: 0 })
  kit.configure({ loadFaceSdk: () => loadFaceSim().main, loadEidSdk: () => loadEidSim().main })
  const comp = simulate.render(id, props) as unknown as Rendered
  for (const event of EVENTS) comp.addEventListener(event, (e) => events.push({ name: event, detail: e.detail }))
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

function button(comp: Rendered): MountedNode {
  return comp.querySelector('.fk-verify')
}

const names = (): string[] => events.map((e) => e.name)

beforeEach(() => {
  vi.useFakeTimers()
  fake = new FakeWx().install()
  server = new ServerStub()
  fake.router = server.route
  events = []
})
afterEach(() => {
  vi.useRealTimers()
})

describe('<faceid-verify>', () => {
  let sandbox: FaceSimSandbox
  function mountFace(props: Record<string, unknown> = {}): Rendered {
    const comp = mount('faceid-verify', props)
    sandbox = loadFaceSim().sandbox
    return comp
  }

  it('renders a button with its text, and the custom text', () => {
    expect(button(mountFace()).dom.textContent).toContain('开始人脸核身')
    expect(button(mountFace({ text: '刷脸认证' })).dom.textContent).toContain('刷脸认证')
  })

  it('tap → start, SDK, then the server’s verdict as result', async () => {
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    const token = server.last
    expect(names()).toEqual(['start'])
    expect(events[0]?.detail).toEqual({ token })
    expect(comp.data.busy).toBe(true)
    expect(fake.topRoute).toBe('/verify_mpsdk/index/index')
    server.results.set(token, 'passed')
    await sandbox.finish('passed')
    await flush()
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]?.detail).toMatchObject({ token, kind: 'face', status: 'passed', identity: { name: '*小宝' } })
    expect(comp.data.busy).toBe(false)
    expect(fake.requests.map((r) => `${r.method} ${r.url} ${r.header.Authorization}`)).toEqual([
      'POST https://api.test/faceid/biz-token Bearer demo',
      `GET https://api.test/faceid/biz-token/${token} Bearer demo`,
    ])
  })

  it('with Tencent’s 500 ms: asks the server as the SDK answers, emits result and frees the button 500 ms later', async () => {
    const comp = mountFace()
    kit.configure({ settleDelay: undefined })
    button(comp).dispatchEvent('tap')
    await flush()
    const token = server.last
    server.results.set(token, 'passed')
    await sandbox.finish('passed')
    await flush()
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'GET'])
    expect(names()).toEqual(['start'])
    expect(comp.data.busy).toBe(true)
    await flush(499)
    expect(names()).toEqual(['start'])
    await flush(1)
    expect(names()).toEqual(['start', 'result'])
    expect(comp.data.busy).toBe(false)
  })

  it('uses the base-url and header properties over configure()', async () => {
    const comp = mountFace({ baseUrl: 'https://other.test', header: { Authorization: 'Bearer prop' } })
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.requests[0]).toMatchObject({ url: 'https://other.test/faceid/biz-token', header: { Authorization: 'Bearer prop' } })
  })

  it('emits the server’s "failed" as result when the SDK reports a failure', async () => {
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    server.results.set(server.last, 'failed')
    await sandbox.finish('failed', 2002)
    await flush()
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]?.detail).toMatchObject({ status: 'failed', code: 2002 })
  })

  it('emits error when the SDK fails and the server has no verdict yet', async () => {
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    await sandbox.finish('failed', 1004)
    await flush()
    expect(names()).toEqual(['start', 'error'])
    expect(events[1]?.detail).toMatchObject({ code: 1004, retryable: true })
  })

  it('emits cancel on the SDK’s 90100, after closing the SDK page it leaves open and asking the server once', async () => {
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    await sandbox.finish('cancel')
    await flush()
    expect(names()).toEqual(['start', 'cancel'])
    expect(events[1]?.detail).toEqual({ token: server.last, reason: 'user-cancel' })
    expect(fake.pages).toHaveLength(1)
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(1)
    expect(comp.data.busy).toBe(false)
  })

  it.each([
    ['the request domains are not whitelisted', { whitelisted: false }, /接口还未添加到服务器域名/],
    ['the config answers 15', { configErrorCode: 15 }, /BizToken已过期/],
    ['the config’s WeChat version limit is above the client’s', { minWechatVersion: '9.0.0' }, /当前微信版本低于9\.0\.0/],
  ])('leaves “核验中…” with a retryable error when the SDK goes silent after its modal: %s', async (_label, config, message) => {
    const comp = mountFace()
    sandbox.configureSandbox(config)
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.openModals).toHaveLength(1)
    expect(button(comp).dom.textContent).toContain('核验中…')
    fake.dismissModal()
    await flush()
    expect(names()).toEqual(['start', 'error'])
    expect(events[1]?.detail).toMatchObject({ code: 'SDK_STOPPED', retryable: true, token: server.last, message: expect.stringMatching(message) })
    expect(comp.data.busy).toBe(false)
    expect(button(comp).dom.textContent).toContain('开始人脸核身')
    // Nothing was verified: the server is not asked.
    expect(fake.requests.filter((r) => r.method === 'GET')).toEqual([])
  })

  it('native flow: a success that comes 2.5 s after WeChat shows the app again is a result, not a cancel', async () => {
    const comp = mountFace()
    sandbox.configureSandbox({ nativeFlow: true })
    button(comp).dispatchEvent('tap')
    await flush()
    sandbox.configureSandbox({ latencyMs: 2500 })
    server.results.set(server.last, 'passed')
    fake.closeNativeFace('success')
    comp.triggerPageLifeTime('show')
    await flush(2000)
    expect(names()).toEqual(['start'])
    await flush(500)
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]?.detail).toMatchObject({ token: server.last, status: 'passed' })
  })

  it('emits cancel when the page shows again and the SDK stays silent (-999)', async () => {
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    await sandbox.finish('home')
    comp.triggerPageLifeTime('show')
    await flush(1999)
    expect(names()).toEqual(['start'])
    await flush(1)
    expect(names()).toEqual(['start', 'cancel'])
    expect(events[1]?.detail).toMatchObject({ reason: 'no-callback' })
    expect(comp.data.busy).toBe(false)
  })

  it('emits error (and no start) when the server refuses a token', async () => {
    server.failNextToken = { statusCode: 503, code: 'upstream_unavailable' }
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    expect(names()).toEqual(['error'])
    expect(events[0]?.detail).toMatchObject({ code: 'upstream_unavailable', status: 503, retryable: true })
    expect(comp.data.busy).toBe(false)
  })

  it('does nothing when disabled', async () => {
    const comp = mountFace({ disabled: true })
    button(comp).dispatchEvent('tap')
    await flush()
    expect(events).toEqual([])
    expect(fake.requests).toEqual([])
  })

  it('ignores taps while a verification runs', async () => {
    const comp = mountFace()
    button(comp).dispatchEvent('tap')
    await flush()
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.requests).toHaveLength(1)
    expect(names()).toEqual(['start'])
  })
})

describe('<eid-verify>', () => {
  it('fetches its EidToken when attached, before any tap', async () => {
    const comp = mount('eid-verify')
    expect(button(comp).dom.textContent).toContain('准备中')
    await flush()
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST https://api.test/faceid/eid-token'])
    expect(comp.data.ready).toBe(true)
    expect(button(comp).dom.textContent).toContain('开始 E证通核验')
  })

  it('starts eID synchronously inside the tap handler and emits the server’s result', async () => {
    const comp = mount('eid-verify')
    await flush()
    const token = server.last
    ;(comp.instance as unknown as { onTap(): void }).onTap()
    // Same tick as the tap: the jump has been requested (WeChat's tap-only rule).
    expect(fake.jumps).toHaveLength(1)
    expect(fake.jumps[0]?.options).toMatchObject({ extraData: { huiyanToken: token } })
    expect(names()).toEqual(['start'])
    server.results.set(token, 'passed')
    fake.eidReturn(token)
    await flush()
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]?.detail).toMatchObject({ token, kind: 'eid', status: 'passed' })
    // A token is single-use: the next one is already on its way.
    expect(server.issued).toHaveLength(2)
  })

  it('with Tencent’s 500 ms: asks the server on the return, emits result 500 ms later', async () => {
    const comp = mount('eid-verify')
    kit.configure({ settleDelay: undefined })
    await flush()
    const token = server.last
    ;(comp.instance as unknown as { onTap(): void }).onTap()
    server.results.set(token, 'passed')
    fake.eidReturn(token)
    await flush()
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(1)
    await flush(499)
    expect(names()).toEqual(['start'])
    await flush(1)
    expect(names()).toEqual(['start', 'result'])
  })

  it('renews the token before its 600 s lifetime ends', async () => {
    const comp = mount('eid-verify')
    await flush()
    const first = server.last
    await flush(539_000)
    expect(server.issued).toEqual([first])
    await flush(1_000)
    expect(server.issued).toHaveLength(2)
    const second = server.last
    ;(comp.instance as unknown as { onTap(): void }).onTap()
    expect(fake.jumps[0]?.options).toMatchObject({ extraData: { huiyanToken: second } })
  })

  it('does not jump with a missing or stale token: it fetches one and waits for the next tap', async () => {
    const comp = mount('eid-verify')
    await flush()
    comp.detach() // stop the renewal timer to let the token go stale
    await flush(600_000)
    const instance = comp.instance as unknown as { onTap(): void }
    comp.attach(document.createElement('parent-wrapper'))
    await flush()
    const fresh = server.last
    expect(server.issued).toHaveLength(2)
    instance.onTap()
    expect(fake.jumps[0]?.options).toMatchObject({ extraData: { huiyanToken: fresh } })
  })

  it('refetches on page show when the token went stale in the background', async () => {
    const comp = mount('eid-verify')
    await flush()
    vi.setSystemTime(Date.now() + 595_000) // timers throttled in the background: only the clock moved
    comp.triggerPageLifeTime('show')
    await flush()
    expect(server.issued).toHaveLength(2)
  })

  it('emits error and offers a retry when the prefetch fails; a tap then refetches without jumping', async () => {
    server.failNextToken = { statusCode: 401, code: 'unauthorized' }
    const comp = mount('eid-verify')
    await flush()
    expect(names()).toEqual(['error'])
    expect(events[0]?.detail).toMatchObject({ code: 'unauthorized', status: 401 })
    expect(button(comp).dom.textContent).toContain('重新获取')
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.jumps).toEqual([])
    expect(server.issued).toHaveLength(1)
    expect(comp.data.ready).toBe(true)
  })

  it('emits cancel when the user declines the jump ("fail cancel")', async () => {
    const comp = mount('eid-verify')
    await flush()
    fake.jumpResult = 'fail cancel'
    button(comp).dispatchEvent('tap')
    await flush()
    expect(names()).toEqual(['start', 'cancel'])
    expect(events[1]?.detail).toMatchObject({ reason: 'jump-cancel' })
    expect(fake.pages).toHaveLength(1)
    expect(comp.data.busy).toBe(false)
  })

  it('emits cancel when the user comes back from eID without finishing', async () => {
    const comp = mount('eid-verify')
    await flush()
    const token = server.last
    button(comp).dispatchEvent('tap')
    await flush()
    fake.eidReturn(token, { verifyDone: false })
    comp.triggerPageLifeTime('show')
    await flush(2000)
    expect(names()).toEqual(['start', 'cancel'])
    expect(events[1]?.detail).toEqual({ token, reason: 'no-callback' })
  })

  function eidSandbox(): EidSimSandbox {
    return loadEidSim().sandbox
  }

  it('opens half-screen with the embedded property (a half-screen build)', async () => {
    const comp = mount('eid-verify', { embedded: true, allowFullScreen: false })
    eidSandbox().configureSandbox({ build: '1.0.9' })
    await flush()
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.jumps[0]).toMatchObject({ api: 'openEmbeddedMiniProgram', options: { allowFullScreen: false } })
  })

  it('uni build, needJumpPage: a cancelled jump emits cancel and closes the confirm page the SDK leaves open', async () => {
    const comp = mount('eid-verify', { needJumpPage: true })
    eidSandbox().configureSandbox({ build: 'uni_1.0.5' })
    await flush()
    const token = server.last
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${token}&needJumpPage=true`)
    fake.jumpResult = 'fail cancel'
    loadEidSim().main.jumpToEid() // 确认进入
    await flush()
    expect(names()).toEqual(['start', 'cancel'])
    expect(events[1]?.detail).toEqual({ token, reason: 'jump-cancel' })
    expect(fake.pages).toHaveLength(1)
    expect(comp.data.busy).toBe(false)
  })

  it('1.0.7: an app show before the return makes the SDK forget its token; the component still emits the server’s result', async () => {
    const comp = mount('eid-verify')
    await flush()
    const token = server.last
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.jumps).toHaveLength(1)
    fake.emitAppShow({ scene: 1001 })
    server.results.set(token, 'passed')
    fake.eidReturn(token)
    comp.triggerPageLifeTime('show')
    await flush(2000)
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]?.detail).toMatchObject({ token, status: 'passed' })
  })

  it('does nothing when disabled', async () => {
    const comp = mount('eid-verify', { disabled: true })
    await flush()
    button(comp).dispatchEvent('tap')
    await flush()
    expect(fake.jumps).toEqual([])
    expect(events).toEqual([])
  })

  it('stops renewing once detached', async () => {
    const comp = mount('eid-verify')
    await flush()
    comp.detach()
    await flush(3_600_000)
    expect(server.issued).toHaveLength(1)
  })
})
