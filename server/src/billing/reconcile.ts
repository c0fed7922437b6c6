/**
 * Billing reconciliation of one Beijing-time day: what the ledger says Tencent may charge
 * (`LivenessDetail[].IsNeedCharge`, dated by `ReqTime`) against what Tencent's bill says it
 * charged (`GetWeChatBillDetails`), token by token.
 */
import { isBillableCode, TOKEN_LIFETIME_SECONDS, type UpstreamResult } from '@faceid-kit/shared'
import { beijingDay, describeScope, readBill, type BillPull, type RuleScope } from './bill.js'
import type { Ledger, ReconciliationRecord, TokenRecord } from '../store/ledger.js'

/** Every discrepancy names its token and the RuleId it was issued (ledger) or billed (Tencent) under. */
export type Discrepancy = { token: string; ruleId: string | null } & (
  /** Tencent billed a token the ledger has never seen: issued outside faceid-kit, or lost. */
  | { kind: 'missing_in_ledger'; tencent: number }
  /** The ledger has billable attempts that day that Tencent's bill does not list. */
  | { kind: 'missing_in_bill'; ours: number }
  | { kind: 'count_mismatch'; ours: number; tencent: number }
  /** The ledger's result is not final yet, so its count may still change (is the sweeper running?). */
  | { kind: 'not_final'; ours: number; tencent: number | null }
  /** Tencent's own line disagrees with itself: `ChargeCount` ≠ attempts with `IsNeedCharge`. */
  | { kind: 'bill_inconsistent'; chargeCount: number; chargedAttempts: number }
  /** Tencent's bill lists one attempt (`Seq`) more than once; it is counted once everywhere else. */
  | { kind: 'duplicate_in_bill'; seq: string; listed: number; charged: boolean }
  /** Tencent charged an attempt whose return code the catalog says is free. */
  | { kind: 'charged_free_code'; seq: string | null; errorCode: number }
)

export interface ReconcileReport {
  /** Beijing date. */
  date: string
  /** The RuleIds compared: a list, or `all`. */
  scope: 'all' | string[]
  /** The day in UTC: [from, to). */
  window: { from: string; to: string }
  /** The stored bill of the scope, or null when part of the scope was never pulled. */
  bill: {
    /** The pulls it comes from (`ruleId` `''`: a pull of every RuleId). */
    pulls: Array<Omit<BillPull, 'pulledAt' | 'date'> & { pulledAt: string }>
    /** Tokens and charges of the scope (a Seq listed twice counted once). */
    tokens: number
    chargeCount: number
  } | null
  ledger: {
    /** Tokens issued that day, by kind (face tokens of RuleIds outside the scope excluded). */
    tokensIssued: { face: number; eid: number; total: number }
    /** Of those, how many have at least one stored result. */
    resultsFetched: number
    /** Of those, how many are final. */
    final: number
  }
  /** Charged attempts that day. E证通 is billed apart and is not in this bill. */
  billable: { ours: number; tencent: number; difference: number }
  discrepancies: Discrepancy[]
  /** No discrepancy, and the bill was pulled. */
  ok: boolean
}

export interface ReconcileOptions {
  ledger: Ledger
  date: string
  /** The RuleIds to compare: the configured one for the kit's own tokens (see `ruleScopeOf`). */
  scope: RuleScope
}

/** Attempts of one stored result charged within [start, end); undated charges count on the token's issue day. */
export function chargedAttemptsOn(record: Pick<TokenRecord, 'issuedAt'>, result: UpstreamResult | null, start: Date, end: Date): number {
  let n = 0
  for (const detail of result?.Text?.LivenessDetail ?? []) {
    if (detail?.IsNeedCharge !== true) continue
    const reqTime = Number(detail.ReqTime)
    const at = Number.isFinite(reqTime) && reqTime > 0 ? reqTime : record.issuedAt.getTime()
    if (at >= start.getTime() && at < end.getTime()) n += 1
  }
  return n
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { start, end } = beijingDay(options.date)
  const { scope } = options
  const stored = await readBill(options.ledger.db, options.date, scope)
  const pulled = stored.missing.length === 0
  const lines = stored.lines
  const billed = new Map(lines.map((l) => [l.token, l]))
  // A token can be charged on the day after its issue (an attempt just after midnight), never later.
  const lookBackMs = (TOKEN_LIFETIME_SECONDS.face + 600) * 1000
  const records = await options.ledger.listForReconciliation(new Date(start.getTime() - lookBackMs), end, [...billed.keys()])
  const inScope = (r: ReconciliationRecord) => r.kind === 'face' && (scope === 'all' || (r.ruleId !== null && scope.includes(r.ruleId)))

  const issued = records.filter((r) => r.issuedAt >= start && r.issuedAt < end && (r.kind === 'eid' || inScope(r)))
  // 意愿核身 bills by its own table (1002, for one, is free there): the clear result says which tokens ran it.
  const intention = new Set(records.filter((r) => r.result?.IsVerifyIntention === true).map((r) => r.token))
  const discrepancies: Discrepancy[] = []
  let ours = 0
  const known = new Set<string>()
  for (const record of records) {
    if (!inScope(record) && !billed.has(record.token)) continue
    known.add(record.token)
    const count = chargedAttemptsOn(record, record.result, start, end)
    ours += count
    const line = billed.get(record.token)
    const token = record.token
    const ruleId = line?.ruleId || record.ruleId
    const issuedThatDay = record.issuedAt >= start && record.issuedAt < end
    if (!record.final && (line || issuedThatDay)) {
      discrepancies.push({ kind: 'not_final', token, ruleId, ours: count, tencent: line?.chargeCount ?? null })
      continue
    }
    if (!pulled) continue
    if (!line) {
      if (count > 0) discrepancies.push({ kind: 'missing_in_bill', token, ruleId, ours: count })
    } else if (line.chargeCount !== count) {
      discrepancies.push({ kind: 'count_mismatch', token, ruleId, ours: count, tencent: line.chargeCount })
    }
  }
  let tencent = 0
  for (const line of lines) {
    const { token } = line
    const ruleId = line.ruleId || null
    tencent += line.chargeCount
    if (!known.has(token)) discrepancies.push({ kind: 'missing_in_ledger', token, ruleId, tencent: line.chargeCount })
    const chargedAttempts = line.charges.filter((c) => c.isNeedCharge).length
    if (chargedAttempts !== line.chargeCount) discrepancies.push({ kind: 'bill_inconsistent', token, ruleId, chargeCount: line.chargeCount, chargedAttempts })
    for (const charge of line.charges) {
      if (charge.seq !== null && (charge.listed ?? 1) > 1) {
        discrepancies.push({ kind: 'duplicate_in_bill', token, ruleId, seq: charge.seq, listed: charge.listed ?? 1, charged: charge.isNeedCharge })
      }
      // Tencent's guide checks each charge against the billable return codes; an unknown code is not judged.
      const code = charge.errorCode === null || charge.errorCode.trim() === '' ? NaN : Number(charge.errorCode)
      if (charge.isNeedCharge && Number.isSafeInteger(code) && isBillableCode(code, intention.has(token) ? 'intention' : 'face') === false) {
        discrepancies.push({ kind: 'charged_free_code', token, ruleId, seq: charge.seq, errorCode: code })
      }
    }
  }

  const face = issued.filter((r) => r.kind === 'face').length
  return {
    date: options.date,
    scope: scope === 'all' ? 'all' : [...scope],
    window: { from: start.toISOString(), to: end.toISOString() },
    bill: pulled
      ? {
          pulls: stored.pulls.map(({ date: _date, ...p }) => ({ ...p, pulledAt: p.pulledAt.toISOString() })),
          tokens: lines.length,
          chargeCount: tencent,
        }
      : null,
    ledger: {
      tokensIssued: { face, eid: issued.length - face, total: issued.length },
      resultsFetched: issued.filter((r) => r.fetchedAt !== null).length,
      final: issued.filter((r) => r.final).length,
    },
    billable: { ours, tencent, difference: ours - tencent },
    discrepancies,
    ok: pulled && discrepancies.length === 0,
  }
}

/** The report as a readable table (for `npm run reconcile`). */
export function formatReport(report: ReconcileReport): string {
  const out: string[] = []
  const pad = (s: string | number, n: number) => String(s).padEnd(n)
  const num = (s: string | number, n: number) => String(s).padStart(n)
  out.push(`Reconciliation for ${report.date} (Beijing time), ${describeScope(report.scope)}`)
  out.push(`  window ${report.window.from} → ${report.window.to}`)
  if (report.bill) {
    for (const p of report.bill.pulls) {
      out.push(`  Tencent bill of ${p.ruleId ? `RuleId ${p.ruleId}` : 'all RuleIds'} pulled ${p.pulledAt}: ${p.pages} page(s), ${p.tokens} token(s)`)
    }
  } else {
    out.push('  Tencent bill: NOT PULLED (run with --pull, after 06:00 Beijing time the next day)')
  }
  out.push('')
  const t = report.ledger.tokensIssued
  out.push(`  ${pad('tokens issued', 26)}${num(t.total, 8)}   (face ${t.face}, eid ${t.eid})`)
  out.push(`  ${pad('results fetched', 26)}${num(report.ledger.resultsFetched, 8)}`)
  out.push(`  ${pad('results final', 26)}${num(report.ledger.final, 8)}`)
  out.push(`  ${pad('billable (ours)', 26)}${num(report.billable.ours, 8)}`)
  out.push(`  ${pad('billable (Tencent)', 26)}${num(report.billable.tencent, 8)}`)
  out.push(`  ${pad('difference', 26)}${num(report.billable.difference, 8)}`)
  out.push('')
  if (report.discrepancies.length === 0) {
    out.push(report.ok ? '  No discrepancies.' : '  No discrepancies found, but there is no bill to compare with.')
  } else {
    out.push(`  ${report.discrepancies.length} discrepanc${report.discrepancies.length === 1 ? 'y' : 'ies'}:`)
    out.push(`  ${pad('kind', 20)}${pad('RuleId', 10)}${pad('token', 38)}${num('ours', 6)}${num('Tencent', 9)}  detail`)
    for (const d of report.discrepancies) {
      const [o, tc, detail]: [string | number, string | number, string] =
        d.kind === 'missing_in_ledger' ? ['-', d.tencent, '']
        : d.kind === 'missing_in_bill' ? [d.ours, '-', '']
        : d.kind === 'bill_inconsistent' ? [d.chargedAttempts, d.chargeCount, 'ChargeCount ≠ charged attempts listed']
        : d.kind === 'not_final' ? [d.ours, d.tencent ?? '-', '']
        : d.kind === 'duplicate_in_bill' ? ['-', '-', `Seq ${d.seq} listed ${d.listed} times${d.charged ? ' (charged)' : ''}`]
        : d.kind === 'charged_free_code' ? ['-', '-', `Seq ${d.seq ?? '-'} charged for code ${d.errorCode} (free)`]
        : [d.ours, d.tencent, '']
      out.push(`  ${pad(d.kind, 20)}${pad(d.ruleId ?? '-', 10)}${pad(d.token, 38)}${num(o, 6)}${num(tc, 9)}${detail ? `  ${detail}` : ''}`.trimEnd())
    }
  }
  return `${out.join('\n')}\n`
}
