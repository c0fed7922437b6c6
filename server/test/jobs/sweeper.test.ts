import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/providers/tencent/client.js'
import { aroundAction } from '../../src/providers/provider.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import { TokenBucket } from '../../src/resilience/token-bucket.js'
import { ENGINES, POSTGRES_URL, type TestDatabase, useTestDatabase } from '../support/postgres-db.js'
import { createSandbox, HOUR, MINUTE, type Sandbox } from '../support/sweeper-fixture.js'

describe.skipIf(POSTGRES_URL)('sweeper on PostgreSQL', () => {
  it.skip('skipped: set TEST_DATABASE_URL to run the sweeper tests on PostgreSQL too', () => undefined)
})

describe.each(ENGINES)('sweeper (%s)', (engine) => {
  let sb: Sandbox
  const database = useTestDatabase(engine)
  afterEach(async () => {
    await sb?.close()
  })

  async function issue(kind: 'face' | 'eid', n: number): Promise<string[]> {
    const tokens: string[] = []
    for (let i = 0; i < n; i++) tokens.push((await sb.verifier.issue(kind, { userId: `u${i}` })).token)
    return tokens
  }

  it('finds every result, including those the user never came back for, and stops once final', async () => {
    sb = await createSandbox(database)
    const [passed, failed, abandoned, untouched] = await issue('face', 4)
    const [eidPassed, eidUntouched] = await issue('eid', 2)
    sb.emulator.complete(passed!, { outcome: 'passed' })
    sb.emulator.complete(failed!, { outcome: 'failed', code: 2016 })
    sb.emulator.complete(abandoned!, { outcome: 'abandoned' })
    sb.emulator.complete(eidPassed!, { outcome: 'passed' })
    const sweeper = sb.sweeper()

    // Not yet due: the user may still be verifying.
    expect((await sweeper.runOnce()).claimed).toBe(0)

    sb.clock.advance(2 * MINUTE)
    const first = await sweeper.runOnce()
    expect(first).toMatchObject({ claimed: 6, fetched: 6, finalized: 2, errors: 0 })
    expect(await sb.ledger.get(passed!)).toMatchObject({ status: 'passed', final: true, billableCount: 1 })
    expect(await sb.ledger.get(eidPassed!)).toMatchObject({ status: 'passed', final: true })
    // A failure is not final while the token lives: the user may retry.
    expect(await sb.ledger.get(failed!)).toMatchObject({ status: 'failed', code: 2016, final: false })
    expect(first.remaining).toMatchObject({ open: 4, due: 0 })

    // Past the EidToken's lifetime plus margin, then past the BizToken's.
    sb.clock.advance(20 * MINUTE)
    await sweeper.runOnce()
    expect(await sb.ledger.get(eidUntouched!)).toMatchObject({ status: 'expired', final: true })
    sb.clock.advance(2 * HOUR)
    const last = await sweeper.runOnce()
    expect(last.remaining.open).toBe(0)
    expect(await sb.ledger.get(failed!)).toMatchObject({ status: 'failed', code: 2016, final: true })
    expect(await sb.ledger.get(abandoned!)).toMatchObject({ status: 'expired', final: true })
    expect(await sb.ledger.get(untouched!)).toMatchObject({ status: 'expired', final: true })

    // Final tokens are never fetched again.
    const calls = sb.emulator.stats().calls
    sb.clock.advance(HOUR)
    expect((await sweeper.runOnce()).claimed).toBe(0)
    expect(sb.emulator.stats().calls).toEqual(calls)
  })

  it('spaces out fetches of a pending token and schedules one right after its lifetime', async () => {
    sb = await createSandbox(database)
    const [token] = await issue('face', 1)
    const sweeper = sb.sweeper({ pendingBaseMs: MINUTE, pendingMaxMs: 30 * MINUTE })
    const fetchedAt: number[] = []
    const issuedAt = sb.clock.now()
    // Walk two hours and a quarter in 30-second steps, sweeping at each.
    for (let t = 0; t < 135 * 2; t++) {
      sb.clock.advance(30_000)
      if ((await sweeper.runOnce()).fetched > 0) fetchedAt.push((sb.clock.now() - issuedAt) / 1000)
    }
    const record = (await sb.ledger.get(token!))!
    expect(record).toMatchObject({ final: true, status: 'expired' })
    expect(record.fetchCount).toBe(fetchedAt.length)
    // 1, 2, 4, 8, 16, 30, 30… minutes apart, then the final fetch just after 7200 s + 300 s margin.
    expect(fetchedAt.slice(0, 4)).toEqual([60, 120, 240, 480])
    expect(fetchedAt.length).toBeLessThan(12)
    expect(fetchedAt.at(-1)).toBeGreaterThan(7500)
    expect(fetchedAt.at(-1)).toBeLessThanOrEqual(7530)
  }, 60_000)

  it('backs off after upstream failures and gives a token up only past Tencent’s 3-day retention', async () => {
    sb = await createSandbox(database)
    const [token] = await issue('face', 1)
    sb.emulator.setFaults({ internalErrorRate: 1, seed: 3 })
    const sweeper = sb.sweeper({ errorBaseMs: MINUTE, errorMaxMs: HOUR })
    sb.clock.advance(2 * MINUTE)
    const failing = await sweeper.runOnce()
    expect(failing).toMatchObject({ claimed: 1, fetched: 0, errors: 1, gaveUp: 0 })
    expect(await sb.ledger.get(token!)).toMatchObject({ final: false, status: 'pending' })
    // Each pass retried 3 times.
    expect(sb.emulator.stats().calls['GetDetectInfoEnhanced']).toBe(3)
    expect((await sweeper.runOnce()).claimed).toBe(0)

    sb.clock.advance(3 * 24 * HOUR)
    const gaveUp = await sweeper.runOnce()
    expect(gaveUp).toMatchObject({ claimed: 1, gaveUp: 1 })
    expect(await sb.ledger.get(token!)).toMatchObject({ final: true, status: 'expired' })
  })

  it('giving up past retention keeps a recorded failure (a billable 2016) as failed, not expired', async () => {
    sb = await createSandbox(database)
    const [token] = await issue('face', 1)
    sb.emulator.complete(token!, { outcome: 'failed', code: 2016 })
    const sweeper = sb.sweeper({ errorBaseMs: MINUTE, errorMaxMs: HOUR })
    sb.clock.advance(2 * MINUTE)
    expect(await sweeper.runOnce()).toMatchObject({ fetched: 1, finalized: 0 })
    // The user may still retry, so the failure is stored but not final.
    expect(await sb.ledger.get(token!)).toMatchObject({ status: 'failed', code: 2016, billableCount: 1, final: false })

    // Tencent stops answering before the final fetch, and keeps failing until its retention ends.
    sb.emulator.setFaults({ internalErrorRate: 1, seed: 5 })
    sb.clock.advance(3 * HOUR)
    expect(await sweeper.runOnce()).toMatchObject({ claimed: 1, errors: 1, gaveUp: 0 })
    sb.clock.advance(3 * 24 * HOUR)
    expect(await sweeper.runOnce()).toMatchObject({ claimed: 1, gaveUp: 1 })
    // Closed, with the failure and its charge as Tencent reported them.
    expect(await sb.ledger.get(token!)).toMatchObject({ final: true, status: 'failed', code: 2016, billableCount: 1 })
  })

  it('closes a token Tencent no longer knows once it is past its lifetime', async () => {
    sb = await createSandbox(database)
    const issuedAt = sb.clock.date()
    await sb.ledger.insert({ token: 'A1B2C3D4-0000-4000-8000-00000000dead', kind: 'face', userId: 'u', ruleId: '1', issuedAt, expiresAt: new Date(issuedAt.getTime() + 2 * HOUR) })
    const sweeper = sb.sweeper()
    sb.clock.advance(2 * MINUTE)
    expect(await sweeper.runOnce()).toMatchObject({ errors: 1 })
    expect((await sb.ledger.get('A1B2C3D4-0000-4000-8000-00000000dead'))!.final).toBe(false)
    sb.clock.advance(3 * HOUR)
    expect(await sweeper.runOnce()).toMatchObject({ fetched: 1, finalized: 1 })
    expect(await sb.ledger.get('A1B2C3D4-0000-4000-8000-00000000dead')).toMatchObject({ final: true, status: 'expired' })
  })

  it('never exceeds its QPS cap, retries included, with many workers', async () => {
    let bucketClock = 0
    const callTimes: number[] = []
    sb = await createSandbox(database, {
      emulator: { faults: { rateLimitRate: 0.2, seed: 11 } },
      gateway: (g): Gateway =>
        aroundAction(g, 'GetDetectInfoEnhanced', (req, next) => {
          callTimes.push(bucketClock)
          return next(req)
        }),
    })
    sb.emulator.setFaults(undefined)
    const tokens = await issue('face', 40)
    for (const t of tokens) sb.emulator.complete(t, { outcome: 'passed' })
    sb.emulator.setFaults({ rateLimitRate: 0.2, seed: 11 })
    const bucket = new TokenBucket({ ratePerSecond: 4, now: () => bucketClock, sleep: async (ms) => void (bucketClock += ms) })
    sb.clock.advance(2 * MINUTE)
    const result = await sb.sweeper({ bucket, concurrency: 8, batchSize: 10, retry: { attempts: 5, sleep: async () => undefined } }).runOnce()
    expect(result).toMatchObject({ claimed: 40, finalized: 40 })
    expect(callTimes.length).toBeGreaterThan(40)
    const sorted = [...callTimes].sort((a, b) => a - b)
    for (let i = 4; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 4]!).toBeGreaterThanOrEqual(1000)
  })

  it('hands unprocessed claims back when stopped mid-pass', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    let started = 0
    sb = await createSandbox(database, {
      gateway: (g): Gateway =>
        aroundAction(g, 'GetDetectInfoEnhanced', async (req, next) => {
          started += 1
          await gate
          return next(req)
        }),
    })
    await issue('face', 6)
    sb.clock.advance(2 * MINUTE)
    const sweeper = sb.sweeper({ concurrency: 1, batchSize: 6 })
    const pass = sweeper.runOnce()
    while (started === 0) await new Promise((r) => setTimeout(r, 5))
    const stopped = sweeper.stop()
    release()
    await stopped
    expect((await pass).fetched).toBe(1)
    // The other five are free for anyone at once, not after the lease.
    const other = sb.sweeper()
    expect(await other.runOnce()).toMatchObject({ claimed: 5, fetched: 5 })
  })

  it('runs in the background until stopped', async () => {
    sb = await createSandbox(database)
    const [token] = await issue('face', 1)
    sb.emulator.complete(token!, { outcome: 'passed' })
    sb.clock.advance(2 * MINUTE)
    const sweeper = sb.sweeper({ intervalMs: 10 })
    sweeper.start()
    while (!(await sb.ledger.get(token!))!.final) await new Promise((r) => setTimeout(r, 10))
    await sweeper.stop()
    expect(await sb.ledger.get(token!)).toMatchObject({ status: 'passed', final: true })
  })
})

describe('createSweeper options', () => {
  it('needs a positive QPS', () => {
    expect(() => createSweeper({ ledger: undefined as never, gateway: undefined as never, qps: 0 })).toThrow(RangeError)
  })
})
