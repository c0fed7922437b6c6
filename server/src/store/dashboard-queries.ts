/**
 * What the ops dashboard reads of the ledger: counts, never rows of personal data. Every query is
 * written once with the query builder; only the bucketing of a time series differs by engine
 * (SQLite keeps ISO text, PostgreSQL `timestamptz`). Numbers come back as JavaScript numbers
 * whatever the engine returns (PostgreSQL's `count` is a `bigint`, read as a string).
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely'
import type { Database } from './database.js'
import { toDate } from './rows.js'
import type { LedgerTables } from './schema.js'

/** Tokens issued in [from, to), of the given kinds (all kinds when `kinds` is undefined). */
export interface TokenScope {
  from: Date
  to: Date
  /** Undefined: every kind. An empty list matches nothing. */
  kinds?: readonly string[] | undefined
}

export interface OutcomeCounts {
  /** Tokens issued. */
  started: number
  passed: number
  /** Final with a failure. */
  failed: number
  /** Final with no result in the token's life. */
  expired: number
  /** Not final yet: the user may still be verifying, or the sweeper has not fetched the result. */
  pending: number
  /** Charged attempts (`LivenessDetail[].IsNeedCharge`) of these tokens. */
  billable: number
}

export interface KindCounts extends OutcomeCounts {
  kind: string
}

export interface SeriesPoint extends OutcomeCounts {
  /** The bucket's start in the chosen offset, `YYYY-MM-DD` or `YYYY-MM-DDTHH:00`. */
  bucket: string
}

export type Bucket = 'day' | 'hour'

type Eb = ExpressionBuilder<LedgerTables, 'faceid_tokens'>

const one = (condition: RawBuilder<unknown>): RawBuilder<number | string | null> => sql`sum(case when ${condition} then 1 else 0 end)`

/** The outcome columns, as sums over a group (both engines' flags compare with `NOT final`). */
function outcomeColumns(eb: Eb) {
  return [
    eb.fn.countAll<number | string>().as('started'),
    one(sql`status = 'passed'`).as('passed'),
    one(sql`final AND status = 'failed'`).as('failed'),
    // A final row still marked pending was given up without a result: it expired.
    one(sql`final AND status IN ('expired', 'pending')`).as('expired'),
    one(sql`NOT final`).as('pending'),
    eb.fn.sum<number | string | null>('billable_count').as('billable'),
  ] as const
}

interface OutcomeRow {
  started: number | string
  passed: number | string | null
  failed: number | string | null
  expired: number | string | null
  pending: number | string | null
  billable: number | string | null
}

function outcomesOf(row: OutcomeRow | undefined): OutcomeCounts {
  return {
    started: Number(row?.started ?? 0),
    passed: Number(row?.passed ?? 0),
    failed: Number(row?.failed ?? 0),
    expired: Number(row?.expired ?? 0),
    pending: Number(row?.pending ?? 0),
    billable: Number(row?.billable ?? 0),
  }
}

function inScope(eb: Eb, scope: TokenScope): Expression<SqlBool> {
  const parts = [eb('issued_at', '>=', scope.from), eb('issued_at', '<', scope.to)]
  if (scope.kinds !== undefined) parts.push(scope.kinds.length === 0 ? eb.lit(false) : eb('kind', 'in', [...scope.kinds]))
  return eb.and(parts)
}

/** Outcomes of the tokens in scope, per kind (kinds with no token are left out). */
export async function outcomesByKind(db: Database, scope: TokenScope): Promise<KindCounts[]> {
  const rows = await db.queries
    .selectFrom('faceid_tokens')
    .select((eb) => ['kind', ...outcomeColumns(eb)])
    .where((eb) => inScope(eb, scope))
    .groupBy('kind')
    .orderBy('kind')
    .execute()
  return rows.map((row) => ({ kind: row.kind, ...outcomesOf(row) }))
}

/** The sum of per-kind counts. */
export function totalOutcomes(rows: readonly OutcomeCounts[]): OutcomeCounts {
  const total: OutcomeCounts = { started: 0, passed: 0, failed: 0, expired: 0, pending: 0, billable: 0 }
  for (const row of rows) for (const key of Object.keys(total) as Array<keyof OutcomeCounts>) total[key] += row[key]
  return total
}

/**
 * The issue time as the bucket's label (literals, not parameters: the same text must appear in
 * SELECT and GROUP BY for PostgreSQL to see one expression), at a fixed offset from UTC (the dashboard uses Beijing
 * time, +480, the day Tencent's bills are cut on).
 */
function bucketOf(db: Database, bucket: Bucket, offsetMinutes: number): RawBuilder<string> {
  const minutes = Math.trunc(offsetMinutes)
  if (db.engine === 'sqlite') {
    const format = bucket === 'day' ? '%Y-%m-%d' : '%Y-%m-%dT%H:00'
    return sql<string>`strftime(${sql.lit(format)}, issued_at, ${sql.lit(`${minutes >= 0 ? '+' : ''}${minutes} minutes`)})`
  }
  const format = bucket === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM-DD"T"HH24:00'
  return sql<string>`to_char((issued_at AT TIME ZONE 'UTC') + make_interval(mins => ${sql.lit(minutes)}), ${sql.lit(format)})`
}

/** Outcomes per day or hour of issue. Buckets with no token are absent; the caller fills them. */
export async function outcomeSeries(db: Database, scope: TokenScope, bucket: Bucket, offsetMinutes: number): Promise<SeriesPoint[]> {
  const label = bucketOf(db, bucket, offsetMinutes)
  const rows = await db.queries
    .selectFrom('faceid_tokens')
    .select((eb) => [label.as('bucket'), ...outcomeColumns(eb)])
    .where((eb) => inScope(eb, scope))
    .groupBy(label)
    .orderBy(label)
    .execute()
  return rows.map((row) => ({ bucket: row.bucket, ...outcomesOf(row) }))
}

export interface CheckCounts {
  /** The check's kind (`id-card`, `phone`, `bank-card-4`…). */
  kind: string
  calls: number
  /** Calls Tencent bills (the check's `billable` flag). */
  billable: number
}

/** Identity-factor checks requested in [from, to), per kind. */
export async function checksByKind(db: Database, from: Date, to: Date): Promise<CheckCounts[]> {
  const rows = await db.queries
    .selectFrom('faceid_checks')
    .select((eb) => ['kind', eb.fn.countAll<number | string>().as('calls'), one(sql`billable`).as('billable')])
    .where('requested_at', '>=', from)
    .where('requested_at', '<', to)
    .groupBy('kind')
    .orderBy('kind')
    .execute()
  return rows.map((row) => ({ kind: row.kind, calls: Number(row.calls), billable: Number(row.billable ?? 0) }))
}

export interface FailureCount {
  code: number | null
  kind: string
  count: number
}

/** The commonest codes of final failures in scope, most frequent first (ties by code). */
export async function topFailureCodes(db: Database, scope: TokenScope, limit: number): Promise<FailureCount[]> {
  const rows = await db.queries
    .selectFrom('faceid_tokens')
    .select((eb) => ['code', 'kind', eb.fn.countAll<number | string>().as('n')])
    .where((eb) => inScope(eb, scope))
    .where(sql<boolean>`final`)
    .where('status', '=', 'failed')
    .groupBy(['code', 'kind'])
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('code')
    .orderBy('kind')
    .limit(limit)
    .execute()
  return rows.map((row) => ({ code: row.code === null ? null : Number(row.code), kind: row.kind, count: Number(row.n) }))
}

export interface Backlog {
  /** Tokens not final. */
  open: number
  /** Open tokens whose next look is due now (not leased; a token never looked at is due `firstFetchAfterMs` after its issue, as the sweeper has it). */
  due: number
  /** Open tokens an instance holds a lease on. */
  leased: number
  /** Open tokens issued before the `olderThan` of their kind. */
  old: number
  /** The open token issued longest before its kind's `olderThan`: the one with the least time left. */
  oldest: { token: string; kind: string; issuedAt: Date; sweepAttempts: number; lastError: string | null } | null
}

/**
 * A date per kind: `byKind` for the kinds named there, `others` for every other kind (providers
 * keep results for different times).
 */
export interface DateByKind {
  others: Date
  byKind: ReadonlyMap<string, Date>
}

/**
 * The sweeper's open work, of any issue time: how much is open, due and leased, how much was
 * issued before its kind's `olderThan`, and the open token issued longest before it.
 */
export async function sweeperBacklog(db: Database, kinds: readonly string[] | undefined, now: Date, olderThan: DateByKind, firstFetchAfterMs: number): Promise<Backlog> {
  const firstDue = new Date(now.getTime() - firstFetchAfterMs)
  const ofKinds = (eb: Eb): Expression<SqlBool> =>
    kinds === undefined ? eb.lit(true) : kinds.length === 0 ? eb.lit(false) : eb('kind', 'in', [...kinds])
  // The kinds sharing one date, then every other kind with `others`: each group, its date and its kinds.
  const sharing = new Map<number, string[]>()
  for (const [kind, date] of olderThan.byKind) sharing.set(date.getTime(), [...(sharing.get(date.getTime()) ?? []), kind])
  const named = [...olderThan.byKind.keys()]
  const groups: Array<{ at: Date; inGroup: (eb: Eb) => Expression<SqlBool> }> = [
    ...[...sharing].map(([at, group]) => ({ at: new Date(at), inGroup: (eb: Eb) => eb('kind', 'in', group) })),
    { at: olderThan.others, inGroup: (eb: Eb) => (named.length === 0 ? eb.lit(true) : eb('kind', 'not in', named)) },
  ]
  const isOld = (eb: Eb): Expression<SqlBool> => eb.or(groups.map((g) => eb.and([g.inGroup(eb), eb('issued_at', '<', g.at)])))
  const counts = await db.queries
    .selectFrom('faceid_tokens')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('open'),
      eb.fn
        .sum<number | string | null>(
          eb
            .case()
            .when(
              eb.and([
                eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]),
                eb.or([eb('next_attempt_at', '<=', now), eb.and([eb('next_attempt_at', 'is', null), eb('issued_at', '<=', firstDue)])]),
              ]),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as('due'),
      eb.fn.sum<number | string | null>(eb.case().when('lease_until', '>', now).then(1).else(0).end()).as('leased'),
      eb.fn.sum<number | string | null>(eb.case().when(isOld(eb)).then(1).else(0).end()).as('old'),
    ])
    .where(sql<boolean>`NOT final`)
    .where(ofKinds)
    .executeTakeFirst()
  // The oldest open token of each group: the one of them issued longest before its group's date.
  const oldestOf = (inGroup: (eb: Eb) => Expression<SqlBool>) =>
    db.queries
      .selectFrom('faceid_tokens')
      .select(['token', 'kind', 'issued_at', 'sweep_attempts', 'last_error'])
      .where(sql<boolean>`NOT final`)
      .where(ofKinds)
      .where(inGroup)
      .orderBy('issued_at')
      .orderBy('token')
      .limit(1)
      .executeTakeFirst()
  const candidates = await Promise.all(groups.map(async (g) => ({ at: g.at, row: await oldestOf(g.inGroup) })))
  const lead = (c: (typeof candidates)[number]) => c.at.getTime() - toDate(c.row!.issued_at).getTime()
  const oldest = candidates.filter((c) => c.row !== undefined).sort((a, b) => lead(b) - lead(a))[0]?.row
  return {
    open: Number(counts?.open ?? 0),
    due: Number(counts?.due ?? 0),
    leased: Number(counts?.leased ?? 0),
    old: Number(counts?.old ?? 0),
    oldest: oldest
      ? { token: oldest.token, kind: oldest.kind, issuedAt: toDate(oldest.issued_at), sweepAttempts: Number(oldest.sweep_attempts), lastError: oldest.last_error }
      : null,
  }
}

export interface LatestBillPull {
  /** The Beijing day of the bill, `YYYY-MM-DD`. */
  date: string
  /** Every pull of that day (`ruleId` `''`: all RuleIds). */
  pulls: Array<{ ruleId: string; pulledAt: Date; tokens: number; chargeCount: number }>
}

/** The most recent bill day pulled, with its pulls; null when no bill was ever pulled. */
export async function latestBillPull(db: Database): Promise<LatestBillPull | null> {
  const rows = await db.queries
    .selectFrom('faceid_bill_pulls')
    .select(['bill_date', 'rule_id', 'pulled_at', 'tokens', 'charge_count'])
    .where('bill_date', '=', (eb) => eb.selectFrom('faceid_bill_pulls').select((e) => e.fn.max('bill_date').as('d')))
    .orderBy('rule_id')
    .execute()
  const first = rows[0]
  if (!first) return null
  return {
    date: dayText(first.bill_date),
    pulls: rows.map((row) => ({ ruleId: row.rule_id, pulledAt: toDate(row.pulled_at), tokens: Number(row.tokens), chargeCount: Number(row.charge_count) })),
  }
}

/** A `date` column as `YYYY-MM-DD`: PostgreSQL hands a `Date` at local midnight, SQLite the text. */
function dayText(value: Date | string): string {
  if (typeof value === 'string') return value.slice(0, 10)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`
}

/** Every endpoint the webhook outbox holds events for (configured now or not). */
export async function outboxEndpoints(db: Database): Promise<string[]> {
  const rows = await db.queries.selectFrom('faceid_webhook_outbox').select('endpoint').distinct().orderBy('endpoint').execute()
  return rows.map((r) => r.endpoint)
}
