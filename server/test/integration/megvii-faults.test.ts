/**
 * 20 % of Megvii's answers fail (dropped connections, 502s, CONCURRENCY_LIMIT_EXCEEDED,
 * INTERNAL_ERROR), for issuance, notices and sweeps alike: no verdict is lost or wrong. Every
 * token a client received is in the ledger, every one reaches its final verdict as get_result
 * gives it, and the ledger holds no token Megvii did not issue.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MEGVII_PRESETS } from '../../emulator/megvii/index.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import { NO_TENCENT, startMegviiHarness, type MegviiHarness } from '../support/megvii.js'

let hx: MegviiHarness | undefined
afterEach(async () => {
  await hx?.close()
  hx = undefined
})

const EXPECTED: Record<string, { status: string; code: number }> = {
  pass: { status: 'passed', code: 1000 },
  'low-confidence': { status: 'failed', code: 2000 },
  'not-same': { status: 'failed', code: 2000 },
  'id-mismatch': { status: 'failed', code: 3000 },
  'liveness-fail': { status: 'failed', code: 4100 },
  'no-audio': { status: 'failed', code: 4200 },
  'user-cancel': { status: 'failed', code: 6000 },
}

describe('Megvii under 20 % upstream faults', () => {
  it('loses no verdict', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'after-return', faults: { dropRate: 0.05, http5xxRate: 0.05, rateLimitRate: 0.05, internalErrorRate: 0.05, seed: 1414 } } })
    const issued: string[] = []
    let refused = 0
    for (let i = 0; i < 30; i++) {
      const res = await hx.call('POST', '/faceid/megvii/h5/biz-token', { user: `user-${i}`, body: {} })
      if (res.status === 201) issued.push(res.body.token as string)
      else {
        // A refused issuance is an honest retryable error, and no token was shown.
        expect(res.status).toBeGreaterThanOrEqual(500)
        refused += 1
      }
    }
    expect(issued.length).toBeGreaterThan(20)
    // Every token a client got is in the ledger; the ledger has nothing Megvii did not issue.
    for (const token of issued) expect(await hx.ledger.get(token)).toBeDefined()
    expect(await hx.ledger.count()).toBe(issued.length)
    for (const token of issued) expect(hx.emulator.token(token)).toBeDefined()

    // Users finish; Megvii's notices go out (answered through the same faults).
    const names = Object.keys(EXPECTED)
    const wanted = new Map<string, string>()
    for (const [i, token] of issued.entries()) {
      const name = names[i % names.length]!
      wanted.set(token, name)
      await hx.emulator.complete(token, MEGVII_PRESETS[name]!, { notify: i % 2 === 0 })
    }
    // The sweeper fetches whatever the notices did not settle, through the faults too.
    const sweeper = createSweeper({ ledger: hx.ledger, gateway: NO_TENCENT, providers: { megvii: hx.client }, now: hx.clock.date, firstFetchAfterMs: 0, retry: { baseDelayMs: 1, maxDelayMs: 5 } })
    for (let round = 0; round < 40; round++) {
      await sweeper.runOnce()
      const open = (await Promise.all(issued.map((t) => hx!.ledger.get(t)))).filter((r) => !r?.final).length
      if (open === 0) break
      hx.clock.advance(30 * 60)
    }
    for (const token of issued) {
      const record = await hx.ledger.get(token)
      expect(record, token).toMatchObject({ final: true, ...EXPECTED[wanted.get(token)!] })
    }
    const stats = hx.emulator.stats()
    expect(stats.faults.drop + stats.faults.http5xx + stats.faults.rateLimit + stats.faults.internalError).toBeGreaterThan(5)
    expect(refused + issued.length).toBe(30)
  }, 60_000)

  it("keeps fetching a failing token for Megvii's month, not Tencent's 3 days, then gives it up", async () => {
    hx = await startMegviiHarness()
    const res = await hx.call('POST', '/faceid/megvii/h5/biz-token', { user: 'user-1', body: {} })
    expect(res.status).toBe(201)
    const token = res.body.token as string
    await hx.emulator.complete(token, MEGVII_PRESETS['pass']!, { notify: false })
    // Megvii fails every query from now on.
    hx.emulator.setFaults({ internalErrorRate: 1, seed: 7 })
    const sweeper = createSweeper({ ledger: hx.ledger, gateway: NO_TENCENT, providers: { megvii: hx.client }, now: hx.clock.date, firstFetchAfterMs: 0, errorMaxMs: 3_600_000, retry: { baseDelayMs: 1, maxDelayMs: 5 } })
    const DAY = 24 * 3600
    let day = 0
    for (const next of [1, 4, 29]) {
      hx.clock.advance((next - day) * DAY)
      day = next
      expect(await sweeper.runOnce(), `day ${day}`).toMatchObject({ claimed: 1, gaveUp: 0 })
      expect(await hx.ledger.get(token)).toMatchObject({ final: false })
    }
    hx.clock.advance((31 - day) * DAY)
    expect(await sweeper.runOnce()).toMatchObject({ claimed: 1, gaveUp: 1 })
    expect(await hx.ledger.get(token)).toMatchObject({ final: true, status: 'expired' })
  })
})
