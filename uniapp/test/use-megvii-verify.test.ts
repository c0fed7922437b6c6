import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createKit, type Kit } from '../uni_modules/faceid-kit/js_sdk/core'
import { useMegviiVerify } from '../uni_modules/faceid-kit/js_sdk/use-megvii-verify'
import { createUniPlatform } from '../uni_modules/faceid-kit/js_sdk/uni-platform'
import { BASE_URL, installPlatform, type Harness } from './helpers/platform'
import { pageShow, withSetup } from './helpers/mount'

let env: Harness
let kit: Kit

beforeEach(() => {
  env = installPlatform()
  kit = createKit(createUniPlatform())
  kit.configure({ baseUrl: BASE_URL, header: { Authorization: 'Bearer u1' } })
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/** Starts verify() and waits until Megvii's component would be on the page. */
async function startVerify(api: ReturnType<typeof useMegviiVerify>) {
  const outcome = api.verify()
  let settled = false
  void outcome.then(() => (settled = true))
  await env.advance()
  const token = env.server.tokens.at(-1)
  expect(token).toBeDefined()
  expect(api.showing.value).toBe(true)
  expect(api.token.value).toBe(token)
  expect(api.busy.value).toBe(true)
  return { outcome, token: token as string, settled: () => settled }
}

const finish = (api: ReturnType<typeof useMegviiVerify>, token: string, status: string): void => api.onFinish({ detail: { token, status } })

describe('useMegviiVerify', () => {
  it('complete → the server\'s verdict: biz_token from the Megvii route, the partner\'s header, Megvii\'s component shown then closed', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    expect(env.server.lastHeader?.Authorization).toBe('Bearer u1')
    env.server.results.set(token, { status: 'passed', code: 1000 })
    finish(api, token, 'complete')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { token, kind: 'megvii', status: 'passed', code: 1000 } })
    expect(api.status.value).toBe('passed')
    expect(api.showing.value).toBe(false)
    expect(api.busy.value).toBe(false)
    expect(env.server.calls).toEqual(['POST /faceid/megvii/biz-token', `GET /faceid/megvii/biz-token/${token}`])
  })

  it('the server\'s verdict wins over the component\'s status: complete, failed on the server → failed', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    env.server.results.set(token, { status: 'failed', code: 4200, message: '视频中没有检测到人脸，请重试' })
    finish(api, token, 'complete')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'failed', code: 4200 } })
    expect(api.status.value).toBe('failed')
    expect(api.result.value?.message).toBe('视频中没有检测到人脸，请重试')
  })

  it('complete while the server is still pending: asked again until it holds the verdict', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    finish(api, token, 'complete')
    await env.advance(2500)
    expect(api.status.value).toBe('verifying')
    env.server.results.set(token, { status: 'passed', code: 1000 })
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'passed' } })
    expect(env.server.calls.filter((call) => call.startsWith('GET')).length).toBeGreaterThanOrEqual(3)
  })

  it('complete and no verdict by verdictTimeout → the server\'s pending result, never passed', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit, verdictTimeout: 2000 }))
    const { outcome, token } = await startVerify(api)
    finish(api, token, 'complete')
    await expect(env.settle(outcome, 5000)).resolves.toMatchObject({ status: 'result', result: { token, status: 'pending' } })
    expect(api.status.value).toBe('pending')
    expect(api.showing.value).toBe(false)
  })

  it('complete, then the server fails → an error with the token (no verdict invented)', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    env.server.failNextResult = { status: 503, code: 'upstream_unavailable' }
    finish(api, token, 'complete')
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'error', error: { code: 'upstream_unavailable', retryable: true, token } })
    expect(api.status.value).toBe('error')
  })

  it('tokenError → TOKEN_ERROR, retryable, the server not asked; the next verify() gets a new biz_token', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    env.server.results.set(token, { status: 'passed', code: 1000 })
    finish(api, token, 'tokenError')
    await expect(env.settle(outcome)).resolves.toEqual({
      status: 'error',
      error: { code: 'TOKEN_ERROR', message: '核身凭证无效或已过期，请重新开始', retryable: true, token },
    })
    expect(api.status.value).toBe('error')
    expect(api.error.value?.code).toBe('TOKEN_ERROR')
    expect(api.showing.value).toBe(false)
    expect(env.server.calls).toEqual(['POST /faceid/megvii/biz-token'])
    const again = await startVerify(api)
    expect(again.token).not.toBe(token)
  })

  it('onFinish of another biz_token, or after the run settled, changes nothing', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token, settled } = await startVerify(api)
    finish(api, 'another-token', 'tokenError')
    await env.advance(100)
    expect(settled()).toBe(false)
    api.leave()
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'cancelled', reason: 'user-cancel' })
    finish(api, token, 'tokenError')
    await env.advance(100)
    expect(api.status.value).toBe('cancelled')
  })

  it('leave() before Megvii finishes → cancelled user-cancel; with a verdict on the server → the verdict', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    let started = await startVerify(api)
    api.leave()
    await expect(env.settle(started.outcome)).resolves.toEqual({ status: 'cancelled', token: started.token, reason: 'user-cancel' })
    expect(api.status.value).toBe('cancelled')
    expect(api.cancelReason.value).toBe('user-cancel')
    started = await startVerify(api)
    env.server.results.set(started.token, { status: 'failed', code: 6000 })
    api.leave()
    await expect(env.settle(started.outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'failed', code: 6000 } })
  })

  it('the user backs out of the page (no onFinish, the page unloads) → cancelled no-callback, also when the server cannot answer', async () => {
    let mounted = withSetup(() => useMegviiVerify({ kit }))
    let started = await startVerify(mounted.api)
    mounted.wrapper.unmount()
    await expect(env.settle(started.outcome)).resolves.toEqual({ status: 'cancelled', token: started.token, reason: 'no-callback' })
    mounted = withSetup(() => useMegviiVerify({ kit }))
    started = await startVerify(mounted.api)
    env.server.failNextResult = { status: 503, code: 'upstream_unavailable' }
    mounted.wrapper.unmount()
    await expect(env.settle(started.outcome)).resolves.toEqual({ status: 'cancelled', token: started.token, reason: 'no-callback' })
  })

  it('the page shows again without onFinish: pending keeps Megvii\'s component, a verdict ends the run', async () => {
    const { api, wrapper } = withSetup(() => useMegviiVerify({ kit }))
    const { outcome, token, settled } = await startVerify(api)
    pageShow(wrapper)
    await env.advance(100)
    expect(settled()).toBe(false)
    expect(api.showing.value).toBe(true)
    env.server.results.set(token, { status: 'passed', code: 1000 })
    pageShow(wrapper)
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'passed' } })
  })

  it('a refused issuance → an error, nothing shown; a second verify() while one runs → BUSY', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit }))
    env.server.failNext = { status: 503, code: 'upstream_unavailable' }
    await expect(env.settle(api.verify())).resolves.toMatchObject({ status: 'error', error: { code: 'upstream_unavailable', retryable: true } })
    expect(api.showing.value).toBe(false)
    const { outcome } = await startVerify(api)
    await expect(api.verify()).resolves.toMatchObject({ status: 'error', error: { code: 'BUSY' } })
    expect(api.status.value).toBe('verifying')
    api.leave()
    await env.settle(outcome)
  })

  it('a verdictTimeout that is not a duration → INVALID_OPTIONS before any biz_token is asked for', async () => {
    const { api } = withSetup(() => useMegviiVerify({ kit, verdictTimeout: -1 }))
    await expect(env.settle(api.verify())).resolves.toMatchObject({ status: 'error', error: { code: 'INVALID_OPTIONS', retryable: false } })
    expect(env.server.calls).toEqual([])
    expect(api.showing.value).toBe(false)
  })
})
