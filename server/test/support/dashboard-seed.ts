/**
 * A ledger with known contents for the dashboard's tests: tokens of every kind and outcome spread
 * over ten days, a bill day with three discrepancies, and a webhook outbox with one failing
 * endpoint. Rows are written straight into the tables (as the ledger would have left them), and
 * the spec is returned so that tests compute the expected numbers from it, not from SQL.
 */
import crypto from 'node:crypto'
import { beijingDate, beijingDay } from '../../src/billing/bill.js'
import type { Database } from '../../src/store/database.js'

export interface SeededToken {
  token: string
  kind: 'face' | 'eid' | 'face-h5' | 'eid-h5'
  status: 'pending' | 'passed' | 'failed' | 'expired'
  final: boolean
  code: number | null
  billable: number
  issuedAt: Date
}

export interface DashboardSeed {
  now: Date
  tokens: SeededToken[]
  /** The Beijing day of the bill pulled. */
  billDate: string
  /** The reconciliation of that day: discrepancies by kind, and billable attempts on each side. */
  reconciliation: { counts: Record<string, number>; ours: number; tencent: number }
  /** Webhook endpoints as stored, with their expected counts. */
  outbox: Array<{ endpoint: string; shown: string; pending: number; delivered: number; failed: number; failing: boolean; oldestAttempts: number }>
  ruleId: string
  checks: Array<{ kind: string; billable: boolean; ageHours: number }>
}

const HOUR = 3_600_000

/** A token as both SDKs accept it (36 characters). */
function newToken(): string {
  return crypto.randomUUID().toUpperCase()
}

type Spec = [kind: SeededToken['kind'], status: SeededToken['status'], code: number | null, billable: number, ageHours: number[]]

/**
 * Ages avoid 72–120 hours: that window holds the bill day (the Beijing day of now − 96 h) and only
 * the three reconciled tokens are issued in it.
 */
const SPECS: Spec[] = [
  ['face', 'passed', 0, 1, [1, 5, 20, 30, 50, 140]],
  ['face', 'failed', 2016, 1, [2, 26, 60]],
  ['face', 'failed', 1003, 0, [3, 45]],
  ['face', 'expired', null, 0, [130]],
  // 0.01 h: issued 36 s ago, not due for the sweeper's first look yet.
  ['face', 'pending', null, 0, [0.01, 0.2, 62]],
  ['eid', 'passed', 0, 1, [4, 28, 55]],
  ['eid', 'failed', 2006, 1, [6, 40]],
  ['eid', 'pending', null, 0, [0.5]],
  ['face-h5', 'passed', 0, 1, [10]],
  ['face-h5', 'failed', 2016, 1, [12]],
  // Outside a 7-day period.
  ['face', 'passed', 0, 1, [200, 240]],
  ['face', 'failed', 2016, 1, [220]],
]

export async function seedDashboardLedger(db: Database, options: { now?: Date; ruleId?: string } = {}): Promise<DashboardSeed> {
  const now = options.now ?? new Date()
  const ruleId = options.ruleId ?? '1'
  const tokens: SeededToken[] = []
  const rows: Array<Record<string, unknown>> = []
  const add = (t: SeededToken, result: unknown = null) => {
    tokens.push(t)
    rows.push({
      token: t.token,
      kind: t.kind,
      user_id: `user-${tokens.length}`,
      rule_id: t.kind.startsWith('face') ? ruleId : null,
      merchant_id: t.kind.startsWith('eid') ? '0NSJ2106141714' : null,
      client_ip: '127.0.0.1',
      issued_at: t.issuedAt,
      expires_at: new Date(t.issuedAt.getTime() + (t.kind.startsWith('face') ? 7200 : 600) * 1000),
      status: t.status,
      code: t.code,
      message: null,
      billable_count: t.billable,
      final: t.final,
      result: result === null ? null : JSON.stringify(result),
      fetched_at: t.status === 'pending' ? null : new Date(t.issuedAt.getTime() + 60_000),
    })
  }
  for (const [kind, status, code, billable, ages] of SPECS) {
    for (const age of ages) add({ token: newToken(), kind, status, final: status !== 'pending', code, billable, issuedAt: new Date(now.getTime() - age * HOUR) })
  }

  // The bill day: three face tokens issued at noon Beijing time, each charged once.
  const billDate = beijingDate(new Date(now.getTime() - 96 * HOUR))
  const noon = new Date(beijingDay(billDate).start.getTime() + 12 * HOUR)
  const charged = (at: Date, code: number) => ({ Text: { ErrCode: code, LivenessDetail: [{ ReqTime: String(at.getTime() + 60_000), Seq: crypto.randomUUID(), IsNeedCharge: true, Errcode: code }] } })
  const matched: SeededToken = { token: newToken(), kind: 'face', status: 'passed', final: true, code: 0, billable: 1, issuedAt: noon }
  const unbilled: SeededToken = { token: newToken(), kind: 'face', status: 'failed', final: true, code: 2016, billable: 1, issuedAt: new Date(noon.getTime() + HOUR) }
  const overbilled: SeededToken = { token: newToken(), kind: 'face', status: 'passed', final: true, code: 0, billable: 1, issuedAt: new Date(noon.getTime() + 2 * HOUR) }
  add(matched, charged(matched.issuedAt, 0))
  add(unbilled, charged(unbilled.issuedAt, 2016))
  add(overbilled, charged(overbilled.issuedAt, 0))
  await db.queries.insertInto('faceid_tokens').values(rows as never).execute()

  const charge = (seq: string) => ({ reqTime: String(noon.getTime()), seq, isNeedCharge: true, chargeType: null, errorCode: '0', errorMessage: null, sim: null })
  const pulledAt = new Date(now.getTime() - 70 * HOUR)
  const lines = [
    { token: matched.token, charges: [charge('m1')] },
    { token: overbilled.token, charges: [charge('o1'), charge('o2')] },
    // A token Tencent billed that the ledger never saw.
    { token: newToken(), charges: [charge('x1')] },
  ]
  await db.queries
    .insertInto('faceid_bill_details')
    .values(lines.map((l) => ({ bill_date: billDate, token: l.token, rule_id: ruleId, charge_count: l.charges.length, attempts: l.charges.length, charge_details: JSON.stringify(l.charges), pulled_at: pulledAt })))
    .execute()
  await db.queries.insertInto('faceid_bill_pulls').values({ bill_date: billDate, rule_id: ruleId, pulled_at: pulledAt, pages: 1, tokens: lines.length, charge_count: 4 }).execute()

  // Identity-factor checks: billed per call, unless Tencent answered without charging.
  const checks: DashboardSeed['checks'] = [
    { kind: 'id-card', billable: true, ageHours: 3 },
    { kind: 'id-card', billable: true, ageHours: 30 },
    { kind: 'id-card', billable: false, ageHours: 31 },
    { kind: 'phone', billable: true, ageHours: 8 },
    { kind: 'id-card', billable: true, ageHours: 230 },
  ]
  await db.queries
    .insertInto('faceid_checks')
    .values(
      checks.map((c, i) => ({
        id: `chk_${i}_${crypto.randomBytes(6).toString('hex')}`,
        kind: c.kind,
        user_id: `user-check-${i}`,
        outcome: c.billable ? 'match' : 'upstream_error',
        code: c.billable ? '0' : null,
        billable: c.billable,
        requested_at: new Date(now.getTime() - c.ageHours * HOUR),
        answered_at: new Date(now.getTime() - c.ageHours * HOUR + 1000),
      })),
    )
    .execute()

  // The outbox: one endpoint failing for a while, one healthy.
  const failingUrl = 'https://hooks.partner.example/faceid?key=do-not-show'
  const healthyUrl = 'https://ok.partner.example/hook'
  const events: Array<Record<string, unknown>> = []
  const event = (endpoint: string, state: 'pending' | 'delivered' | 'failed', ageHours: number, attempts: number, lastError: string | null) => {
    const created = new Date(now.getTime() - ageHours * HOUR)
    events.push({
      event_id: `evt_${crypto.randomBytes(16).toString('hex')}`,
      endpoint,
      type: 'verification.passed',
      token: tokens[events.length % tokens.length]!.token,
      body: '{}',
      created_at: created,
      state,
      attempts,
      next_attempt_at: new Date(now.getTime() + HOUR),
      last_attempt_at: attempts > 0 ? new Date(created.getTime() + 60_000) : null,
      last_error: lastError,
      delivered_at: state === 'delivered' ? new Date(created.getTime() + 1000) : null,
    })
  }
  for (let i = 0; i < 5; i++) event(failingUrl, 'delivered', 30 + i, 1, null)
  event(failingUrl, 'pending', 20, 6, 'HTTP 503')
  event(failingUrl, 'pending', 10, 0, null)
  event(failingUrl, 'failed', 90, 40, 'timeout')
  for (let i = 0; i < 3; i++) event(healthyUrl, 'delivered', 2 + i, 1, null)
  await db.queries.insertInto('faceid_webhook_outbox').values(events as never).execute()

  return {
    now,
    tokens,
    billDate,
    reconciliation: { counts: { missing_in_bill: 1, count_mismatch: 1, missing_in_ledger: 1 }, ours: 3, tencent: 4 },
    outbox: [
      { endpoint: failingUrl, shown: 'https://hooks.partner.example/faceid', pending: 2, delivered: 5, failed: 1, failing: true, oldestAttempts: 6 },
      { endpoint: healthyUrl, shown: healthyUrl, pending: 0, delivered: 3, failed: 0, failing: false, oldestAttempts: 0 },
    ],
    ruleId,
    checks,
  }
}

/** What the dashboard should say of the seeded tokens issued in [from, to) (all kinds when `kinds` is undefined). */
export function expectedCounts(seed: DashboardSeed, from: Date, to: Date, kinds?: readonly string[]) {
  const mine = seed.tokens.filter((t) => t.issuedAt >= from && t.issuedAt < to && (kinds === undefined || kinds.includes(t.kind)))
  const count = (f: (t: SeededToken) => boolean) => mine.filter(f).length
  const passed = count((t) => t.status === 'passed')
  const failed = count((t) => t.final && t.status === 'failed')
  const expired = count((t) => t.final && t.status === 'expired')
  return {
    started: mine.length,
    passed,
    failed,
    expired,
    pending: count((t) => !t.final),
    billable: mine.reduce((n, t) => n + t.billable, 0),
    passRate: passed + failed + expired === 0 ? null : passed / (passed + failed + expired),
    billableByKind: Object.fromEntries([...new Set(mine.map((t) => t.kind))].map((k) => [k, mine.filter((t) => t.kind === k).reduce((n, t) => n + t.billable, 0)])),
  }
}
