/**
 * useFaceVerify with the intention build of verify_mpsdk (意愿核身): its -9999 / -99999 reach the
 * composable as typed errors, and the server's verdict (with its intention part) still wins.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as faceSdk from '../../miniprogram/sim/verify_mpsdk/main'
import { finish } from '../../miniprogram/sim/verify_mpsdk/sandbox'
import { createKit, type Kit } from '../uni_modules/faceid-kit/js_sdk/core'
import { useFaceVerify } from '../uni_modules/faceid-kit/js_sdk/use-face-verify'
import { createUniPlatform } from '../uni_modules/faceid-kit/js_sdk/uni-platform'
import { BASE_URL, installPlatform, type Harness } from './helpers/platform'
import { withSetup } from './helpers/mount'

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

async function startVerify(api: ReturnType<typeof useFaceVerify>) {
  const outcome = api.verify()
  await env.advance()
  const token = env.server.tokens.at(-1)
  expect(token).toBeDefined()
  return { outcome, token: token as string }
}

describe('useFaceVerify with 意愿核身', () => {
  it('-9999 with no verdict yet: error INTENTION_RETRY, retryable', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome } = await startVerify(api)
    await finish('failed', -9999)
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'error', error: { code: 'INTENTION_RETRY', retryable: true } })
    expect(api.status.value).toBe('error')
    expect(api.error.value).toMatchObject({ code: 'INTENTION_RETRY', retryable: true })
  })

  it('-99999 with no verdict yet: error INTENTION_REFUSED, not retryable', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome } = await startVerify(api)
    await finish('failed', -99999)
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'error', error: { code: 'INTENTION_REFUSED', retryable: false } })
  })

  it('the server knows: its failed verdict, with the intention part', async () => {
    const { api } = withSetup(() => useFaceVerify({ kit }))
    const { outcome, token } = await startVerify(api)
    const intention = { mode: 'questions' as const, passed: false, code: -301, items: [{ passed: true }, { passed: false }] }
    env.server.results.set(token, { status: 'failed', code: 66666006, message: '意愿表达结果不正确', intention })
    await finish('failed', -99999)
    await expect(env.settle(outcome)).resolves.toMatchObject({ status: 'result', result: { status: 'failed', code: 66666006, intention } })
    expect(api.status.value).toBe('failed')
  })
})
