/**
 * 意愿核身 with the intention build of verify_mpsdk (the same module, the same `startVerify`): its
 * -9999 (retryable) and -99999 (final) reach the caller as typed outcomes. Kit and simulated SDK
 * both compiled, as shipped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, makeToken } from './helpers/fake-wx'
import { forgetModules, loadFaceSim, loadKit, type FaceSimMain, type FaceSimSandbox, type KitModule } from './helpers/load'
import { ServerStub } from './helpers/server-stub'
import { flush, track } from './helpers/track'

const TOKEN = makeToken(7)

let fake: FakeWx
let kit: KitModule
let sim: FaceSimMain
let sandbox: FaceSimSandbox

beforeEach(() => {
  vi.useFakeTimers()
  fake = new FakeWx().install()
  forgetModules()
  kit = loadKit()
  ;({ main: sim, sandbox } = loadFaceSim())
  kit.configure({ loadFaceSdk: () => sim, settleDelay: 0, returnTimeout: 2000 })
})
afterEach(() => {
  vi.useRealTimers()
})

async function started() {
  const run = track(kit.startFaceVerify({ token: TOKEN }))
  await flush()
  return run
}

describe('startFaceVerify with the intention build', () => {
  it('-9999: INTENTION_RETRY, retryable, after the SDK page went back', async () => {
    const run = await started()
    await sandbox.finish('failed', -9999)
    await flush()
    expect(fake.pages).toHaveLength(1)
    expect(run.state).toBe('rejected')
    expect(run.error).toMatchObject({ name: 'FaceIdKitError', code: 'INTENTION_RETRY', retryable: true, token: TOKEN, message: '意愿确认未通过，请重试' })
  })

  it('-99999: INTENTION_REFUSED, not retryable', async () => {
    const run = await started()
    await sandbox.finish('failed', -99999)
    await flush()
    expect(run.error).toMatchObject({ code: 'INTENTION_REFUSED', retryable: false, token: TOKEN })
    // The kit is free for the next verification.
    expect(kit.isBusy()).toBe(false)
  })

  it('other failures keep the SDK’s numeric code', async () => {
    const run = await started()
    await sandbox.finish('failed', 2016)
    await flush()
    expect(run.error).toMatchObject({ code: 2016, retryable: true })
  })

  it('tells the sandbox server an intention failure, not a face failure', async () => {
    sandbox.configureSandbox({ baseUrl: 'http://sandbox.test' })
    fake.router = () => ({ statusCode: 200, data: {} })
    const run = await started()
    await sandbox.finish('failed', -9999)
    await flush()
    const complete = fake.requests.find((r) => r.url.endsWith('/sandbox/complete'))
    expect(complete?.data).toEqual({ token: TOKEN, outcome: 'intention-failed' })
    expect(run.error).toMatchObject({ code: 'INTENTION_RETRY' })
  })
})

describe('verifyFace: the server’s verdict wins over the SDK’s intention code', () => {
  let server: ServerStub
  beforeEach(() => {
    server = new ServerStub()
    fake.router = server.route
    kit.configure({ baseUrl: 'https://api.test' })
  })

  it('-99999 with a failed verdict on the server: the result, asked at once', async () => {
    const run = track(kit.verifyFace())
    await flush()
    server.results.set(server.last, 'failed')
    await sandbox.finish('failed', -99999)
    await flush()
    expect(run.value).toMatchObject({ status: 'result', result: { status: 'failed', token: server.last } })
  })

  it('-9999 before the server has a verdict: the typed rejection', async () => {
    const run = track(kit.verifyFace())
    await flush()
    await sandbox.finish('failed', -9999)
    await flush()
    expect(run.error).toMatchObject({ code: 'INTENTION_RETRY', retryable: true })
  })
})
