import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  beijingDate,
  beijingDay,
  billAvailableAt,
  BillNotReadyError,
  parseRuleScope,
  previousBeijingDate,
  pullBill,
  readBill,
} from '../../src/billing/bill.js'
import { openDatabase, type Database } from '../../src/store/database.js'
import { createDailyBillPull } from '../../src/jobs/bill-pull.js'
import { createEmulator, SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { chargedAttemptsOn, formatReport, reconcile, type Discrepancy } from '../../src/billing/reconcile.js'
import { startServer } from '../../src/standalone/server.js'
import { ENGINES, useTestDatabase } from '../support/postgres-db.js'
import { Verifier } from '../../src/verification/verifier.js'
import { createSandbox, HOUR, MERCHANT_ID, MINUTE, RULE_ID, type Sandbox } from '../support/sweeper-fixture.js'
import { tamperingProxy, type TamperingProxy } from '../support/tencent-tamper.js'
import type { ChargeDetail, WeChatBillDetail } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'

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

describe.each(ENGINES)('reconciliation (%s)', (engine) => {
  let sb: Sandbox
  let proxy: TamperingProxy | undefined
  const database = useTestDatabase(engine)
  afterEach(async () => {
    await proxy?.close()
    proxy = undefined
    await sb?.close()
  })

  /** Issues and plays `outcomes` at the current time; returns the tokens. */
  /** A proxy through which Tencent charges every attempt that ended in `code`, in the result and in the bill alike. */
  function chargingFreeCode(code: number): Promise<TamperingProxy> {
    return tamperingProxy(sb.emulator.address()!.url, (action, response) => {
      if (action === 'GetDetectInfoEnhanced') {
        const details = (response['Text'] as { LivenessDetail?: Array<{ Errcode?: number; IsNeedCharge?: boolean }> } | null)?.LivenessDetail ?? []
        const hit = details.filter((d) => d.Errcode === code && !d.IsNeedCharge)
        for (const d of hit) d.IsNeedCharge = true
        return hit.length ? response : undefined
      }
      if (action === 'GetWeChatBillDetails') {
        for (const row of response['WeChatBillDetails'] as WeChatBillDetail[]) {
          for (const d of row.ChargeDetails ?? []) {
            if (d.ErrorCode === String(code) && !d.IsNeedCharge) {
              d.IsNeedCharge = true
              row.ChargeCount! += 1
            }
          }
        }
        return response
      }
      return undefined
    })
  }

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

    const report = await reconcile({ ledger: sb.ledger, date: DAY, scope: 'all' })
    expect(report).toMatchObject({
      date: DAY,
      ok: true,
      discrepancies: [],
      billable: { ours: 8, tencent: 8, difference: 0 },
      ledger: { tokensIssued: { face: 9, eid: 1, total: 10 }, final: 10 },
    })
    // The late token is on the next day's bill, and nowhere on this one.
    expect((await readBill(sb.ledger.db, DAY, 'all')).lines.map((l) => l.token)).not.toContain(late)
    sb.clock.set(billAvailableAt('2025-03-04').getTime())
    await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: '2025-03-04', now: sb.clock.date })
    expect(await reconcile({ ledger: sb.ledger, date: '2025-03-04', scope: 'all' })).toMatchObject({ ok: true, billable: { ours: 1, tencent: 1 } })
    expect(formatReport(report)).toMatch(/No discrepancies/)
  }, 60_000)

  it('finds planted discrepancies of every kind', async () => {
    sb = await createSandbox(database, { start: MORNING })
    const [kept, tampered] = await verify(['passed', 'failed'])
    // Issued upstream outside the ledger (another system with the same keys, or a lost insert).
    const stray = (await sb.gateway.call('DetectAuth', { RuleId: RULE_ID })).BizToken!
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
    const { numUpdatedRows } = await sb.ledger.db.queries.updateTable('faceid_bill_details').set({ charge_count: 2 }).where('token', '=', tampered!).executeTakeFirstOrThrow()
    expect(numUpdatedRows).toBe(1n)

    const report = await reconcile({ ledger: sb.ledger, date: DAY, scope: 'all' })
    expect(report.ok).toBe(false)
    const byKind = Object.fromEntries(report.discrepancies.map((d) => [`${d.kind}:${d.token}`, d]))
    expect(byKind[`missing_in_ledger:${stray}`]).toEqual({ kind: 'missing_in_ledger', token: stray, ruleId: RULE_ID, tencent: 1 })
    expect(byKind[`missing_in_bill:${ghost}`]).toEqual({ kind: 'missing_in_bill', token: ghost, ruleId: RULE_ID, ours: 1 })
    expect(byKind[`count_mismatch:${tampered}`]).toEqual({ kind: 'count_mismatch', token: tampered, ruleId: RULE_ID, ours: 1, tencent: 2 })
    expect(byKind[`bill_inconsistent:${tampered}`]).toEqual({ kind: 'bill_inconsistent', token: tampered, ruleId: RULE_ID, chargeCount: 2, chargedAttempts: 1 })
    expect(byKind[`not_final:${open}`]).toEqual({ kind: 'not_final', token: open, ruleId: RULE_ID, ours: 0, tencent: null })
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
    expect((await reconcile({ ledger: sb.ledger, date: DAY, scope: 'all' })).bill).toBeNull()

    sb.clock.set(billAvailableAt(DAY).getTime())
    // Transient faults are retried through the pages.
    sb.emulator.setFaults({ rateLimitRate: 0.5, seed: 9 })
    const first = await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date, retry: { attempts: 10, sleep: async () => undefined } })
    expect(first.tokens).toBe(2)
    // A re-pull that fails leaves the stored bill as it was.
    sb.emulator.setFaults({ internalErrorRate: 1, seed: 9 })
    sb.clock.advance(HOUR)
    await expect(pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date, retry: { attempts: 2, sleep: async () => undefined } })).rejects.toMatchObject({ tencentCode: 'InternalError' })
    const stored = await readBill(sb.ledger.db, DAY, 'all')
    expect(stored.pulls.map((p) => p.pulledAt)).toEqual([first.pulledAt])
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

  it('turns Tencent’s “not ready” answer into bill_not_ready, keeping Tencent’s message and saying when to retry', async () => {
    sb = await createSandbox(database, { start: MORNING })
    await verify(['passed'])
    await settle()
    // Tencent (the emulator's clock) is at 05:50 on 4 March; this machine already says 06:01: a
    // clock running ahead, or a bill Tencent publishes late.
    sb.clock.set(billAvailableAt(DAY).getTime() - 10 * MINUTE)
    const ahead = () => new Date(billAvailableAt(DAY).getTime() + MINUTE)
    const error = await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: ahead }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BillNotReadyError)
    const notReady = error as BillNotReadyError
    expect(notReady).toMatchObject({ code: 'bill_not_ready', date: DAY, retryAfter: billAvailableAt(DAY), tencentCode: 'InvalidParameterValue' })
    expect(notReady.tencentMessage).toContain('当天6点后才能拉取前一天的数据')
    expect(notReady.requestId).toEqual(expect.any(String))
    expect(notReady.message).toContain('当天6点后才能拉取前一天的数据')
    expect(notReady.message).toContain('Retry after 06:00 Beijing time on 2025-03-04 (2025-03-03T22:00:00.000Z)')
    expect(notReady.message).toMatch(/clock is ahead/)
    expect(sb.emulator.stats().calls['GetWeChatBillDetails']).toBe(1)
    expect((await readBill(sb.ledger.db, DAY, 'all')).pulls).toEqual([])

    // Before 06:00 by our own clock, Tencent is not asked, and the answer says the same.
    const early = await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date }).catch((e: unknown) => e)
    expect(early).toBeInstanceOf(BillNotReadyError)
    expect((early as BillNotReadyError).message).toContain('Retry after 06:00 Beijing time on 2025-03-04 (2025-03-03T22:00:00.000Z)')
    expect(sb.emulator.stats().calls['GetWeChatBillDetails']).toBe(1)

    // The daily pull meets the same answer, stores nothing, and pulls once Tencent serves the day.
    const daily = createDailyBillPull({ db: sb.ledger.db, gateway: sb.gateway, ruleId: RULE_ID, now: ahead, retry: { sleep: async () => undefined } })
    await expect(daily.tick()).rejects.toBeInstanceOf(BillNotReadyError)
    sb.clock.set(billAvailableAt(DAY).getTime() + MINUTE)
    expect(await daily.tick()).toMatchObject({ date: DAY, ruleId: RULE_ID, tokens: 1, chargeCount: 1 })
  }, 60_000)

  it('keeps to the configured RuleId by default, names the RuleId of every discrepancy, and widens on request', async () => {
    sb = await createSandbox(database, { start: MORNING, emulator: { ruleIds: [RULE_ID, '2'] } })
    await verify(['passed', 'failed'])
    // The same account verifies under another RuleId elsewhere, every day.
    const other = (await sb.gateway.call('DetectAuth', { RuleId: '2' })).BizToken!
    sb.emulator.complete(other, { outcome: 'passed' })
    const stray = (await sb.gateway.call('DetectAuth', { RuleId: RULE_ID })).BizToken!
    sb.emulator.complete(stray, { outcome: 'passed' })
    // A second deployment of the kit under RuleId 2 shares the ledger.
    const secondKit = new Verifier({ gateway: sb.gateway, ledger: sb.ledger, ruleId: '2', merchantId: MERCHANT_ID, now: sb.clock.date })
    const theirs = (await secondKit.issue('face', { userId: 'k2' })).token
    sb.emulator.complete(theirs, { outcome: 'passed' })
    await settle()
    sb.clock.set(billAvailableAt(DAY).getTime() + MINUTE)

    const daily = createDailyBillPull({ db: sb.ledger.db, gateway: sb.gateway, ruleId: RULE_ID, now: sb.clock.date, retry: { sleep: async () => undefined } })
    expect(await daily.tick()).toMatchObject({ ruleId: RULE_ID, tokens: 3, chargeCount: 3 })
    const own = await reconcile({ ledger: sb.ledger, date: DAY, scope: [RULE_ID] })
    expect(own).toMatchObject({ scope: [RULE_ID], ok: false, billable: { ours: 2, tencent: 3, difference: -1 }, ledger: { tokensIssued: { face: 2 } } })
    expect(own.discrepancies).toEqual([{ kind: 'missing_in_ledger', token: stray, ruleId: RULE_ID, tencent: 1 }])

    // A pull of one RuleId does not cover every RuleId: pull the whole account.
    expect((await reconcile({ ledger: sb.ledger, date: DAY, scope: 'all' })).bill).toBeNull()
    await pullBill({ db: sb.ledger.db, gateway: sb.gateway, date: DAY, now: sb.clock.date })
    const strays: Discrepancy[] = [
      { kind: 'missing_in_ledger', token: stray, ruleId: RULE_ID, tencent: 1 },
      { kind: 'missing_in_ledger', token: other, ruleId: '2', tencent: 1 },
    ]
    const all = await reconcile({ ledger: sb.ledger, date: DAY, scope: 'all' })
    expect(all).toMatchObject({ scope: 'all', billable: { ours: 3, tencent: 5 }, ledger: { tokensIssued: { face: 3 } } })
    expect(all.discrepancies).toHaveLength(2)
    expect(all.discrepancies).toEqual(expect.arrayContaining(strays))
    expect(formatReport(all)).toMatch(new RegExp(`missing_in_ledger\\s+2\\s+${other}`))
    // A list of RuleIds is covered by that pull as well; the default scope still is not widened.
    const listed = await reconcile({ ledger: sb.ledger, date: DAY, scope: [RULE_ID, '2'] })
    expect(listed.discrepancies).toEqual(expect.arrayContaining(strays))
    expect(listed.discrepancies).toHaveLength(2)
    expect((await reconcile({ ledger: sb.ledger, date: DAY, scope: [RULE_ID] })).discrepancies).toEqual(own.discrepancies)

    expect(parseRuleScope('all')).toBe('all')
    expect(parseRuleScope(' 1, 2,1 ')).toEqual(['1', '2'])
    for (const bad of ['', ',', '1,,2', 'a b', 'all,1']) expect(() => parseRuleScope(bad)).toThrow(/RuleId/)
  }, 60_000)

  it('counts a charge Tencent lists twice (same Seq) once, and reports the duplicate', async () => {
    sb = await createSandbox(database, { start: MORNING, emulator: { billPageSize: 2 } })
    await verify(['passed', 'failed-then-passed', 'passed', 'failed'])
    await settle()
    sb.clock.set(billAvailableAt(DAY).getTime() + MINUTE)
    // Tencent's paging slips (page 2 starts with page 1's last row again), and one row lists its
    // first attempt twice with a ChargeCount to match.
    let repeated: WeChatBillDetail | undefined
    let doubled: ChargeDetail | undefined
    proxy = await tamperingProxy(sb.emulator.address()!.url, (action, response, request) => {
      if (action !== 'GetWeChatBillDetails') return undefined
      const rows = response['WeChatBillDetails'] as WeChatBillDetail[]
      if (request['Cursor'] === 0) {
        repeated = structuredClone(rows.at(-1))
        return undefined
      }
      if (request['Cursor'] !== 2) return undefined
      const row = rows[0]!
      doubled = row.ChargeDetails![0]!
      row.ChargeDetails = [...row.ChargeDetails!, structuredClone(doubled)]
      row.ChargeCount! += doubled.IsNeedCharge ? 1 : 0
      return { ...response, WeChatBillDetails: [structuredClone(repeated!), ...rows] }
    })
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: proxy.url, timeoutSeconds: 5 })
    const pull = await pullBill({ db: sb.ledger.db, gateway, date: DAY, now: sb.clock.date })
    expect(proxy.rewritten['GetWeChatBillDetails']).toBe(1)
    // 4 tokens, 5 charges (one token charged twice), whatever Tencent repeated.
    expect(pull).toMatchObject({ tokens: 4, chargeCount: 5 })

    const report = await reconcile({ ledger: sb.ledger, date: DAY, scope: [RULE_ID] })
    expect(report.billable).toEqual({ ours: 5, tencent: 5, difference: 0 })
    const expected: Discrepancy[] = [
      ...repeated!.ChargeDetails!.map((c) => ({ kind: 'duplicate_in_bill' as const, token: repeated!.BizToken!, ruleId: RULE_ID, seq: c.Seq!, listed: 2, charged: c.IsNeedCharge === true })),
      { kind: 'duplicate_in_bill', token: (await readBill(sb.ledger.db, DAY, [RULE_ID])).lines.find((l) => l.charges.some((c) => c.seq === doubled!.Seq))!.token, ruleId: RULE_ID, seq: doubled!.Seq!, listed: 2, charged: doubled!.IsNeedCharge === true },
    ]
    expect(report.discrepancies).toHaveLength(expected.length)
    expect(report.discrepancies).toEqual(expect.arrayContaining(expected))
    expect(report.ok).toBe(false)
    expect(formatReport(report)).toContain(`Seq ${doubled!.Seq} listed 2 times`)
  }, 60_000)

  it('reports a charge for a return code the catalog says is free', async () => {
    sb = await createSandbox(database, { start: MORNING })
    // A billable failure (2016) and a pass, then a token with an engine timeout (1001, free) and a pass.
    const others = await verify(['failed', 'passed'])
    const { token } = await sb.verifier.issue('face', { userId: 'timeout' })
    sb.emulator.complete(token, { outcome: 'failed', code: 1001 })
    sb.emulator.complete(token, { outcome: 'passed' })
    // Tencent charges the 1001 attempt, in the result and in the bill alike: the counts agree,
    // and only the return-code check can tell.
    proxy = await chargingFreeCode(1001)
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: proxy.url, timeoutSeconds: 5 })
    sb.clock.advance(3 * HOUR)
    expect((await sb.sweeper({ gateway }).runOnce()).remaining.open).toBe(0)
    expect(await sb.ledger.get(token)).toMatchObject({ status: 'passed', billableCount: 2 })
    sb.clock.set(billAvailableAt(DAY).getTime())
    await pullBill({ db: sb.ledger.db, gateway, date: DAY, now: sb.clock.date })

    const report = await reconcile({ ledger: sb.ledger, date: DAY, scope: [RULE_ID] })
    const seq = (await readBill(sb.ledger.db, DAY, [RULE_ID])).lines.find((l) => l.token === token)!.charges.find((c) => c.errorCode === '1001')!.seq
    expect(report.discrepancies).toEqual([{ kind: 'charged_free_code', token, ruleId: RULE_ID, seq, errorCode: 1001 }])
    expect(report.billable).toEqual({ ours: 4, tencent: 4, difference: 0 })
    expect(report.discrepancies.map((d) => d.token)).not.toContain(others[0])
    expect(formatReport(report)).toMatch(/charged_free_code\s+1\s+\S+\s+.*code 1001/)
  }, 60_000)

  it('judges a 意愿核身 token by the intention table: its charged 1002 is reported, a Plus token’s is not', async () => {
    sb = await createSandbox(database, { start: MORNING })
    // 1002 (suspected recording) is billable in Plus and free in 意愿核身; Tencent charges it on both here.
    const plus = (await sb.verifier.issue('face', { userId: 'plus' })).token
    const intention = (await sb.verifier.issue('face', { userId: 'intention', bizTokenOptions: { IntentionQuestions: [{ Question: '您是否本人自愿办理？', Answers: ['是'] }] } })).token
    for (const token of [plus, intention]) {
      sb.emulator.complete(token, { outcome: 'failed', code: 1002 })
      sb.emulator.complete(token, { outcome: 'passed' })
    }
    proxy = await chargingFreeCode(1002)
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: proxy.url, timeoutSeconds: 5 })
    sb.clock.advance(3 * HOUR)
    expect((await sb.sweeper({ gateway }).runOnce()).remaining.open).toBe(0)
    expect((await sb.ledger.readFullResult(intention))?.result?.IsVerifyIntention).toBe(true)
    sb.clock.set(billAvailableAt(DAY).getTime())
    await pullBill({ db: sb.ledger.db, gateway, date: DAY, now: sb.clock.date })

    const report = await reconcile({ ledger: sb.ledger, date: DAY, scope: [RULE_ID] })
    const lines = (await readBill(sb.ledger.db, DAY, [RULE_ID])).lines
    const seq = lines.find((l) => l.token === intention)!.charges.find((c) => c.errorCode === '1002')!.seq
    expect(lines.find((l) => l.token === plus)!.charges.some((c) => c.errorCode === '1002' && c.isNeedCharge)).toBe(true)
    expect(report.discrepancies).toEqual([{ kind: 'charged_free_code', token: intention, ruleId: RULE_ID, seq, errorCode: 1002 }])
  }, 60_000)
})

describe('npm start’s daily bill pull', () => {
  let db: Database
  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory' })
  }, 120_000)
  afterAll(async () => {
    await db?.close()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('pulls the configured RuleId only', async () => {
    // The pull runs on the wall clock: move it (Date only; timers stay real) to 3 March, then to
    // 07:00 Beijing time on 4 March.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
    vi.setSystemTime(MORNING)
    const emulator = createEmulator({ ruleIds: [RULE_ID, '2'], logger: false })
    const { url } = await emulator.listen(0, '127.0.0.1')
    let server: Awaited<ReturnType<typeof startServer>> | undefined
    try {
      const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url })
      const mine = (await gateway.call('DetectAuth', { RuleId: RULE_ID })).BizToken!
      const other = (await gateway.call('DetectAuth', { RuleId: '2' })).BizToken!
      emulator.complete(mine, { outcome: 'passed' })
      emulator.complete(other, { outcome: 'passed' })
      vi.setSystemTime(billAvailableAt(DAY).getTime() + HOUR)
      server = await startServer({
        port: 0,
        host: '127.0.0.1',
        database: db,
        logger: false,
        env: {
          FACEID_SECRET_ID: SANDBOX_CREDENTIAL.secretId,
          FACEID_SECRET_KEY: SANDBOX_CREDENTIAL.secretKey,
          FACEID_ENDPOINT: url,
          FACEID_RULE_ID: RULE_ID,
          SESSION_SECRET: 'daily-pull-session-secret-0123456789',
          FACEID_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
          FACEID_SWEEP_INTERVAL_SECONDS: '0',
        },
      })
      await vi.waitFor(async () => expect((await readBill(db, DAY, 'all')).pulls.length + (await readBill(db, DAY, [RULE_ID])).pulls.length).toBeGreaterThan(0), { timeout: 20_000, interval: 100 })
      const { pulls, lines } = await readBill(db, DAY, [RULE_ID])
      expect(pulls.map((p) => p.ruleId)).toEqual([RULE_ID])
      expect(lines.map((l) => l.token)).toEqual([mine])
      expect((await readBill(db, DAY, 'all')).pulls).toEqual([])
    } finally {
      await server?.close()
      await emulator.close()
    }
  }, 60_000)
})
