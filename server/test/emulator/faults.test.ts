import { describe, expect, it } from 'vitest'
import { EmulatorError, TENCENT_QPS_LIMITS, type FaultOptions } from '../../emulator/index.js'
import { type FaceidClient, TestClock, sandbox, sdkError, start } from '../support/emulator.js'

type Outcome = 'ok' | 'http500' | 'RequestLimitExceeded' | 'InternalError' | 'dropped'

async function outcomeOf(client: FaceidClient): Promise<Outcome> {
  try {
    await client.DetectAuth({ RuleId: '1' })
    return 'ok'
  } catch (e) {
    const error = e as { httpCode?: number; code?: string; message: string }
    if (error.httpCode === 500) {
      expect(error.message).toBe('Internal Server Error')
      return 'http500'
    }
    if (error.code === 'RequestLimitExceeded' || error.code === 'InternalError') return error.code
    if (/socket hang up|ECONNRESET/.test(error.message)) return 'dropped'
    throw e
  }
}

const FAULTS: FaultOptions = { http5xxRate: 0.1, rateLimitRate: 0.1, internalErrorRate: 0.1, dropRate: 0.1, slowRate: 0.1, slowMs: 1, seed: 42 }
const REQUESTS = 300

async function run(faults: FaultOptions) {
  const { client, emulator } = await start({ faults })
  const c = client()
  const outcomes: Outcome[] = []
  for (let i = 0; i < REQUESTS; i += 1) outcomes.push(await outcomeOf(c))
  const count = (o: Outcome) => outcomes.filter((x) => x === o).length
  return { outcomes, count, stats: emulator.stats() }
}

describe('fault injection', () => {
  it('honours the rates roughly, counts every fault, and is reproducible with a seed', async () => {
    const { outcomes, count, stats } = await run(FAULTS)
    expect(stats.faults.http5xx).toBe(count('http500'))
    expect(stats.faults.rateLimit).toBe(count('RequestLimitExceeded'))
    expect(stats.faults.internalError).toBe(count('InternalError'))
    expect(stats.faults.drop).toBe(count('dropped'))
    for (const kind of ['http5xx', 'rateLimit', 'internalError', 'drop', 'slow'] as const) {
      // Expected 30 of 300 each; a generous band, the seed makes it deterministic anyway.
      expect(stats.faults[kind]).toBeGreaterThan(12)
      expect(stats.faults[kind]).toBeLessThan(55)
    }
    expect(count('ok')).toBe(REQUESTS - stats.faults.http5xx - stats.faults.rateLimit - stats.faults.internalError - stats.faults.drop)
    expect(stats.faultsInjected).toBe(Object.values(stats.faults).reduce((a, b) => a + b, 0))
    expect(stats.calls.DetectAuth).toBe(REQUESTS)
    expect(stats.qpsViolations).toBe(0)

    const again = await run(FAULTS)
    expect(again.outcomes).toEqual(outcomes)
  })

  it('never applies to sandbox routes, and can be switched off', async () => {
    const { client, emulator, address } = await start()
    const token = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    emulator.setFaults({ http5xxRate: 1 })
    expect((await sdkError(client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1' }))).httpCode).toBe(500)
    expect((await sandbox(address, `/sandbox/tokens/${token}`)).status).toBe(200)
    expect((await sandbox(address, '/sandbox/complete', { body: { token, outcome: 'passed' } })).status).toBe(200)
    emulator.setFaults(undefined)
    expect((await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1' })).Text?.ErrCode).toBe(0)
    expect(emulator.stats().faults.http5xx).toBe(1)
  })

  it('rejects impossible rates', async () => {
    const { emulator } = await start()
    expect(() => emulator.setFaults({ http5xxRate: 0.6, dropRate: 0.6 })).toThrow(EmulatorError)
    expect(() => emulator.setFaults({ slowRate: 2 })).toThrow(EmulatorError)
  })
})

describe('QPS limits', () => {
  it('answers RequestLimitExceeded above the per-action limit and counts violations', async () => {
    const clock = new TestClock(Date.now())
    const { client, emulator } = await start({ now: clock.now, qpsLimit: 3 })
    const c = client()
    const results: string[] = []
    for (let i = 0; i < 5; i += 1) {
      results.push(await c.DetectAuth({ RuleId: '1' }).then(() => 'ok', (e: { code?: string }) => e.code ?? 'error'))
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'RequestLimitExceeded', 'RequestLimitExceeded'])
    // Limits are per action.
    await expect(c.GetEidToken({ MerchantId: '0NSJ2106141714' })).resolves.toHaveProperty('EidToken')
    expect(emulator.stats().qpsViolations).toBe(2)
    clock.advance(1)
    await expect(c.DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect(emulator.stats().qpsViolations).toBe(2)
  })

  it("accepts per-action limits such as Tencent's defaults", async () => {
    const clock = new TestClock(Date.now())
    const { client, emulator } = await start({ now: clock.now, qpsLimit: { ...TENCENT_QPS_LIMITS, GetEidToken: 1 } })
    const c = client()
    await c.GetEidToken({ MerchantId: '0NSJ2106141714' })
    const error = await sdkError(c.GetEidToken({ MerchantId: '0NSJ2106141714' }))
    expect(error.code).toBe('RequestLimitExceeded')
    expect(error.message).toContain('`1`')
    await expect(c.DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect(emulator.stats().qpsViolations).toBe(1)
  })
})
