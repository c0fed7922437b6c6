/**
 * End to end, Megvii in a mini-program: the compiled `<megvii-verify>` with the simulated
 * faceid-components → the real standalone server (sandbox mode) → the real Megvii client → the
 * emulator's Megvii mode, all over loopback. The simulated component "finishes" by ending the
 * biz_token through the server's `POST /sandbox/megvii/complete` (the emulator's presets) as
 * Megvii's flow would; the verdict is the server's get_result.
 *
 * Runs in the node environment with a jsdom window installed by hand for miniprogram-simulate
 * (as e2e-miniprogram.test.ts).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { build } from '../miniprogram/scripts/build.mjs'
import { FakeWx } from '../miniprogram/test/helpers/fake-wx'
import type { KitModule } from '../miniprogram/test/helpers/load'
import type { MountedComponent as Rendered } from '../miniprogram/test/helpers/mounted'
import { MEGVII_PRESETS } from '../server/emulator/megvii/index.js'
import type { RunningServer } from '../server/src/standalone/server.js'
import { installDom } from './support/dom.js'
import { attachRecording, startSandboxSignedIn, wxRequestOverHttp, type Recorded } from './support/mini-program-e2e.js'

type Simulate = typeof import('miniprogram-simulate')
type Sandbox = typeof import('../miniprogram/sim/faceid-components/sandbox')
const nodeRequire = createRequire(import.meta.url)

let outDir: string
/** A mini-program root: the kit where a project copies it, Megvii's package at the root. */
let root: string
let simulate: Simulate
let server: RunningServer
let authorization: string
let fake: FakeWx
let events: Recorded[]
let sandbox: Sandbox

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'faceid-kit-e2e-megvii-'))
  const { kitDir, simDir } = await build({ outDir, demo: false })
  root = path.join(outDir, 'app')
  await cp(kitDir, path.join(root, 'faceid-kit'), { recursive: true })
  await cp(path.join(simDir, 'faceid-components'), path.join(root, 'faceid-components'), { recursive: true })
  ;({ server, authorization } = await startSandboxSignedIn('e2e-megvii'))
  expect(server.megviiEmulator).toBeDefined()
  installDom()
  simulate = (await import('miniprogram-simulate')).default as unknown as Simulate
}, 60_000)

afterAll(async () => {
  await server?.close()
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

beforeEach(() => {
  fake = new FakeWx().install()
  fake.router = wxRequestOverHttp
  events = []
  for (const key of Object.keys(nodeRequire.cache)) if (key.startsWith(root + path.sep)) delete nodeRequire.cache[key]
})

function mount(props: Record<string, unknown> = {}): Rendered {
  const id = simulate.load(path.join(root, 'faceid-kit/megvii-verify/index'), 'megvii-verify', { compiler: 'simulate', rootPath: root })
  const kit = nodeRequire(path.join(root, 'faceid-kit/index.js')) as KitModule
  kit.configure({ baseUrl: server.url, header: { Authorization: authorization } })
  sandbox = nodeRequire(path.join(root, 'faceid-components/sandbox.js')) as Sandbox
  const comp = simulate.render(id, props) as unknown as Rendered
  attachRecording(comp, ['start', 'result', 'pending', 'error', 'cancel'], (e) => events.push(e))
  return comp
}

async function settledEvent(): Promise<Recorded> {
  return vi.waitFor(
    () => {
      const found = events.find((e) => e.name !== 'start')
      if (!found) throw new Error('not settled yet')
      return found
    },
    { timeout: 15_000, interval: 20 },
  )
}

async function started(comp: Rendered): Promise<string> {
  comp.querySelector('.fk-verify').dispatchEvent('tap')
  const start = await vi.waitFor(
    () => {
      const found = events.find((e) => e.name === 'start' || e.name === 'error')
      if (!found) throw new Error('no start yet')
      return found
    },
    { timeout: 15_000, interval: 20 },
  )
  expect(start).toMatchObject({ name: 'start' })
  const token = start.detail.token as string
  expect(sandbox.current()?.token).toBe(token)
  return token
}

/** The simulated component ends the biz_token through the server's sandbox route, as the demo does. */
function throughServerSandbox(): void {
  sandbox.configureSandbox({ baseUrl: server.url, header: { Authorization: authorization } })
}

describe('<megvii-verify> end to end (sandbox server + Megvii emulator)', { timeout: 30_000 }, () => {
  it.each([
    ['pass', 'passed', 1000],
    ['low-confidence', 'failed', 2000],
    ['not-same', 'failed', 2000],
    ['no-audio', 'failed', 4200],
  ] as const)('Megvii\'s "%s" with onFinish complete → the server\'s %s (code %s)', async (preset, status, code) => {
    const comp = mount()
    const token = await started(comp)
    throughServerSandbox()
    await sandbox.finish('complete', preset)
    const settled = await settledEvent()
    expect(settled).toMatchObject({ name: 'result', detail: { token, kind: 'megvii', status, code } })
    // Nothing personal reaches the mini-program.
    expect(JSON.stringify(settled.detail)).not.toContain('张小宝')
    expect(JSON.stringify(settled.detail)).not.toContain('11204416541220243X')
  })

  it('a front end that says complete while Megvii has no result gets no pass: the server\'s pending', async () => {
    const comp = mount({ verdictTimeout: 600 })
    const token = await started(comp)
    sandbox.configureSandbox({})
    await sandbox.finish('complete')
    const settled = await settledEvent()
    expect(settled).toEqual({ name: 'pending', detail: { token } })
  })

  it('tokenError → TOKEN_ERROR (retryable); the next tap gets a new biz_token from the emulator', async () => {
    const comp = mount()
    const token = await started(comp)
    await sandbox.finish('tokenError')
    expect(await settledEvent()).toMatchObject({ name: 'error', detail: { code: 'TOKEN_ERROR', retryable: true, token } })
    events = []
    const next = await started(comp)
    expect(next).not.toBe(token)
    expect(server.megviiEmulator!.token(next)).toBeDefined()
  })

  it('the user backs out (no onFinish, the page unloads) → cancel, and the biz_token stays open on the server', async () => {
    const comp = mount()
    const token = await started(comp)
    sandbox.abandon()
    comp.detach()
    expect(await settledEvent()).toEqual({ name: 'cancel', detail: { token, reason: 'no-callback' } })
    const res = await fetch(`${server.url}/faceid/megvii/biz-token/${encodeURIComponent(token)}`, { headers: { authorization } })
    expect(await res.json()).toMatchObject({ status: 'pending' })
  })

  it('the user leaves after Megvii finished but before onFinish reached the page → the verdict, not a cancel', async () => {
    const comp = mount()
    const token = await started(comp)
    await server.megviiEmulator!.complete(token, MEGVII_PRESETS['pass']!, { notify: false })
    sandbox.abandon()
    comp.querySelector('.fk-megvii-back').dispatchEvent('tap')
    expect(await settledEvent()).toMatchObject({ name: 'result', detail: { token, status: 'passed' } })
  })
})
