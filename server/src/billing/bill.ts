/**
 * Tencent's own account of what it charged: `GetWeChatBillDetails`, one Beijing-time day at a
 * time, pulled page by page and stored per token (table `faceid_bill_details`).
 */
import type { ChargeDetail, WeChatBillDetail } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models.js'
import type { Database } from '../store/database.js'
import { BadRequestError, FaceidError, UpstreamError } from '../errors/index.js'
import type { Gateway } from '../providers/tencent/client.js'
import { retrying, type RetryOptions } from '../resilience/retry.js'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** Tencent's days are Beijing days (UTC+8, no daylight saving). */
const BEIJING_OFFSET_MS = 8 * HOUR_MS
/** A day's bill can be pulled from 06:00 Beijing time the next day. */
const READY_AFTER_DAY_END_MS = 6 * HOUR_MS
/** Tencent serves bills up to 365 days back. */
const MAX_DAYS_BACK = 365
/** Guards against a cursor that never ends. */
const MAX_PAGES = 100_000

/** The Beijing-time calendar date (YYYY-MM-DD) of an instant. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
}

/** [start, end) of a Beijing-time day; throws a 400 for anything but a real YYYY-MM-DD date. */
export function beijingDay(date: string): { start: Date; end: Date } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const utcMidnight = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN
  if (!match || Number.isNaN(utcMidnight) || new Date(utcMidnight).toISOString().slice(0, 10) !== date) {
    throw new BadRequestError('invalid_date', `Not a calendar date (YYYY-MM-DD): ${date}`)
  }
  const start = utcMidnight - BEIJING_OFFSET_MS
  return { start: new Date(start), end: new Date(start + DAY_MS) }
}

/** The Beijing day before the one `at` falls in: the one a daily pull fetches. */
export function previousBeijingDate(at: Date): string {
  return beijingDate(new Date(at.getTime() - DAY_MS))
}

/** When Tencent starts serving the bill of `date`: 06:00 Beijing time the next day. */
export function billAvailableAt(date: string): Date {
  return new Date(beijingDay(date).end.getTime() + READY_AFTER_DAY_END_MS)
}

/**
 * Tencent's answer for a day it does not serve yet: `InvalidParameterValue` with this message
 * ("the previous day's data can be pulled after 6 o'clock").
 */
const NOT_READY_MESSAGE = /6\s*点后才能拉取/

/** The bill of a day is not served yet: by this machine's clock, or by Tencent's own answer. */
export class BillNotReadyError extends FaceidError {
  readonly date: string
  /** 06:00 Beijing time the day after `date`. */
  readonly retryAfter: Date
  /** Set when Tencent said so (then `InvalidParameterValue`); unset when our clock did. */
  readonly tencentCode: string | undefined
  readonly tencentMessage: string | undefined
  readonly requestId: string | undefined

  constructor(date: string, options: { now: Date; tencent?: UpstreamError; tencentMessage?: string | undefined }) {
    const retryAfter = billAvailableAt(date)
    const when = `06:00 Beijing time on ${beijingDate(retryAfter)} (${retryAfter.toISOString()})`
    const said = options.tencent
      ? `Tencent answered ${options.tencent.tencentCode} "${options.tencentMessage ?? ''}"${options.tencent.requestId ? ` (RequestId ${options.tencent.requestId})` : ''}`
      : 'Tencent serves a day from 06:00 Beijing time the next day'
    // Tencent refusing after that time means its bill is late or this clock is ahead of Beijing time.
    const late = options.now >= retryAfter ? `; this machine's clock is already past that, so Tencent's bill is late or this clock is ahead: retry later` : ''
    super(409, 'bill_not_ready', `The bill of ${date} is not ready: ${said}. Retry after ${when}${late}.`, options.tencent ? { cause: options.tencent } : {})
    this.date = date
    this.retryAfter = retryAfter
    this.tencentCode = options.tencent?.tencentCode
    this.tencentMessage = options.tencentMessage
    this.requestId = options.tencent?.requestId
  }
}

/** Tencent's own message, kept by the gateway on the SDK's error (the `cause`). */
function tencentMessageOf(error: UpstreamError): string | undefined {
  const cause: unknown = error.cause
  const message = typeof cause === 'object' && cause !== null ? (cause as { message?: unknown }).message : undefined
  return typeof message === 'string' && message ? message : undefined
}

/** Tencent's "not ready" answer as a BillNotReadyError; anything else unchanged. */
function notReadyFromTencent(error: unknown, date: string, now: Date): unknown {
  if (!(error instanceof UpstreamError) || error.tencentCode !== 'InvalidParameterValue') return error
  const message = tencentMessageOf(error)
  if (!message || !NOT_READY_MESSAGE.test(message)) return error
  return new BillNotReadyError(date, { now, tencent: error, tencentMessage: message })
}

/**
 * Which RuleIds a pull or a reconciliation covers: a list, or every RuleId of the account. The
 * kit's own tokens are issued under the configured FACEID_RULE_ID, so that is the default scope;
 * other RuleIds of the same account belong to other systems.
 */
export type RuleScope = 'all' | readonly string[]

const RULE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** `all`, or a comma-separated list of RuleIds (`--rule-id`). */
export function parseRuleScope(text: string): RuleScope {
  const trimmed = text.trim()
  if (trimmed.toLowerCase() === 'all') return 'all'
  const ids = trimmed.split(',').map((id) => id.trim())
  const bad = ids.find((id) => !RULE_ID_PATTERN.test(id) || id.toLowerCase() === 'all')
  if (bad !== undefined) throw new BadRequestError('invalid_rule_id', `Not a RuleId: "${bad}" (give \`all\` or a comma-separated list of RuleIds)`)
  return [...new Set(ids)]
}

/** The configured RuleId, or every RuleId when none is configured. */
export function ruleScopeOf(ruleId: string | undefined): RuleScope {
  return ruleId ? [ruleId] : 'all'
}

/** `all RuleIds` / `RuleId 1` / `RuleIds 1, 2`. */
export function describeScope(scope: RuleScope): string {
  if (scope === 'all') return 'all RuleIds'
  return `RuleId${scope.length === 1 ? '' : 's'} ${scope.join(', ')}`
}

/** One attempt of one token as Tencent billed it. Tencent's masked name and ID number are not kept. */
export interface StoredCharge {
  reqTime: string | null
  seq: string | null
  isNeedCharge: boolean
  chargeType: string | null
  errorCode: string | null
  errorMessage: string | null
  sim: string | null
  /** How many times Tencent's bill listed this `Seq`, when more than once; counted once. */
  listed?: number
}

/** A token's line in a day's bill. */
export interface BillLine {
  token: string
  ruleId: string
  /** Tencent's `ChargeCount`: attempts it charged for on that day. */
  chargeCount: number
  charges: StoredCharge[]
}

export interface BillPull {
  date: string
  /** `''`: all RuleIds. */
  ruleId: string
  pulledAt: Date
  pages: number
  tokens: number
  chargeCount: number
}

export interface PullBillOptions {
  db: Database
  gateway: Gateway
  /** Beijing date, YYYY-MM-DD. */
  date: string
  /** Only this RuleId's tokens; default all. */
  ruleId?: string | undefined
  now?: () => Date
  retry?: RetryOptions
  /** Told after every page, for a progress line on long pulls. */
  onProgress?: (progress: { pages: number; tokens: number; chargeCount: number }) => void
}

function chargeOf(d: ChargeDetail): StoredCharge {
  return {
    reqTime: d.ReqTime || null,
    seq: d.Seq || null,
    isNeedCharge: d.IsNeedCharge === true,
    chargeType: d.ChargeType || null,
    errorCode: d.ErrorCode ?? null,
    errorMessage: d.ErrorMessage ?? null,
    sim: d.Sim || null,
  }
}

/**
 * Adds one row of the bill to what was read so far. A `Seq` Tencent lists again (in the same row,
 * or in a row repeated on another page) is one attempt: kept once, with `listed` counting the
 * listings, and a charge it was counted for again in `ChargeCount` taken back out. Returns the
 * change in the day's charge count.
 */
function addRow(lines: Map<string, BillLine>, row: WeChatBillDetail): number {
  if (!row.BizToken) return 0
  let line = lines.get(row.BizToken)
  if (!line) {
    line = { token: row.BizToken, ruleId: row.RuleId ?? '', chargeCount: 0, charges: [] }
    lines.set(row.BizToken, line)
  }
  const before = line.chargeCount
  line.chargeCount += row.ChargeCount ?? 0
  for (const charge of (row.ChargeDetails ?? []).map(chargeOf)) {
    const seen = charge.seq === null ? undefined : line.charges.find((c) => c.seq === charge.seq)
    if (!seen) {
      line.charges.push(charge)
      continue
    }
    seen.listed = (seen.listed ?? 1) + 1
    if (seen.isNeedCharge && charge.isNeedCharge) line.chargeCount = Math.max(0, line.chargeCount - 1)
    seen.isNeedCharge ||= charge.isNeedCharge
  }
  return line.chargeCount - before
}

/**
 * Pulls the whole bill of one day (following `NextCursor` until `HasNextPage` is false) and
 * replaces what was stored for that day in one transaction: a pull that fails half-way leaves the
 * previous one intact.
 */
export async function pullBill(options: PullBillOptions): Promise<BillPull> {
  const now = options.now ?? (() => new Date())
  const { start } = beijingDay(options.date)
  const availableAt = billAvailableAt(options.date)
  if (now() < availableAt) throw new BillNotReadyError(options.date, { now: now() })
  if (beijingDay(beijingDate(now())).start.getTime() - start.getTime() > MAX_DAYS_BACK * DAY_MS) {
    throw new BadRequestError('invalid_date', `Tencent keeps bills for ${MAX_DAYS_BACK} days: ${options.date} is older`)
  }
  const ruleId = options.ruleId ?? ''
  const lines = new Map<string, BillLine>()
  let cursor = 0
  let pages = 0
  let chargeCount = 0
  for (;;) {
    const request = { Date: options.date, Cursor: cursor, ...(ruleId ? { RuleId: ruleId } : {}) }
    let page
    try {
      page = await retrying('GetWeChatBillDetails', () => options.gateway.call('GetWeChatBillDetails', request), options.retry)
    } catch (error) {
      throw notReadyFromTencent(error, options.date, now())
    }
    pages += 1
    for (const row of page.WeChatBillDetails ?? []) chargeCount += addRow(lines, row)
    options.onProgress?.({ pages, tokens: lines.size, chargeCount })
    if (!page.HasNextPage) break
    const next = page.NextCursor
    if (typeof next !== 'number' || next === cursor || pages >= MAX_PAGES) {
      throw new UpstreamError({
        action: 'GetWeChatBillDetails',
        tencentCode: 'MalformedResponse',
        requestId: page.RequestId,
        retryable: false,
        status: 502,
        code: 'upstream_error',
        message: `GetWeChatBillDetails says there is a next page but its cursor does not advance (${String(next)})`,
      })
    }
    cursor = next
  }

  const pull: BillPull = { date: options.date, ruleId, pulledAt: now(), pages, tokens: lines.size, chargeCount }
  await storeBill(options.db, pull, [...lines.values()])
  return pull
}

async function storeBill(db: Database, pull: BillPull, lines: BillLine[]): Promise<void> {
  await db.transaction(async (tx) => {
    let stale = tx.deleteFrom('faceid_bill_details').where('bill_date', '=', pull.date)
    if (pull.ruleId !== '') stale = stale.where('rule_id', '=', pull.ruleId)
    await stale.execute()
    for (let i = 0; i < lines.length; i += 500) {
      await tx
        .insertInto('faceid_bill_details')
        .values(
          lines.slice(i, i + 500).map((l) => ({
            bill_date: pull.date,
            token: l.token,
            rule_id: l.ruleId,
            charge_count: l.chargeCount,
            attempts: l.charges.length,
            charge_details: JSON.stringify(l.charges),
            pulled_at: pull.pulledAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['bill_date', 'token']).doUpdateSet((eb) => ({
            rule_id: eb.ref('excluded.rule_id'),
            charge_count: eb.ref('excluded.charge_count'),
            attempts: eb.ref('excluded.attempts'),
            charge_details: eb.ref('excluded.charge_details'),
            pulled_at: eb.ref('excluded.pulled_at'),
          })),
        )
        .execute()
    }
    await tx
      .insertInto('faceid_bill_pulls')
      .values({ bill_date: pull.date, rule_id: pull.ruleId, pulled_at: pull.pulledAt, pages: pull.pages, tokens: pull.tokens, charge_count: pull.chargeCount })
      .onConflict((oc) =>
        oc.columns(['bill_date', 'rule_id']).doUpdateSet((eb) => ({
          pulled_at: eb.ref('excluded.pulled_at'),
          pages: eb.ref('excluded.pages'),
          tokens: eb.ref('excluded.tokens'),
          charge_count: eb.ref('excluded.charge_count'),
        })),
      )
      .execute()
  })
}

interface PullRow {
  bill_date: Date | string
  rule_id: string
  pulled_at: Date | string
  pages: number
  tokens: number
  charge_count: number
}

interface LineRow {
  token: string
  rule_id: string
  charge_count: number
  charge_details: StoredCharge[] | string
}

/** What is stored of one day's bill for a scope. */
export interface StoredBill {
  /** The pulls the lines come from: per RuleId the newer of its own pull and an all-RuleIds pull. */
  pulls: BillPull[]
  /** RuleIds of the scope no pull covers (`''` standing for every RuleId); empty when complete. */
  missing: string[]
  /** The scope's lines, by token. */
  lines: BillLine[]
}

/** The stored bill of a day for `scope`. A list is covered by its RuleIds' own pulls or by an all-RuleIds pull. */
export async function readBill(db: Database, date: string, scope: RuleScope): Promise<StoredBill> {
  beijingDay(date)
  const stored: PullRow[] = await db.queries.selectFrom('faceid_bill_pulls').selectAll().where('bill_date', '=', date).orderBy('pulled_at', 'desc').orderBy('rule_id').execute()
  const covering: PullRow[] = []
  const missing: string[] = []
  for (const rule of scope === 'all' ? [''] : scope) {
    const found = stored.find((p) => p.rule_id === rule || p.rule_id === '')
    if (!found) missing.push(rule)
    else if (!covering.includes(found)) covering.push(found)
  }
  let lines = db.queries.selectFrom('faceid_bill_details').select(['token', 'rule_id', 'charge_count', 'charge_details']).where('bill_date', '=', date)
  if (scope !== 'all') lines = lines.where('rule_id', 'in', [...scope])
  const rows = scope !== 'all' && scope.length === 0 ? [] : ((await lines.orderBy('token').execute()) as LineRow[])
  return {
    pulls: covering.map((p) => ({ date, ruleId: p.rule_id, pulledAt: new Date(p.pulled_at), pages: p.pages, tokens: p.tokens, chargeCount: p.charge_count })),
    missing,
    lines: rows.map((r) => ({
      token: r.token,
      ruleId: r.rule_id,
      chargeCount: r.charge_count,
      charges: typeof r.charge_details === 'string' ? (JSON.parse(r.charge_details) as StoredCharge[]) : r.charge_details,
    })),
  }
}
