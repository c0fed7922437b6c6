import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as eidSdk from '../../miniprogram/sim/mp_ecard_sdk/main'
import { configureSandbox, finishEmulated, resetSandbox } from '../../miniprogram/sim/mp_ecard_sdk/sandbox'
import { createKit, EID_APP_ID, type Kit, type KitErrorInfo } from '../uni_modules/faceid-kit/js_sdk/core'
import { useEidVerify } from '../uni_modules/faceid-kit/js_sdk/use-eid-verify'
import { createUniPlatform } from '../uni_modules/faceid-kit/js_sdk/uni-platform'
import type { UseEidVerifyOptions } from '../uni_modules/faceid-kit/js_sdk/types'
import { BASE_URL, installPlatform, type Harness } from './helpers/platform'
import { pageShow, withSetup } from './helpers/mount'

let env: Harness
let kit: Kit

beforeEach(() => {
  env = installPlatform()
  kit = createKit(createUniPlatform())
  kit.configure({ baseUrl: BASE_URL, loadEidSdk: () => eidSdk })
})

afterEach(() => {
  resetSandbox() // the simulated SDK's module state lives as long as this file
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

async function mounted(options: UseEidVerifyOptions = {}) {
  const setup = withSetup(() => useEidVerify({ kit, ...options }))
  await env.advance()
  return setup
}

const posts = () => env.server.calls.filter((c) => c === 'POST /faceid/eid-token').length

describe('useEidVerify', () => {
  it('fetches the EidToken on mount, opens eID synchronously in the tap, and takes the verdict from the server', async () => {
    const { api } = await mounted()
    expect(api.ready.value).toBe(true)
    const [first] = env.server.tokens
    expect(first).toBeDefined()

    // The kit wraps the jump APIs while eID runs: keep the spy itself.
    const navigate = env.wx.navigateToMiniProgram
    const outcome = api.start()
    // No await between the tap and the jump (WeChat's TAP rule).
    expect(navigate).toHaveBeenCalledTimes(1)
    const jump = navigate.mock.calls[0]?.[0] as { appId: string; extraData: { huiyanToken: string } }
    expect(jump.appId).toBe(EID_APP_ID)
    expect(jump.extraData.huiyanToken).toBe(first)
    expect(api.status.value).toBe('verifying')
    expect(api.token.value).toBe(first)

    env.server.results.set(first as string, { status: 'passed', code: 0 })
    await finishEmulated(first as string, 'passed')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'passed', kind: 'eid' } })
    expect(api.status.value).toBe('passed')
    // The token was single use: the next one is fetched and ready. (Its request is made from a
    // timer callback, where the fake timers turn a 0 ms delay into 1 ms.)
    await env.advance(1)
    expect(env.server.tokens).toHaveLength(2)
    expect(api.ready.value).toBe(true)
  })

  it('the user declines WeChat’s “open mini-program” dialog: cancelled, and the caller page is not popped', async () => {
    env.wx.navigateToMiniProgram.mockImplementation((o: { fail: (e: { errMsg: string }) => void }) =>
      o.fail({ errMsg: 'navigateToMiniProgram:fail cancel' }),
    )
    const { api } = await mounted()
    const token = env.server.tokens[0]
    await expect(env.settle(api.start())).resolves.toEqual({ status: 'cancelled', token, reason: 'jump-cancel' })
    expect(api.cancelReason.value).toBe('jump-cancel')
    // mp_ecard_sdk 1.0.7 calls navigateBack() on a failed jump; the kit keeps the page.
    expect(env.wx.navigateBack).not.toHaveBeenCalled()
  })

  it('a jump outside a tap fails with JUMP_FAILED, not silence', async () => {
    env.wx.navigateToMiniProgram.mockImplementation((o: { fail: (e: { errMsg: string }) => void }) =>
      o.fail({ errMsg: 'navigateToMiniProgram:fail can only be invoked by user TAP gesture.' }),
    )
    const { api } = await mounted()
    const outcome = await env.settle(api.start())
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'JUMP_FAILED', retryable: false } })
    expect(api.error.value?.code).toBe('JUMP_FAILED')
  })

  it('no callback: eID returns without verifyDone; the app show still settles it', async () => {
    const { api } = await mounted()
    const token = env.server.tokens[0] as string
    const outcome = api.start()
    env.showApp({ scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData: {} } })
    await expect(env.settle(outcome)).resolves.toEqual({ status: 'cancelled', token, reason: 'no-callback' })
    expect(api.status.value).toBe('cancelled')
  })

  it('a tap before the token is ready fetches one and asks for another tap (no await before the jump)', async () => {
    const { api } = withSetup(() => useEidVerify({ kit, immediate: false }))
    expect(api.ready.value).toBe(false)
    await expect(api.start()).resolves.toMatchObject({ status: 'error', error: { code: 'NOT_READY', retryable: true } })
    expect(env.wx.navigateToMiniProgram).not.toHaveBeenCalled()
    expect(api.preparing.value).toBe(true)
    await env.advance()
    expect(api.ready.value).toBe(true)
    expect(posts()).toBe(1)
  })

  it('renews the token before its 600 s run out, and starts with the fresh one', async () => {
    const { api } = await mounted()
    const [first] = env.server.tokens
    await env.advance(530_000)
    expect(posts()).toBe(1)
    await env.advance(15_000) // 545 s: past the 60 s renewal margin
    expect(posts()).toBe(2)
    const second = env.server.tokens[1]
    expect(second).not.toBe(first)
    expect(api.ready.value).toBe(true)
    const navigate = env.wx.navigateToMiniProgram
    void api.start()
    const jump = navigate.mock.calls[0]?.[0] as { extraData: { huiyanToken: string } }
    expect(jump.extraData.huiyanToken).toBe(second)
  })

  it('renews sooner when the server gives the token a shorter life', async () => {
    env.server.lifetimeMs = 100_000
    await mounted({ renewMargin: 30_000 })
    await env.advance(69_000)
    expect(posts()).toBe(1)
    await env.advance(2_000)
    expect(posts()).toBe(2)
  })

  it('a page show with an expired token fetches a new one', async () => {
    env.server.lifetimeMs = 5_000 // already under the 10 s a start needs
    const { wrapper } = await mounted()
    expect(posts()).toBe(1)
    pageShow(wrapper)
    await env.advance()
    expect(posts()).toBe(2)
  })

  it('stops renewing once the component is gone', async () => {
    const { wrapper } = await mounted()
    wrapper.unmount()
    await env.advance(1_200_000)
    expect(posts()).toBe(1)
  })

  it('half-screen: openEmbeddedMiniProgram with allowFullScreen, when the client and the SDK build can (uni_1.0.5)', async () => {
    configureSandbox({ build: 'uni_1.0.5' })
    const embedded = vi.fn()
    env.wx.openEmbeddedMiniProgram = embedded
    const navigate = env.wx.navigateToMiniProgram
    const { api } = await mounted({ embedded: true, allowFullScreen: false })
    void api.start()
    expect(embedded).toHaveBeenCalledWith(expect.objectContaining({ appId: EID_APP_ID, allowFullScreen: false }))
    expect(navigate).not.toHaveBeenCalled()
  })

  it('uni build, needJumpPage: a cancelled jump closes the confirm page the SDK leaves open, so no later 确认进入 can complete unheard', async () => {
    configureSandbox({ build: 'uni_1.0.5' })
    const { api } = await mounted({ needJumpPage: true })
    const token = env.server.tokens[0] as string
    env.wx.navigateToMiniProgram.mockImplementation((o: { fail: (e: { errMsg: string }) => void }) =>
      o.fail({ errMsg: 'navigateToMiniProgram:fail cancel' }),
    )
    const outcome = api.start()
    expect(env.pages).toHaveLength(2) // the SDK's confirm page
    eidSdk.jumpToEid() // 确认进入, through uni (which reads wx on each call)
    await expect(env.settle(outcome)).resolves.toEqual({ status: 'cancelled', token, reason: 'jump-cancel' })
    expect(env.pages).toHaveLength(1)
  })

  it('1.0.7 without half-screen: a normal jump, and the verdict from the server', async () => {
    const embedded = vi.fn()
    env.wx.openEmbeddedMiniProgram = embedded
    const navigate = env.wx.navigateToMiniProgram
    const { api } = await mounted({ embedded: true })
    const token = env.server.tokens[0] as string
    const outcome = api.start()
    expect(embedded).not.toHaveBeenCalled()
    expect(navigate).toHaveBeenCalledTimes(1)
    env.server.results.set(token, { status: 'passed', code: 0 })
    await finishEmulated(token, 'passed')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'passed' } })
  })

  it('a failed token fetch is reported (error + onPrepareError) and the next tap retries', async () => {
    env.server.failNext = { status: 503, code: 'UPSTREAM_UNAVAILABLE' }
    const seen: KitErrorInfo[] = []
    const { api } = await mounted({ onPrepareError: (error) => seen.push(error) })
    expect(api.ready.value).toBe(false)
    expect(api.status.value).toBe('error')
    expect(seen).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', retryable: true, status: 503 })])
    await expect(api.start()).resolves.toMatchObject({ status: 'error', error: { code: 'NOT_READY' } })
    await env.advance()
    expect(api.ready.value).toBe(true)
  })
})
