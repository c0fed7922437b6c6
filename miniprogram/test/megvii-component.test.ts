/**
 * <megvii-verify> as built (miniprogram_dist), rendered with miniprogram-simulate inside a
 * mini-program root that holds the simulated faceid-components (Megvii's package), against an
 * in-memory server: every way Megvii's component ends, and the ways it never does.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import simulate from 'miniprogram-simulate'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx } from './helpers/fake-wx'
import type { FakeRequest, FakeResponse } from './helpers/fake-wx'
import { KIT_DIR, SIM_DIR, type KitModule } from './helpers/load'
import type { MountedComponent, MountedNode } from './helpers/mounted'

type SandboxModule = typeof import('../sim/faceid-components/sandbox')

const nodeRequire = createRequire(import.meta.url)
const EVENTS = ['start', 'result', 'error', 'cancel', 'pending']

/** The kit's Megvii routes, in memory. `script` plays the verdicts the server answers in turn. */
class MegviiServer {
  readonly issued: string[] = []
  readonly results = new Map<string, 'pending' | 'passed' | 'failed'>()
  /** Verdicts the next result requests answer, in order, before `results` is used. */
  readonly script: Array<'pending' | 'passed' | 'failed' | 503> = []
  reads = 0
  failNext?: number
  badToken = false
  private next = 0
  readonly route = (req: FakeRequest): FakeResponse => {
    const match = /\/faceid\/megvii\/biz-token(?:\/([^/?]+))?$/.exec(req.url)
    if (!match) return { statusCode: 404, data: { error: { code: 'not_found', message: 'no route' } } }
    if (req.method === 'POST') {
      if (this.failNext) {
        const statusCode = this.failNext
        this.failNext = undefined
        return { statusCode, data: { error: { code: 'upstream_unavailable', message: '服务暂不可用' } } }
      }
      const token = this.badToken ? 'not-a-megvii-token' : `1462257147,${(this.next++).toString(16).padStart(32, '0')}`
      this.issued.push(token)
      return { statusCode: 201, data: { token, kind: 'megvii', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } }
    }
    this.reads++
    const token = decodeURIComponent(match[1] ?? '')
    if (!this.issued.includes(token)) return { statusCode: 404, data: { error: { code: 'not_found', message: 'No such token' } } }
    const scripted = this.script.shift()
    if (scripted === 503) return { statusCode: 503, data: { error: { code: 'upstream_unavailable', message: '服务暂不可用' } } }
    const status = scripted ?? this.results.get(token) ?? 'pending'
    return { statusCode: 200, data: { token, kind: 'megvii', status, ...(status === 'passed' ? { code: 1000 } : status === 'failed' ? { code: 4200, message: '视频没有声音，请开启麦克风权限后重试' } : { code: 9000 }), updatedAt: new Date().toISOString() } }
  }
}

let root: string
let fake: FakeWx
let server: MegviiServer
let sandbox: SandboxModule
let events: Array<{ name: string; detail: unknown }>

beforeAll(async () => {
  // A mini-program root: the kit where a project puts it, Megvii's package at the root.
  root = await mkdtemp(path.join(os.tmpdir(), 'faceid-megvii-mp-'))
  await cp(KIT_DIR, path.join(root, 'faceid-kit'), { recursive: true })
  await cp(path.join(SIM_DIR, 'faceid-components'), path.join(root, 'faceid-components'), { recursive: true })
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let generation = 0
beforeEach(() => {
  generation++
  fake = new FakeWx().install()
  server = new MegviiServer()
  fake.router = server.route
  events = []
})

function mount(props: Record<string, unknown> = {}): MountedComponent {
  for (const key of Object.keys(nodeRequire.cache)) if (key.startsWith(root + path.sep)) delete nodeRequire.cache[key]
  const id = simulate.load(path.join(root, 'faceid-kit/megvii-verify/index'), 'megvii-verify', { compiler: 'simulate', rootPath: root })
  const kit = nodeRequire(path.join(root, 'faceid-kit/index.js')) as KitModule
  kit.configure({ baseUrl: 'https://api.test', header: { Authorization: 'Bearer demo' } })
  sandbox = nodeRequire(path.join(root, 'faceid-components/sandbox.js')) as SandboxModule
  const comp = simulate.render(id, props) as unknown as MountedComponent
  // A component of an earlier test that settles late must not write into this test's events.
  const mountedIn = generation
  for (const event of EVENTS) comp.addEventListener(event, (e) => void (mountedIn === generation && events.push({ name: event, detail: e.detail })))
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/**
 * Waits until nothing moves (events, requests, result reads) for three 20 ms ticks in a row: the
 * flows cross several macrotasks, and a loaded machine stretches them.
 */
async function settle(): Promise<void> {
  let last = ''
  for (let i = 0, stable = 0; i < 150 && stable < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    const now = `${events.length}/${fake.requests.length}/${server.reads}`
    stable = now === last ? stable + 1 : 0
    last = now
  }
}
const names = (): string[] => events.map((e) => e.name)
const button = (comp: MountedComponent, selector = '.fk-verify'): MountedNode => comp.querySelector(selector)

async function started(comp: MountedComponent): Promise<string> {
  button(comp).dispatchEvent('tap')
  await settle()
  expect(names()).toEqual(['start'])
  const token = (events[0]!.detail as { token: string }).token
  expect(token).toBe(server.issued[0])
  // Megvii's component is on screen with the biz_token.
  expect(comp.data['token']).toBe(token)
  expect(sandbox.current()?.token).toBe(token)
  return token
}

describe('<megvii-verify>', () => {
  it('complete → the server\'s verdict as result; the request carries the partner\'s header and an empty body', async () => {
    const comp = mount()
    const token = await started(comp)
    expect(fake.requests[0]).toMatchObject({ method: 'POST', url: 'https://api.test/faceid/megvii/biz-token', data: {}, header: { Authorization: 'Bearer demo' } })
    server.results.set(token, 'passed')
    expect(await sandbox.finish('complete')).toBe(true)
    await settle()
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]!.detail).toMatchObject({ token, status: 'passed', code: 1000 })
    expect(fake.requests[1]).toMatchObject({ method: 'GET', url: `https://api.test/faceid/megvii/biz-token/${encodeURIComponent(token)}` })
    // Megvii's component is gone, the button is back.
    expect(comp.data['token']).toBe('')
    expect(sandbox.current()).toBeUndefined()
    expect(button(comp).dom.textContent).toContain('开始人脸核身')
  })

  it('the simulated component\'s own buttons (DevTools) end the flow as finish() does', async () => {
    const comp = mount()
    const token = await started(comp)
    server.results.set(token, 'passed')
    const megvii = comp.querySelector('.fk-megvii') as unknown as { querySelector(selector: string): MountedNode }
    megvii.querySelector('.megvii-sim__btn').dispatchEvent('tap')
    await settle()
    expect(events[1]).toMatchObject({ name: 'result', detail: { token, status: 'passed' } })
  })

  it('the server\'s verdict wins over the component\'s status: complete with a failed verdict is a failed result', async () => {
    const comp = mount()
    const token = await started(comp)
    server.results.set(token, 'failed')
    await sandbox.finish('complete')
    await settle()
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]).toMatchObject({ name: 'result', detail: { token, status: 'failed', code: 4200 } })
  })

  it('complete while the server is still pending: asked again until the verdict, within verdict-timeout', async () => {
    const comp = mount({ verdictTimeout: 400 })
    const token = await started(comp)
    server.script.push('pending', 'pending')
    server.results.set(token, 'passed')
    await sandbox.finish('complete')
    await vi.waitFor(() => expect(names()).toContain('result'), { timeout: 5000, interval: 20 })
    expect(server.reads).toBe(3)
    expect(names()).toEqual(['start', 'result'])
    expect(events[1]).toMatchObject({ name: 'result', detail: { status: 'passed' } })
  })

  it('complete and no verdict by verdict-timeout → pending (not passed), the component closes', async () => {
    const comp = mount({ verdictTimeout: 200 })
    const token = await started(comp)
    const finishedAt = Date.now()
    await sandbox.finish('complete')
    await vi.waitFor(() => expect(names()).toContain('pending'), { timeout: 5000, interval: 20 })
    // Not before verdict-timeout, less one poll interval (a fifth of it).
    expect(Date.now() - finishedAt).toBeGreaterThanOrEqual(150)
    expect(names()).toEqual(['start', 'pending'])
    expect(events[1]!.detail).toEqual({ token })
    expect(server.reads).toBeGreaterThanOrEqual(2)
    expect(comp.data['token']).toBe('')
  })

  it('complete, then the server fails → a retryable error carrying the token, not a verdict', async () => {
    const comp = mount()
    const token = await started(comp)
    server.script.push(503)
    await sandbox.finish('complete')
    await settle()
    expect(names()).toEqual(['start', 'error'])
    expect(events[1]!.detail).toMatchObject({ code: 'upstream_unavailable', retryable: true, status: 503, token })
  })

  it('tokenError → a typed retryable error (even when the server would say passed), and a token Megvii cannot use ends the same way', async () => {
    let comp = mount()
    const token = await started(comp)
    server.results.set(token, 'passed')
    await sandbox.finish('tokenError')
    await settle()
    expect(events[1]).toEqual({ name: 'error', detail: { code: 'TOKEN_ERROR', message: '核身凭证无效或已过期，请重新开始', retryable: true, token } })
    expect(server.reads).toBe(0)
    expect(comp.data['token']).toBe('')
    // The next tap issues a new biz_token.
    events = []
    button(comp).dispatchEvent('tap')
    await settle()
    expect(names()).toEqual(['start'])
    expect(server.issued).toHaveLength(2)
    events = []
    server.badToken = true
    comp = mount()
    button(comp).dispatchEvent('tap')
    await settle()
    expect(names()).toEqual(['start', 'error'])
    expect(events[1]!.detail).toMatchObject({ code: 'TOKEN_ERROR', retryable: true })
  })

  it('onFinish of another biz_token says nothing about this one', async () => {
    const comp = mount()
    const token = await started(comp)
    ;(comp.instance as { onFinish(e: { detail: unknown }): void }).onFinish({ detail: { token: '1462257147,ffffffffffffffffffffffffffffffff', status: 'tokenError' } })
    await settle()
    expect(names()).toEqual(['start'])
    expect(comp.data['token']).toBe(token)
  })

  it('the user taps 退出核身 before finishing → cancel user-cancel; when the verdict already exists → result', async () => {
    let comp = mount()
    let token = await started(comp)
    sandbox.abandon()
    button(comp, '.fk-megvii-back').dispatchEvent('tap')
    await settle()
    expect(events[1]).toEqual({ name: 'cancel', detail: { token, reason: 'user-cancel' } })
    expect(comp.data['token']).toBe('')
    // Megvii's component, gone, fires nothing later.
    events = []
    comp = mount()
    button(comp).dispatchEvent('tap')
    await settle()
    token = (events[0]!.detail as { token: string }).token
    server.results.set(token, 'passed')
    button(comp, '.fk-megvii-back').dispatchEvent('tap')
    await settle()
    expect(events[1]).toMatchObject({ name: 'result', detail: { token, status: 'passed' } })
  })

  it('backing out when the server cannot answer still settles: cancel, never a hang', async () => {
    const comp = mount()
    const token = await started(comp)
    server.script.push(503)
    button(comp, '.fk-megvii-back').dispatchEvent('tap')
    await settle()
    expect(events[1]).toEqual({ name: 'cancel', detail: { token, reason: 'user-cancel' } })
  })

  it('the user backs out of the page (no onFinish ever, the page unloads) → cancel no-callback after one ask', async () => {
    const comp = mount()
    const token = await started(comp)
    sandbox.abandon()
    comp.detach()
    await settle()
    expect(server.reads).toBe(1)
    expect(events.slice(1)).toEqual([{ name: 'cancel', detail: { token, reason: 'no-callback' } }])
    // Abandoned: Megvii's component cannot fire any more.
    expect(sandbox.current()).toBeUndefined()
  })

  it('the page is hidden and shown again without onFinish: the server is asked; pending keeps the component, a verdict settles it', async () => {
    const comp = mount()
    const token = await started(comp)
    comp.triggerPageLifeTime('hide')
    comp.triggerPageLifeTime('show')
    await settle()
    expect(server.reads).toBe(1)
    expect(names()).toEqual(['start'])
    expect(comp.data['token']).toBe(token)
    expect(sandbox.current()?.token).toBe(token)
    server.results.set(token, 'failed')
    comp.triggerPageLifeTime('hide')
    comp.triggerPageLifeTime('show')
    await settle()
    expect(events[1]).toMatchObject({ name: 'result', detail: { status: 'failed' } })
    expect(comp.data['token']).toBe('')
  })

  it('a verdict-timeout that is not a duration → INVALID_OPTIONS before any biz_token is asked for', async () => {
    const comp = mount({ verdictTimeout: -5 })
    button(comp).dispatchEvent('tap')
    await settle()
    expect(names()).toEqual(['error'])
    expect(events[0]!.detail).toMatchObject({ code: 'INVALID_OPTIONS', retryable: false })
    expect(fake.requests).toHaveLength(0)
    expect(comp.data['busy']).toBe(false)
  })

  it('disabled: a tap asks nothing, shows nothing, emits nothing', async () => {
    const comp = mount({ disabled: true })
    button(comp).dispatchEvent('tap')
    await settle()
    expect(fake.requests).toHaveLength(0)
    expect(events).toHaveLength(0)
    expect(sandbox.current()).toBeUndefined()
  })

  it('a refused issuance → a retryable error and the button again; nothing is shown', async () => {
    server.failNext = 503
    const comp = mount()
    button(comp).dispatchEvent('tap')
    await settle()
    expect(names()).toEqual(['error'])
    expect(events[0]!.detail).toMatchObject({ code: 'upstream_unavailable', retryable: true, status: 503 })
    expect(comp.data['busy']).toBe(false)
    expect(sandbox.current()).toBeUndefined()
  })
})
