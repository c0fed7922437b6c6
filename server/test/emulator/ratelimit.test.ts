/**
 * The emulator counts request rates as Tencent Cloud API does: per action and caller, in fixed
 * one-second windows of the server's clock, by the time each request arrived.
 */
import { describe, expect, it } from 'vitest'
import { QpsLimiter, TENCENT_QPS_LIMITS } from '../../emulator/ratelimit.js'
import { SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { TestClock, start } from '../support/emulator.js'

const ok = (limiter: QpsLimiter, at: number, caller = 'AKID1', action: 'DetectAuth' | 'GetDetectInfoEnhanced' = 'GetDetectInfoEnhanced') => limiter.check(action, caller, at).ok

describe('QpsLimiter', () => {
  it('lets the first N of each whole second through, and starts again at the next second', () => {
    const limiter = new QpsLimiter(3)
    const second = 1_700_000_000_000
    expect([0, 400, 999, 999].map((ms) => ok(limiter, second + ms))).toEqual([true, true, true, false])
    // 1 ms later is a new window, however close the calls before it were.
    expect([1000, 1000, 1000, 1000].map((ms) => ok(limiter, second + ms))).toEqual([true, true, true, false])
    expect(limiter.violations).toBe(2)
  })

  it('counts fixed windows, not a sliding one: 2N calls within a few ms across a boundary all pass', () => {
    const limiter = new QpsLimiter(3)
    const boundary = 1_700_000_001_000
    const verdicts = [-2, -1, -1, 0, 0, 1].map((ms) => ok(limiter, boundary + ms))
    expect(verdicts).toEqual([true, true, true, true, true, true])
    expect(limiter.violations).toBe(0)
  })

  it('refuses all but the first N of a burst that arrives at once, and counts each refusal', () => {
    const limiter = new QpsLimiter(4)
    const at = 1_700_000_002_250
    const verdicts = Array.from({ length: 10 }, () => limiter.check('GetDetectInfoEnhanced', 'AKID1', at))
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, true, true, false, false, false, false, false, false])
    expect(verdicts.map((v) => v.count)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(limiter.violations).toBe(6)
  })

  it('counts a request checked late in the second it arrived in', () => {
    const limiter = new QpsLimiter(2)
    const second = 1_700_000_003_000
    expect(ok(limiter, second + 1000)).toBe(true)
    expect(ok(limiter, second + 1001)).toBe(true)
    // Arrived just before the boundary, checked after two newer requests: its own second is empty.
    expect(ok(limiter, second + 999)).toBe(true)
    expect(ok(limiter, second + 1002)).toBe(false)
    expect(ok(limiter, second + 998)).toBe(true)
    expect(ok(limiter, second + 997)).toBe(false)
  })

  it('keeps a budget per action and per caller (Tencent: API + access region + sub-account)', () => {
    const limiter = new QpsLimiter({ GetDetectInfoEnhanced: 1, DetectAuth: 1 })
    const at = 1_700_000_004_000
    expect(ok(limiter, at, 'AKID1')).toBe(true)
    expect(ok(limiter, at, 'AKID2')).toBe(true)
    expect(ok(limiter, at, 'AKID1', 'DetectAuth')).toBe(true)
    expect(ok(limiter, at, 'AKID1')).toBe(false)
    expect(new QpsLimiter(undefined).check('DetectAuth', 'AKID1', at)).toEqual({ ok: true, count: 0, limit: Infinity })
  })

  it("has Tencent's documented defaults", () => {
    expect(TENCENT_QPS_LIMITS).toEqual({ DetectAuth: 100, GetDetectInfoEnhanced: 100, GetEidToken: 100, GetEidResult: 100, GetWeChatBillDetails: 20 })
  })
})

describe('the emulator counts at arrival', () => {
  it('a request that arrived in one second and is answered in the next counts in the first', async () => {
    const clock = new TestClock(1_700_000_010_000)
    // Every answer waits 300 ms after the request arrived, while the test moves the clock on.
    const { client, emulator } = await start({ now: clock.now, maxSkewSeconds: Infinity, qpsLimit: 1, faults: { latencyMs: 300 } })
    const c = client()
    const first = c.DetectAuth({ RuleId: '1' })
    // Wait until the emulator has the request, then move its clock into the next second.
    while ((emulator.stats().calls['DetectAuth'] ?? 0) === 0) await new Promise((resolve) => setImmediate(resolve))
    clock.advance(1)
    await expect(first).resolves.toHaveProperty('BizToken')
    await expect(c.DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect(emulator.stats().qpsViolations).toBe(0)
  })

  it('another credential has its own budget', async () => {
    const other = { secretId: 'AKIDother000000000000000000000000000', secretKey: 'other-key' }
    const clock = new TestClock(1_700_000_020_000)
    const { client, emulator } = await start({ now: clock.now, maxSkewSeconds: Infinity, qpsLimit: 1, credentials: [SANDBOX_CREDENTIAL, other] })
    await client().DetectAuth({ RuleId: '1' })
    await expect(client(other).DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    await expect(client().DetectAuth({ RuleId: '1' })).rejects.toMatchObject({ code: 'RequestLimitExceeded' })
    expect(emulator.stats().qpsViolations).toBe(1)
  })
})
