/**
 * The dashboard's answers, built from the ledger's counts (store/dashboard-queries.ts), the shared
 * catalog and the reconciliation of the last bill pulled. Tokens appear shortened, users and
 * identities not at all: nothing here needs personal data.
 */
import { lookupReturnCode, RESULT_RETENTION_SECONDS } from '@faceid-kit/shared'
import { reconcile } from '../billing/reconcile.js'
import type { RuleScope } from '../billing/bill.js'
import { health } from '../store/outbox.js'
import {
  checksByKind,
  latestBillPull,
  outboxEndpoints,
  outcomesByKind,
  outcomeSeries,
  sweeperBacklog,
  topFailureCodes,
  totalOutcomes,
  type Bucket,
  type KindCounts,
  type OutcomeCounts,
  type SeriesPoint,
  type TokenScope,
} from '../store/dashboard-queries.js'
import type { Ledger } from '../store/ledger.js'
import { FLOW_LIST, resultKeptSeconds } from '../flows/index.js'

/** The dashboard's buckets are cut in Beijing time, like Tencent's bill days. */
export const BEIJING_OFFSET_MINUTES = 480

/** A token kind and the provider whose API decides its result. */
export interface KindInfo {
  kind: string
  provider: string
}

/** What a request asks for: a period, and optionally one kind or one provider. */
export interface DashboardQuery {
  from: Date
  to: Date
  kind?: string | undefined
  provider?: string | undefined
}

export interface ReportContext {
  ledger: Ledger
  kinds: readonly KindInfo[]
  unitPrices: Readonly<Record<string, number>>
  currency: string
  /** The RuleIds the kit's bill covers (for the reconciliation). */
  ruleScope: RuleScope
  /** Webhook endpoint ids configured, and after how many failed attempts one counts as failing. */
  webhooks: { endpoints: readonly string[]; failureReportAfter: number } | undefined
  /** Whether this instance runs the sweeper (another instance or cron may). */
  sweeperRunning: boolean
  /** The sweeper's first look at a token comes this long after its issue: until then it is not due. */
  firstFetchAfterMs: number
  now: () => Date
}

/** A token as the dashboard shows it: enough to search the ledger, not to use it. */
export function shortToken(token: string): string {
  return token.length > 12 ? `${token.slice(0, 6)}…${token.slice(-4)}` : '…'
}

/** The kinds a query covers; undefined for all. */
export function kindsOf(ctx: Pick<ReportContext, 'kinds'>, query: Pick<DashboardQuery, 'kind' | 'provider'>): string[] | undefined {
  if (query.kind === undefined && query.provider === undefined) return undefined
  return ctx.kinds.filter((k) => (query.kind === undefined || k.kind === query.kind) && (query.provider === undefined || k.provider === query.provider)).map((k) => k.kind)
}

function scopeOf(ctx: ReportContext, query: DashboardQuery): TokenScope {
  return { from: query.from, to: query.to, kinds: kindsOf(ctx, query) }
}

/** Periods up to two days are shown by the hour, longer ones by the day. */
export function bucketFor(from: Date, to: Date): Bucket {
  return to.getTime() - from.getTime() <= 48 * 3_600_000 ? 'hour' : 'day'
}

/** Every bucket label of [from, to), in the offset's local time, in order. */
export function bucketLabels(from: Date, to: Date, bucket: Bucket, offsetMinutes: number): string[] {
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000
  const shift = offsetMinutes * 60_000
  const labelOf = (ms: number) => {
    const iso = new Date(ms + shift).toISOString()
    return bucket === 'hour' ? `${iso.slice(0, 13)}:00` : iso.slice(0, 10)
  }
  const labels: string[] = []
  // Start at the bucket holding `from`, in local time.
  let at = Math.floor((from.getTime() + shift) / step) * step - shift
  while (at < to.getTime()) {
    labels.push(labelOf(at))
    at += step
  }
  return labels
}

export interface OverviewAnswer {
  period: { from: string; to: string; bucket: Bucket; utcOffsetMinutes: number }
  filter: { kind: string | null; provider: string | null }
  totals: OutcomeCounts & {
    /** passed / (passed + failed + expired): of the verifications that ended, how many passed. Null when none ended. */
    passRate: number | null
  }
  byKind: KindCounts[]
  series: SeriesPoint[]
}

const ZERO: OutcomeCounts = { started: 0, passed: 0, failed: 0, expired: 0, pending: 0, billable: 0 }

export async function overview(ctx: ReportContext, query: DashboardQuery): Promise<OverviewAnswer> {
  const scope = scopeOf(ctx, query)
  const db = ctx.ledger.db
  const bucket = bucketFor(query.from, query.to)
  const [byKind, points] = await Promise.all([outcomesByKind(db, scope), outcomeSeries(db, scope, bucket, BEIJING_OFFSET_MINUTES)])
  const totals = totalOutcomes(byKind)
  const ended = totals.passed + totals.failed + totals.expired
  const byBucket = new Map(points.map((p) => [p.bucket, p]))
  return {
    period: { from: query.from.toISOString(), to: query.to.toISOString(), bucket, utcOffsetMinutes: BEIJING_OFFSET_MINUTES },
    filter: { kind: query.kind ?? null, provider: query.provider ?? null },
    totals: { ...totals, passRate: ended === 0 ? null : totals.passed / ended },
    byKind,
    series: bucketLabels(query.from, query.to, bucket, BEIJING_OFFSET_MINUTES).map((label) => byBucket.get(label) ?? { bucket: label, ...ZERO }),
  }
}

export interface BillingAnswer {
  currency: string
  /**
   * One row per token kind with billable attempts in the period, then one per identity-factor
   * check kind (`check:id-card`…, Tencent's; left out when the query names a kind or another provider).
   */
  rows: Array<{ kind: string; billable: number; unitPrice: number | null; cost: number | null }>
  total: {
    billable: number
    /** The sum of the priced kinds' costs. */
    cost: number
    /** Kinds with billable attempts but no unit price: their cost is not in `cost`. */
    unpriced: string[]
  }
}

/** Billable attempts of the period's tokens per kind, at the configured unit prices. */
export async function billing(ctx: ReportContext, query: DashboardQuery): Promise<BillingAnswer> {
  const withChecks = query.kind === undefined && (query.provider === undefined || query.provider === 'tencent')
  const [byKind, checks] = await Promise.all([outcomesByKind(ctx.ledger.db, scopeOf(ctx, query)), withChecks ? checksByKind(ctx.ledger.db, query.from, query.to) : []])
  const cents = (n: number) => Math.round(n * 100) / 100
  const billed = [...byKind.map(({ kind, billable }) => ({ kind, billable })), ...checks.map(({ kind, billable }) => ({ kind: `check:${kind}`, billable }))]
  const rows = billed.map(({ kind, billable }) => {
    const price = Object.prototype.hasOwnProperty.call(ctx.unitPrices, kind) ? ctx.unitPrices[kind]! : null
    return { kind, billable, unitPrice: price, cost: price === null ? null : cents(billable * price) }
  })
  return {
    currency: ctx.currency,
    rows,
    total: {
      billable: rows.reduce((n, r) => n + r.billable, 0),
      cost: cents(rows.reduce((n, r) => n + (r.cost ?? 0), 0)),
      unpriced: rows.filter((r) => r.unitPrice === null && r.billable > 0).map((r) => r.kind),
    },
  }
}

export interface FailuresAnswer {
  /** Final failures in the period. */
  failed: number
  top: Array<{ code: number | null; kind: string; count: number; share: number; zh: string | null; en: string | null; billable: boolean | null; retryable: boolean | null }>
}

/** The ten commonest failure codes, with the catalog's words for each. */
export async function failures(ctx: ReportContext, query: DashboardQuery): Promise<FailuresAnswer> {
  const scope = scopeOf(ctx, query)
  const [top, byKind] = await Promise.all([topFailureCodes(ctx.ledger.db, scope, 10), outcomesByKind(ctx.ledger.db, scope)])
  const failed = totalOutcomes(byKind).failed
  return {
    failed,
    top: top.map(({ code, kind, count }) => {
      const entry = code === null ? undefined : lookupReturnCode(code, kind as Parameters<typeof lookupReturnCode>[1])
      return { code, kind, count, share: failed === 0 ? 0 : count / failed, zh: entry?.zh ?? null, en: entry?.en ?? null, billable: entry?.billable ?? null, retryable: entry?.retryable ?? null }
    }),
  }
}

export interface SweeperAnswer {
  running: boolean
  open: number
  due: number
  leased: number
  /** Open tokens with less than a day left before their provider's limit (or past it). */
  nearLimit: number
  /** Tencent's limit (3 days); a provider that keeps results longer (Megvii: 30 days) is counted against its own. */
  retentionSeconds: number
  /** The open token with the least time left before its provider's limit (`retentionSeconds`, its own). */
  oldest: { token: string; kind: string; issuedAt: string; ageSeconds: number; retentionSeconds: number; secondsLeft: number; sweepAttempts: number; lastError: string | null } | null
}

const NEAR_LIMIT_MS = 86_400_000

/** The sweeper's backlog, whatever the period: open work is open now. */
export async function sweeper(ctx: ReportContext, query: Pick<DashboardQuery, 'kind' | 'provider'>): Promise<SweeperAnswer> {
  const now = ctx.now()
  const nearLimitAt = (seconds: number) => new Date(now.getTime() - seconds * 1000 + NEAR_LIMIT_MS)
  // Every flow's kind, configured here or not: a ledger may hold tokens of a provider since removed.
  const byKind = new Map<string, Date>()
  for (const { kind } of FLOW_LIST) {
    const kept = resultKeptSeconds(kind)
    if (kept !== undefined) byKind.set(kind, nearLimitAt(kept))
  }
  const backlog = await sweeperBacklog(ctx.ledger.db, kindsOf(ctx, query), now, { others: nearLimitAt(RESULT_RETENTION_SECONDS), byKind }, ctx.firstFetchAfterMs)
  const oldest = backlog.oldest
  const age = oldest ? Math.max(0, Math.floor((now.getTime() - oldest.issuedAt.getTime()) / 1000)) : 0
  const kept = (oldest ? resultKeptSeconds(oldest.kind) : undefined) ?? RESULT_RETENTION_SECONDS
  return {
    running: ctx.sweeperRunning,
    open: backlog.open,
    due: backlog.due,
    leased: backlog.leased,
    nearLimit: backlog.old,
    retentionSeconds: RESULT_RETENTION_SECONDS,
    oldest: oldest
      ? {
          token: shortToken(oldest.token),
          kind: oldest.kind,
          issuedAt: oldest.issuedAt.toISOString(),
          ageSeconds: age,
          retentionSeconds: kept,
          secondsLeft: kept - age,
          sweepAttempts: oldest.sweepAttempts,
          lastError: oldest.lastError,
        }
      : null,
  }
}

export interface ReconciliationAnswer {
  /** The last bill day pulled; null when no bill was ever pulled (the daily pull is off in sandbox mode). */
  last: {
    date: string
    pulls: Array<{ ruleId: string; pulledAt: string; tokens: number; chargeCount: number }>
    billable: { ours: number; tencent: number; difference: number }
    ok: boolean
    /** Discrepancies per kind of discrepancy. */
    counts: Record<string, number>
    /** The first 50, tokens shortened. */
    discrepancies: Array<{ kind: string; token: string; ruleId: string | null; ours: number | null; tencent: number | null }>
    total: number
  } | null
}

/** The reconciliation of the last bill day pulled, done now against the ledger as it stands. */
export async function reconciliation(ctx: ReportContext): Promise<ReconciliationAnswer> {
  const latest = await latestBillPull(ctx.ledger.db)
  if (!latest) return { last: null }
  const report = await reconcile({ ledger: ctx.ledger, date: latest.date, scope: ctx.ruleScope })
  const counts: Record<string, number> = {}
  for (const d of report.discrepancies) counts[d.kind] = (counts[d.kind] ?? 0) + 1
  const numberOr = (d: object, key: string): number | null => {
    const value = (d as Record<string, unknown>)[key]
    return typeof value === 'number' ? value : null
  }
  return {
    last: {
      date: latest.date,
      pulls: latest.pulls.map((p) => ({ ...p, pulledAt: p.pulledAt.toISOString() })),
      billable: report.billable,
      ok: report.ok,
      counts,
      discrepancies: report.discrepancies.slice(0, 50).map((d) => ({
        kind: d.kind,
        token: shortToken(d.token),
        ruleId: d.ruleId,
        ours: numberOr(d, 'ours') ?? numberOr(d, 'chargedAttempts'),
        tencent: numberOr(d, 'tencent') ?? numberOr(d, 'chargeCount'),
      })),
      total: report.discrepancies.length,
    },
  }
}

export interface WebhooksAnswer {
  configured: boolean
  failureReportAfter: number
  endpoints: Array<{
    /** The endpoint's id, or its URL without query string or credentials. */
    endpoint: string
    pending: number
    delivered: number
    failed: number
    failing: boolean
    oldestPendingAttempts: number
    oldestPendingAt: string | null
    lastDeliveredAt: string | null
    lastError: string | null
  }>
}

/** An endpoint id fit to show: a URL loses its query string and any credentials. */
export function displayEndpoint(id: string): string {
  try {
    const url = new URL(id)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return id
  }
}

/** The webhook outbox per endpoint (the outbox is shared: every instance sees the same). */
export async function webhooks(ctx: ReportContext): Promise<WebhooksAnswer> {
  const reportAfter = ctx.webhooks?.failureReportAfter ?? 5
  // The configured endpoints, and any other whose events the outbox still holds.
  const db = ctx.ledger.db
  const rows = await health(db, [...new Set([...(ctx.webhooks?.endpoints ?? []), ...(await outboxEndpoints(db))])])
  return {
    configured: ctx.webhooks !== undefined,
    failureReportAfter: reportAfter,
    endpoints: rows.map((r) => ({
      endpoint: displayEndpoint(r.endpoint),
      pending: r.pending,
      delivered: r.delivered,
      failed: r.failed,
      failing: r.pending > 0 && r.oldestPendingAttempts >= reportAfter,
      oldestPendingAttempts: r.oldestPendingAttempts,
      oldestPendingAt: r.oldestPendingAt?.toISOString() ?? null,
      lastDeliveredAt: r.lastDeliveredAt?.toISOString() ?? null,
      lastError: r.lastError,
    })),
  }
}
