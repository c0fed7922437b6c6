/**
 * End to end: the compiled components → the real standalone server (sandbox mode) → the real
 * tencentcloud-sdk-nodejs client → the embedded emulator, with the simulated SDKs finishing the
 * verification through /sandbox/complete. wx.request goes over real HTTP.
 *
 * Runs in the node environment (esbuild and the ledger need Node's own typed arrays) with a jsdom
 * window installed by hand for miniprogram-simulate once the server is up.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { build } from '../miniprogram/scripts/build.mjs'
import { FakeWx } from '../miniprogram/test/helpers/fake-wx'
import { forgetModules, loadEidSim, loadFaceSim, loadKit } from '../miniprogram/test/helpers/load'
import type { MountedComponent as Rendered } from '../miniprogram/test/helpers/mounted'
import type { RunningServer } from '../server/src/standalone/server.js'
import { installDom } from './support/dom.js'
import { attachRecording, startSandboxSignedIn, wxRequestOverHttp, type Recorded } from './support/mini-program-e2e.js'

type Simulate = typeof import('miniprogram-simulate')

let simulate: Simulate

let outDir: string
let kitDir: string
let simDir: string
let server: RunningServer
let authorization: string

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'faceid-kit-e2e-'))
  ;({ kitDir, simDir } = await build({ outDir, demo: false }))
  ;({ server, authorization } = await startSandboxSignedIn('e2e-user'))
  installDom()
  simulate = (await import('miniprogram-simulate')).default as unknown as Simulate
}, 60_000)

afterAll(async () => {
  await server?.close()
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

let events: Recorded[]
let fake: FakeWx

beforeEach(() => {
  fake = new FakeWx().install()
  fake.router = wxRequestOverHttp
  events = []
  forgetModules(kitDir, simDir)
})

function mount(name: 'faceid-verify' | 'eid-verify'): Rendered {
  const id = simulate.load(path.join(kitDir, name, 'index'), name, { compiler: 'simulate', rootPath: kitDir })
  const kit = loadKit(kitDir)
  const header = { Authorization: authorization }
  kit.configure({
    baseUrl: server.url,
    header,
    settleDelay: 0,
    loadFaceSdk: () => loadFaceSim(simDir).main,
    loadEidSdk: () => loadEidSim(simDir).main,
  })
  loadFaceSim(simDir).sandbox.configureSandbox({ baseUrl: server.url, header })
  loadEidSim(simDir).sandbox.configureSandbox({ baseUrl: server.url, header, emulateEidApp: true })
  const comp = simulate.render(id, {}) as unknown as Rendered
  attachRecording(comp, ['start', 'result', 'error', 'cancel'], (e) => events.push(e))
  return comp
}

async function eventNamed(name: string): Promise<Recorded> {
  return vi.waitFor(
    () => {
      const found = events.find((e) => e.name === name || e.name === 'error')
      if (!found) throw new Error(`no ${name} event yet`)
      return found
    },
    { timeout: 15_000, interval: 20 },
  )
}

function tap(comp: Rendered): void {
  comp.querySelector('.fk-verify').dispatchEvent('tap')
}

describe('mini-program kit end to end (sandbox server + emulator)', { timeout: 30_000 }, () => {
  it.each([
    ['passed', 'passed'],
    ['failed', 'failed'],
  ] as const)('<faceid-verify>: the user’s "%s" comes back as a %s result from the server', async (choice, status) => {
    const comp = mount('faceid-verify')
    tap(comp)
    const start = await eventNamed('start')
    expect(start.name).toBe('start')
    const token = start.detail.token as string
    // The SDK fetches its config first; its page URL carries no token.
    await vi.waitFor(() => expect(fake.topRoute).toBe('/verify_mpsdk/index/index'), { timeout: 5_000, interval: 20 })
    await loadFaceSim(simDir).sandbox.finish(choice)
    const result = await eventNamed('result')
    expect(result.name).toBe('result')
    expect(result.detail).toMatchObject({ token, kind: 'face', status })
    if (status === 'passed') {
      // The mini-program only ever sees masked identity values.
      const identity = result.detail.identity as { name: string; idCard: string }
      expect(identity.name).not.toContain('张小宝')
      expect(identity.idCard).not.toBe('11204416541220243X')
    }
    expect(events.map((e) => e.name)).toEqual(['start', 'result'])
  })

  it('<faceid-verify> on WeChat’s face screen: the SDK answers 2.5 s after WeChat shows the app again → a result, not a cancel', async () => {
    const comp = mount('faceid-verify')
    const face = loadFaceSim(simDir).sandbox
    face.configureSandbox({ nativeFlow: true })
    tap(comp)
    const start = await eventNamed('start')
    const token = start.detail.token as string
    await vi.waitFor(() => expect(fake.nativeFace).toBeDefined(), { timeout: 5_000, interval: 20 })
    face.configureSandbox({ latencyMs: 2500 }) // the SDK's result request on a slow network
    fake.closeNativeFace('success') // the app shows again first, then the SDK completes on the server
    comp.triggerPageLifeTime('show')
    const result = await eventNamed('result')
    expect(result.name).toBe('result')
    expect(result.detail).toMatchObject({ token, kind: 'face', status: 'passed' })
    expect(events.map((e) => e.name)).toEqual(['start', 'result'])
  })

  it('<eid-verify>: prefetched token, emulated eID app, scene-1038 return → passed', async () => {
    const comp = mount('eid-verify')
    await vi.waitFor(() => expect(comp.data.ready).toBe(true), { timeout: 15_000, interval: 20 })
    tap(comp)
    const start = await eventNamed('start')
    const token = start.detail.token as string
    expect(fake.topRoute).toBe(`/mp_ecard_sdk/index/index?token=${token}&emulate=true`)
    await loadEidSim(simDir).sandbox.finishEmulated(token, 'passed')
    const result = await eventNamed('result')
    expect(result.detail).toMatchObject({ token, kind: 'eid', status: 'passed' })
  })
})
