/**
 * The Megvii client against the Megvii emulator over loopback: AppCode auth, Megvii's error
 * strings and HTTP statuses mapped to typed, correctly retryable errors, the H5 page URL, and
 * the retry wrapper riding out injected faults.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createMegviiEmulator, MEGVII_SANDBOX_APPCODE as EMULATOR_APPCODE, type MegviiEmulator } from '../../emulator/megvii/index.js'
import { ConfigurationError, UpstreamError } from '../../src/errors/index.js'
import { createMegviiClient } from '../../src/providers/megvii/client.js'
import type { GetBizTokenRequest } from '../../src/providers/megvii/actions.js'
import { MEGVII_SANDBOX_APPCODE } from '../../src/providers/megvii/options.js'
import { UpstreamTimeoutError } from '../../src/resilience/deadlines.js'
import { withRetries } from '../../src/resilience/retry.js'
import { MEGVII_IDENTITY } from '../support/megvii.js'

let emulator: MegviiEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function start(options: Parameters<typeof createMegviiEmulator>[0] = {}): Promise<string> {
  emulator = createMegviiEmulator({ logger: false, ...options })
  return (await emulator.listen()).url
}

const request: GetBizTokenRequest = {
  return_url: 'https://partner.example/return',
  notify_url: 'https://partner.example/notify',
  liveness_type: 'video_number',
  comparison_type: '1',
  group: '0',
  idcard_name: MEGVII_IDENTITY.name,
  idcard_number: MEGVII_IDENTITY.idCard,
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UpstreamError)
  return error as UpstreamError
}

describe('Megvii client', () => {
  it('shares the sandbox AppCode with the emulator', () => {
    expect(MEGVII_SANDBOX_APPCODE).toBe(EMULATOR_APPCODE)
  })

  it('issues a biz_token of Megvii\'s shape with its H5 page, and reads "not started" before the flow', async () => {
    const url = await start()
    const client = createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: url, pageBase: 'https://h5.example' })
    const issued = await client.call('get_biz_token', request)
    expect(issued.biz_token).toMatch(/^\d{10},[0-9a-f]{32}$/)
    expect(issued.url).toBe(`https://h5.example/lite/v1/do/${encodeURIComponent(issued.biz_token!)}`)
    const result = await client.call('get_result', { biz_token: issued.biz_token! })
    expect(result).toMatchObject({ result_code: '9000', result_message: 'LIVING_NOT_START', biz_token: issued.biz_token })
    expect(emulator!.token(issued.biz_token!)).toMatchObject({ idcardName: MEGVII_IDENTITY.name, returnUrl: request.return_url, notifyUrl: request.notify_url })
  })

  it('is refused by the gateway with a wrong AppCode: auth failure, not retried', async () => {
    const url = await start()
    const client = withRetries(createMegviiClient({ appCode: 'not-the-right-appcode', endpoint: url }), { baseDelayMs: 1 })
    const error = await failure(client.call('get_biz_token', request))
    expect(error).toMatchObject({ code: 'upstream_auth_failed', retryable: false, tencentCode: 'HTTP403' })
    expect(emulator!.stats().calls['get_biz_token']).toBe(1)
  })

  it('maps Megvii\'s argument errors (400) to non-retryable errors carrying the error string', async () => {
    const url = await start()
    const client = createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: url })
    const missing = await failure(client.call('get_biz_token', { ...request, return_url: '' }))
    expect(missing).toMatchObject({ tencentCode: 'MISSING_ARGUMENTS:return_url', retryable: false, code: 'upstream_error' })
    expect(missing.requestId).toBeTruthy()
    const bad = await failure(client.call('get_biz_token', { ...request, notify_url: 'ftp://x' }))
    expect(bad.tencentCode).toBe('BAD_ARGUMENTS:notify_url')
    const noName = await failure(client.call('get_biz_token', { ...request, idcard_name: '' }))
    expect(noName.tencentCode).toBe('MISSING_ARGUMENTS:idcard_name')
    const unknown = await failure(client.call('get_result', { biz_token: '1462257147,34fb21937e47ae719f11cbc719615687' }))
    expect(unknown).toMatchObject({ tencentCode: 'BAD_ARGUMENTS:biz_token', retryable: false })
  })

  it('treats CONCURRENCY_LIMIT_EXCEEDED (429), INTERNAL_ERROR (500) and other 5xx as retryable, and a dropped connection too', async () => {
    const url = await start()
    const client = createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: url, timeoutSeconds: 1 })
    emulator!.setFaults({ rateLimitRate: 1 })
    expect(await failure(client.call('get_biz_token', request))).toMatchObject({ tencentCode: 'CONCURRENCY_LIMIT_EXCEEDED', retryable: true, code: 'upstream_rate_limited' })
    emulator!.setFaults({ internalErrorRate: 1 })
    expect(await failure(client.call('get_biz_token', request))).toMatchObject({ tencentCode: 'INTERNAL_ERROR', retryable: true })
    emulator!.setFaults({ http5xxRate: 1 })
    expect(await failure(client.call('get_biz_token', request))).toMatchObject({ tencentCode: 'HTTP502', retryable: true })
    emulator!.setFaults({ dropRate: 1 })
    expect(await failure(client.call('get_biz_token', request))).toMatchObject({ tencentCode: 'NetworkError', retryable: true })
    emulator!.setFaults({ stallRate: 1 })
    expect(await failure(client.call('get_biz_token', request))).toMatchObject({ tencentCode: 'Timeout', retryable: true })
  })

  it('names Megvii, not Tencent, when a call runs past its attempt deadline or its budget', async () => {
    const url = await start({ faults: { stallRate: 1 } })
    const attempt = await failure(createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: url, timeoutSeconds: 0.2 }).call('get_biz_token', request))
    expect(attempt).toBeInstanceOf(UpstreamTimeoutError)
    expect(attempt.message).toBe('Megvii get_biz_token is unreachable (no complete answer within the attempt deadline of 200 ms)')
    const retried = withRetries(createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: url, timeoutSeconds: 5 }), { budgetMs: 300, provider: 'Megvii' })
    const budget = await failure(retried.call('get_biz_token', request))
    expect(budget.message).toBe('Megvii get_biz_token is unreachable (no complete answer within the call deadline of 300 ms)')
  })

  it('gets through 40 % faults with retries', async () => {
    const url = await start({ faults: { rateLimitRate: 0.1, internalErrorRate: 0.1, http5xxRate: 0.1, dropRate: 0.1, seed: 7 } })
    const client = withRetries(createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: url }), { attempts: 8, baseDelayMs: 1, maxDelayMs: 5 })
    for (let i = 0; i < 10; i++) expect((await client.call('get_biz_token', request)).biz_token).toBeTruthy()
    expect(emulator!.stats().faults.rateLimit + emulator!.stats().faults.internalError + emulator!.stats().faults.http5xx + emulator!.stats().faults.drop).toBeGreaterThan(0)
  })

  it('checks its options eagerly', () => {
    expect(() => createMegviiClient({ appCode: '' })).toThrow(ConfigurationError)
    expect(() => createMegviiClient({ appCode: 'has spaces in it' })).toThrow(/appCode/)
    expect(() => createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: 'fidlite.market.alicloudapi.com' })).toThrow(/endpoint/)
    expect(() => createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, pageBase: 'https://x.example/?a=1' })).toThrow(/pageBase/)
    expect(() => createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, timeoutSeconds: 0 })).toThrow(/timeoutSeconds/)
  })
})
