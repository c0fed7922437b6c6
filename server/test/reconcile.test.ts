import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { beijingDate, beijingDay, billAvailableAt, billPullEnabledFromEnv, createDailyBillPull, previousBeijingDate, pullBill, readBill } from '../src/bill.js'
import { chargedAttemptsOn, formatReport, reconcile } from '../src/reconcile.js'
import { ENGINES, type TestDatabase, useTestDatabase } from './postgres-db.js'
import { createSandbox, HOUR, MINUTE, RULE_ID, type Sandbox } from './sweeper-fixture.js'

/** 10:00 Beijing time on 3 March 2025. */
const DAY = '2025-03-03'
const MORNING = Date.parse('2025-03-03T02:00:00Z')

describe('Beijing-time days', () => {
  it('maps instants to Beijing dates and days to UTC windows', () => {
    expect(beijingDate(new Date('2025-03-03T15:59:59Z'))).toBe('2025-03-03')
    expect(beijingDate(new Date('2025-03-03T16:00:00Z'))).toBe('2025-03-04')
    expect(beijingDay('2025-03-03')).toEqual({ start: new Date('2025-03-02T16:00:00Z'), end: new Date('2025-03-03T16:00:00Z') })
    expect(billAvailableAt('2025-03-03')).toEqual(new Date('2025-03-03T22:00:00Z'))
    expect(previousBeijingDate(new Date('2025-03-03T16:30:00Z'))).toBe('2025-03-03')
    for (const bad of ['2025-02-30', '2025-3-3', 'yesterday', '']) expect(() => beijingDay(bad)).toThrow(/calendar date/)
  })

  it('dates each charged attempt by its ReqTime, falling back to the issue day', () => {
    const { start, end } = beijingDay(DAY)
    const at = (iso: string) => String(Date.parse(iso))
    const result = {
      Text: {
        LivenessDetail: [
          { ReqTime: at('2025-03-03T15:59:59Z'), IsNeedCharge: true },
          { ReqTime: at('2025-03-03T16:00:01Z'), IsNeedCharge: true },
          { ReqTime: at('2025-03-03T10:00:00Z'), IsNeedCharge: false },
          { ReqTime: at('2025-03-03T10:00:00Z'), IsNeedCharge: null },
          { ReqTime: '', IsNeedCharge: true },
        ],
      },
    }
    expect(chargedAttemptsOn({ issuedAt: new Date(MORNING) }, result as never, start, end)).toBe(2)
    expect(chargedAttemptsOn({ issuedAt: new Date('2025-03-04T01:00:00Z') }, result as never, start, end)).toBe(1)
  })
})

describe('FACEID_BILL_PULL', () => {
  it('defaults to on with credentials and off in sandbox mode, and rejects garbage', () => {
    expect(billPullEnabledFromEnv({}, false)).toBe(true)
    expect(billPullEnabledFromEnv({}, true)).toBe(false)
    expect(billPullEnabledFromEnv({ FACEID_BILL_PULL: '1' }, true)).toBe(true)
    expect(billPullEnabledFromEnv({ FACEID_BILL_PULL: '0' }, false)).toBe(false)
    expect(() => billPullEnabledFromEnv({ FACEID_BILL_PULL: 'daily' }, false)).toThrow(/FACEID_BILL_PULL/)
  })
})

describe.each(ENGINES)('reconciliation (%s)', (engine) => {
  let sb: Sandbox
  const database = useTestDatabase(engine)
  afterEach(async () => {
    await sb?.close()
  })

  /** Issues and plays `outcomes` at the current time; returns the tokens. */
  async function verify(outcomes: Array<'passed' | 'failed' | 'abandoned' | 'failed-then-passed'>): Promise<string[]> {
    const tokens: string[] = []
    for (const [i, outcome] of outcomes.entries()) {
      const { token } = await sb.verifier.issue('face', { userId: `u${i}` })
      if (outcome === 'failed-then-passed') {
        sb.emulator.complete(token, { outcome: 'failed', code: 2016 })
        sb.emulator.complete(token, { outcome: 'passed' })
      } else {
        sb.emulator.complete(token, outcome === 'failed' ? { outcome, code: 2016 } : { outcome })
      }
      tokens.push(token)
    }
    return tokens
  }

  /** Moves past every token's lifetime and sweeps until every result is final. */
  async function settle(): Promise<void> {
    sb.clock.advance(3 * HOUR)
    expect((await sb.sweeper().runOnce()).remaining.open).toBe(0)
  }

  it('agrees with a bill that matches, across pages, and counts the day right', async () => {
    sb = await createSandbox(database, { start: MORNING, emulator: { billPageSize: 3 } })
    await verify(['passed', 'failed', 'abandoned', 'failed-then-passed', 'passed', 'passed', 'failed', 'passed'])
    await sb.verifier.issue('eid', { userId: 'e1' })
    // A token issued at 23:50 and used at 00:10 is billed on the next day.
    sb.clock.set(Date.parse('2025-03-03T15:50:00Z'))
    const late = (await sb.verifier.issue('face', { userId: 'late' })).token
    sb.clock.advance(20 * MINUTE)
    sb.emulator.complete(late, { outcome: 'passed' })
    await settle()

    sb.clock.set(billAvailableAt(DAY).getTime() + MINUTE)
    const progress: number[] = []
    const pull = await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date, onProgress: (p) => progress.push(p.pages) })
    // 7 billed tokens on 3 pages of 3.
    expect(pull).toMatchObject({ date: DAY, ruleId: '', pages: 3, tokens: 7, chargeCount: 8 })
    expect(progress).toEqual([1, 2, 3])
    expect(sb.emulator.stats().calls['GetWeChatBillDetails']).toBe(3)

    const report = await reconcile({ ledger: sb.ledger, date: DAY })
    expect(report).toMatchObject({
      date: DAY,
      ok: true,
      discrepancies: [],
      billable: { ours: 8, tencent: 8, difference: 0 },
      ledger: { tokensIssued: { face: 9, eid: 1, total: 10 }, final: 10 },
    })
    // The late token is on the next day's bill, and nowhere on this one.
    expect((await readBill(sb.ledger.db, DAY)).lines.map((l) => l.token)).not.toContain(late)
    sb.clock.set(billAvailableAt('2025-03-04').getTime())
    await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: '2025-03-04', now: sb.clock.date })
    expect(await reconcile({ ledger: sb.ledger, date: '2025-03-04' })).toMatchObject({ ok: true, billable: { ours: 1, tencent: 1 } })
    expect(formatReport(report)).toMatch(/No discrepancies/)
  }, 60_000)

  it('finds planted discrepancies of every kind', async () => {
    sb = await createSandbox(database, { start: MORNING })
    const [kept, tampered] = await verify(['passed', 'failed'])
    // Issued upstream outside the ledger (another system with the same keys, or a lost insert).
    const stray = (await sb.gateway.detectAuth({ RuleId: RULE_ID })).BizToken!
    sb.emulator.complete(stray, { outcome: 'passed' })
    // A ledger token that Tencent never heard of, with a charged attempt that day.
    const ghost = 'C0FFEE00-0000-4000-8000-000000000001'
    await sb.ledger.insert({ token: ghost, kind: 'face', userId: 'g', ruleId: RULE_ID, issuedAt: sb.clock.date(), expiresAt: new Date(MORNING + 2 * HOUR) })
    await sb.ledger.recordFetch(ghost, {
      result: { token: ghost, kind: 'face', status: 'passed', code: 0, updatedAt: sb.clock.date().toISOString() },
      raw: { Text: { ErrCode: 0, LivenessDetail: [{ ReqTime: String(MORNING + MINUTE), IsNeedCharge: true }] } } as never,
      billableCount: 1,
      final: true,
    }, sb.clock.date())
    await settle()
    // Issued the same day, never swept to a result.
    sb.clock.set(MORNING + 5 * HOUR)
    const open = 'C0FFEE00-0000-4000-8000-000000000002'
    await sb.ledger.insert({ token: open, kind: 'face', userId: 'o', ruleId: RULE_ID, issuedAt: sb.clock.date(), expiresAt: new Date(MORNING + 7 * HOUR) })

    sb.clock.set(billAvailableAt(DAY).getTime())
    await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date })
    // Tencent charging one attempt twice.
    await sb.ledger.db.query(`UPDATE faceid_bill_details SET charge_count = 2 WHERE token = $1`, [tampered])

    const report = await reconcile({ ledger: sb.ledger, date: DAY })
    expect(report.ok).toBe(false)
    const byKind = Object.fromEntries(report.discrepancies.map((d) => [`${d.kind}:${d.token}`, d]))
    expect(byKind[`missing_in_ledger:${stray}`]).toEqual({ kind: 'missing_in_ledger', token: stray, tencent: 1 })
    expect(byKind[`missing_in_bill:${ghost}`]).toEqual({ kind: 'missing_in_bill', token: ghost, ours: 1 })
    expect(byKind[`count_mismatch:${tampered}`]).toEqual({ kind: 'count_mismatch', token: tampered, ours: 1, tencent: 2 })
    expect(byKind[`bill_inconsistent:${tampered}`]).toEqual({ kind: 'bill_inconsistent', token: tampered, chargeCount: 2, chargedAttempts: 1 })
    expect(byKind[`not_final:${open}`]).toEqual({ kind: 'not_final', token: open, ours: 0, tencent: null })
    expect(report.discrepancies).toHaveLength(5)
    expect(report.discrepancies.map((d) => d.token)).not.toContain(kept)
    expect(report.billable).toEqual({ ours: 3, tencent: 4, difference: -1 })
    const table = formatReport(report)
    for (const kind of ['missing_in_ledger', 'missing_in_bill', 'count_mismatch', 'not_final']) expect(table).toContain(kind)
    expect(table).toContain('5 discrepancies')
  }, 60_000)

  it('refuses a bill before 06:00 Beijing time the next day, and survives a failed re-pull', async () => {
    sb = await createSandbox(database, { start: MORNING })
    await verify(['passed', 'passed'])
    await settle()
    sb.clock.set(billAvailableAt(DAY).getTime() - 1)
    await expect(pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date })).rejects.toMatchObject({ code: 'bill_not_ready' })
    expect(sb.emulator.stats().calls['GetWeChatBillDetails']).toBeUndefined()
    expect((await reconcile({ ledger: sb.ledger, date: DAY })).bill).toBeNull()

    sb.clock.set(billAvailableAt(DAY).getTime())
    // Transient faults are retried through the pages.
    sb.emulator.setFaults({ rateLimitRate: 0.5, seed: 9 })
    const first = await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date, retry: { attempts: 10, sleep: async () => undefined } })
    expect(first.tokens).toBe(2)
    // A re-pull that fails leaves the stored bill as it was.
    sb.emulator.setFaults({ internalErrorRate: 1, seed: 9 })
    sb.clock.advance(HOUR)
    await expect(pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date, retry: { attempts: 2, sleep: async () => undefined } })).rejects.toMatchObject({ tencentCode: 'InternalError' })
    const stored = await readBill(sb.ledger.db, DAY)
    expect(stored.pull?.pulledAt).toEqual(first.pulledAt)
    expect(stored.lines).toHaveLength(2)
  }, 60_000)

  it('pulls yesterday’s bill once a day, after 06:00 Beijing time', async () => {
    sb = await createSandbox(database, { start: MORNING })
    await verify(['passed'])
    await settle()
    const daily = createDailyBillPull({ db: sb.ledger.db, gateway: sb.gateway, now: sb.clock.date, retry: { sleep: async () => undefined } })
    sb.clock.set(billAvailableAt(DAY).getTime() - MINUTE)
    // At 05:59 on 4 March the bill of 3 March is not served yet.
    expect(await daily.tick()).toBeUndefined()
    sb.clock.set(billAvailableAt(DAY).getTime() + MINUTE)
    expect(await daily.tick()).toMatchObject({ date: DAY, tokens: 1, chargeCount: 1 })
    expect(await daily.tick()).toBeUndefined()
    expect(sb.emulator.stats().calls['GetWeChatBillDetails']).toBe(1)
  }, 60_000)
})
