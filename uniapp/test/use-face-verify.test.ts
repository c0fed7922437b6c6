import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as faceSdk from '../../miniprogram/sim/verify_mpsdk/main'
import { finish } from '../../miniprogram/sim/verify_mpsdk/sandbox'
import { createKit, type Kit } from '../uni_modules/faceid-kit/js_sdk/core'
import { configureFaceidKit, DEFAULT_START_PATH } from '../uni_modules/faceid-kit/js_sdk/kit'
import { useFaceVerify } from '../uni_modules/faceid-kit/js_sdk/use-face-verify'
import { createUniPlatform } from '../uni_modules/faceid-kit/js_sdk/uni-platform'
import { BASE_URL, installPlatform, type Harness } from './helpers/platform'
import { pageShow, withSetup } from './helpers/mount'

let env: Harness
let kit: Kit

beforeEach(() => {
  env = installPlatform()
  kit = createKit(createUniPlatform())
  kit.configure({ baseUrl: BASE_URL, header: { Authorization: 'Bearer u1' }, loadFaceSdk: () => faceSdk })
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/**
 * Starts verify() and waits until the simulated SDK page is open. While a verification runs the
 * kit wraps wx.navigateTo (to see the SDK's page open): assertions use the spy kept before.
 */
async function startVerify(api: ReturnType<typeof useFaceVerify>) {
  const outcome = api.verify()
  await env.advance()
  const token = env.server.tokens.at(-1)
  expect(token).toBeDefined()
  return { outcome, token: token as string }
}

describe('useFaceVerify', () => {
  it('success: BizToken → verify_mpsdk on the host page → the server says passed', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    expect(api.status.value).toBe('idle')
    const navigateTo = env.wx.navigateTo
    const { outcome, token } = await startVerify(api)
    expect(api.busy.value).toBe(true)
    expect(api.token.value).toBe(token)
    expect(env.server.lastHeader?.Authorization).toBe('Bearer u1')
    // uni-app: the SDK opens the page hosting indexCom, the default one install-wxcomponents writes
    // (the real SDK's page URL carries no token).
    expect(navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: DEFAULT_START_PATH }))

    env.server.results.set(token, { status: 'passed', code: 0, identity: { name: '*小宝', idCard: '1120**********243X' } })
    await finish('passed')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'passed', token } })
    expect(api.status.value).toBe('passed')
    expect(api.result.value?.identity?.name).toBe('*小宝')
    expect(api.busy.value).toBe(false)
    expect(env.server.calls).toEqual(['POST /faceid/biz-token', `GET /faceid/biz-token/${token}`])
  })

  it('failure: the SDK fails, the verdict is still the server’s', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    env.server.results.set(token, { status: 'failed', code: 1004, message: '人脸比对不通过' })
    await finish('failed', 1004)
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'failed', code: 1004 } })
    expect(api.status.value).toBe('failed')
    expect(api.error.value).toBeUndefined()
  })

  it('failure the server has no verdict for yet: an error, with the SDK code', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome } = await startVerify(api)
    await finish('failed', 1004)
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'error', error: { code: 1004 } })
    expect(api.status.value).toBe('error')
    expect(api.error.value?.code).toBe(1004)
  })

  it('cancel: the user cancels (90100) → the SDK page it leaves open is closed, the server asked once, cancelled', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    await finish('cancel')
    await expect(env.settle(outcome)).resolves.toEqual({ status: 'cancelled', token, reason: 'user-cancel' })
    expect(api.status.value).toBe('cancelled')
    expect(api.cancelReason.value).toBe('user-cancel')
    expect(env.pages).toHaveLength(1)
    expect(env.server.calls.filter((c) => c === `GET /faceid/biz-token/${token}`)).toHaveLength(1)
  })

  it('a cancel the server knows better: Tencent completed it, so it is the server’s result', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    env.server.results.set(token, { status: 'passed', code: 0 })
    await finish('home') // no callback at all
    kit.notifyShow() // the caller page's onShow
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'passed', token } })
  })

  it('no callback: "back to home" (-999) still settles once the page is shown again', async () => {
    const { api, wrapper } = withSetup(() => useFaceVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    await finish('home')
    expect(env.pages).toHaveLength(1) // the SDK page was popped
    let settled = false
    void outcome.then(() => (settled = true))
    await env.advance(5000)
    expect(settled).toBe(false) // nothing tells the kit the user is back…
    pageShow(wrapper) // …until the page's onShow
    await expect(env.settle(outcome)).resolves.toEqual({ status: 'cancelled', token, reason: 'no-callback' })
    expect(api.cancelReason.value).toBe('no-callback')
  })

  it('a server error on the token is an error outcome, never a rejection', async () => {
    env.server.failNext = { status: 401, code: 'UNAUTHORIZED' }
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const outcome = api.verify()
    await env.advance()
    await expect(outcome).resolves.toMatchObject({ status: 'error', error: { code: 'UNAUTHORIZED', status: 401 } })
    expect(api.status.value).toBe('error')
    expect(env.wx.navigateTo).not.toHaveBeenCalled()
  })

  it('a second verify() while one runs answers BUSY and leaves the first alone', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    await expect(api.verify()).resolves.toMatchObject({ status: 'error', error: { code: 'BUSY' } })
    expect(api.status.value).toBe('verifying')
    expect(api.token.value).toBe(token)
    await finish('cancel')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'cancelled' })
    api.reset()
    expect(api.status.value).toBe('idle')
    expect(api.cancelReason.value).toBeUndefined()
  })

  it('startPath: per composable, else configureFaceidKit, else the default page', async () => {
    const navigateTo = env.wx.navigateTo
    const { api } = withSetup(() => useFaceVerify({ kit, startPath: '/pages/verify/index', baseUrl: BASE_URL }))
    const first = await startVerify(api)
    expect(navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/verify/index' }))
    await finish('cancel')
    await env.settle(first.outcome)

    configureFaceidKit({ startPath: '/pages/host/index' })
    try {
      const { api: other } = withSetup(() => useFaceVerify({ kit }))
      const second = await startVerify(other)
      expect(navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/host/index' }))
      await finish('cancel')
      await env.settle(second.outcome)
    } finally {
      configureFaceidKit({ startPath: DEFAULT_START_PATH })
    }
  })

  it('without verify_mpsdk configured: SDK_MISSING before any token is spent', async () => {
    const bare = createKit(createUniPlatform())
    bare.configure({ baseUrl: BASE_URL })
    const { api } = withSetup(() => useFaceVerify({ kit: bare }))
    const outcome = api.verify()
    await env.advance()
    await expect(outcome).resolves.toMatchObject({ status: 'error', error: { code: 'SDK_MISSING' } })
    expect(env.server.tokens).toEqual([])
  })
})
