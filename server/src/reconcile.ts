/**
 * Billing reconciliation of one Beijing-time day: what the ledger says Tencent may charge
 * (`LivenessDetail[].IsNeedCharge`, dated by `ReqTime`) against what Tencent's bill says it
 * charged (`GetWeChatBillDetails`), token by token.
 */
import { TOKEN_LIFETIME_SECONDS, type UpstreamResult } from '@faceid-kit/shared'
import { beijingDay, readBill, type BillPull } from './bill.js'
import type { Ledger, TokenRecord } from './ledger.js'

export type Discrepancy =
  /** Tencent billed a token the ledger has never seen: issued outside faceid-kit, or lost. */
  | { kind: 'missing_in_ledger'; token: string; tencent: number }
  /** The ledger has billable attempts that day that Tencent's bill does not list. */
  | { kind: 'missing_in_bill'; token: string; ours: number }
  | { kind: 'count_mismatch'; token: string; ours: number; tencent: number }
  /** The ledger's result is not final yet, so its count may still change (is the sweeper running?). */
  | { kind: 'not_final'; token: string; ours: number; tencent: number | null }
  /** Tencent's own line disagrees with itself: `ChargeCount` ≠ attempts with `IsNeedCharge`. */
  | { kind: 'bill_inconsistent'; token: string; chargeCount: number; chargedAttempts: number }

export interface ReconcileReport {
  /** Beijing date. */
  date: string
  ruleId: string | null
  /** The day in UTC: [from, to). */
  window: { from: string; to: string }
  /** The stored bill, or null when that day was never pulled. */
  bill: (Omit<BillPull, 'pulledAt'> & { pulledAt: string }) | null
  ledger: {
    /** Tokens issued that day, by kind (face tokens of other RuleIds excluded when `ruleId` is set). */
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
  ruleId?: string | undefined
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
  const { pull, lines } = await readBill(options.ledger.db, options.date, options.ruleId)
  const billed = new Map(lines.map((l) => [l.token, l]))
  // A token can be charged on the day after its issue (an attempt just after midnight), never later.
  const lookBackMs = (TOKEN_LIFETIME_SECONDS.face + 600) * 1000
  const records = await options.ledger.listForReconciliation(new Date(start.getTime() - lookBackMs), end, [...billed.keys()])
  const inRule = (r: TokenRecord) => r.kind === 'face' && (!options.ruleId || r.ruleId === options.ruleId)

  const issued = records.filter((r) => r.issuedAt >= start && r.issuedAt < end && (r.kind === 'eid' || inRule(r)))
  const discrepancies: Discrepancy[] = []
  let ours = 0
  const known = new Set<string>()
  for (const record of records) {
    if (!inRule(record) && !billed.has(record.token)) continue
    known.add(record.token)
    const count = chargedAttemptsOn(record, record.result, start, end)
    ours += count
    const line = billed.get(record.token)
    const issuedThatDay = record.issuedAt >= start && record.issuedAt < end
    if (!record.final && (line || issuedThatDay)) {
      discrepancies.push({ kind: 'not_final', token: record.token, ours: count, tencent: line?.chargeCount ?? null })
      continue
    }
    if (!pull) continue
    if (!line) {
      if (count > 0) discrepancies.push({ kind: 'missing_in_bill', token: record.token, ours: count })
    } else if (line.chargeCount !== count) {
      discrepancies.push({ kind: 'count_mismatch', token: record.token, ours: count, tencent: line.chargeCount })
    }
  }
  let tencent = 0
  for (const line of lines) {
    tencent += line.chargeCount
    if (!known.has(line.token)) discrepancies.push({ kind: 'missing_in_ledger', token: line.token, tencent: line.chargeCount })
    const chargedAttempts = line.charges.filter((c) => c.isNeedCharge).length
    if (chargedAttempts !== line.chargeCount) discrepancies.push({ kind: 'bill_inconsistent', token: line.token, chargeCount: line.chargeCount, chargedAttempts })
  }

  const face = issued.filter((r) => r.kind === 'face').length
  return {
    date: options.date,
    ruleId: options.ruleId ?? null,
    window: { from: start.toISOString(), to: end.toISOString() },
    bill: pull ? { ...pull, pulledAt: pull.pulledAt.toISOString() } : null,
    ledger: {
      tokensIssued: { face, eid: issued.length - face, total: issued.length },
      resultsFetched: issued.filter((r) => r.fetchedAt !== null).length,
      final: issued.filter((r) => r.final).length,
    },
    billable: { ours, tencent, difference: ours - tencent },
    discrepancies,
    ok: pull !== undefined && discrepancies.length === 0,
  }
}

/** The report as a readable table (for `npm run reconcile`). */
export function formatReport(report: ReconcileReport): string {
  const out: string[] = []
  const pad = (s: string | number, n: number) => String(s).padEnd(n)
  const num = (s: string | number, n: number) => String(s).padStart(n)
  out.push(`Reconciliation for ${report.date} (Beijing time)${report.ruleId ? `, RuleId ${report.ruleId}` : ''}`)
  out.push(`  window ${report.window.from} → ${report.window.to}`)
  out.push(
    report.bill
      ? `  Tencent bill pulled ${report.bill.pulledAt}: ${report.bill.pages} page(s), ${report.bill.tokens} token(s)`
      : '  Tencent bill: NOT PULLED (run with --pull, after 06:00 Beijing time the next day)',
  )
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
    out.push(`  ${pad('kind', 20)}${pad('token', 38)}${num('ours', 6)}${num('Tencent', 9)}`)
    for (const d of report.discrepancies) {
      const [o, tc] =
        d.kind === 'missing_in_ledger' ? ['-', d.tencent]
        : d.kind === 'missing_in_bill' ? [d.ours, '-']
        : d.kind === 'bill_inconsistent' ? [d.chargedAttempts, d.chargeCount]
        : d.kind === 'not_final' ? [d.ours, d.tencent ?? '-']
        : [d.ours, d.tencent]
      out.push(`  ${pad(d.kind, 20)}${pad(d.token, 38)}${num(o, 6)}${num(tc, 9)}`)
    }
  }
  return `${out.join('\n')}\n`
}
