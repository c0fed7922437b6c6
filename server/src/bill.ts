/**
 * Tencent's own account of what it charged: `GetWeChatBillDetails`, one Beijing-time day at a
 * time, pulled page by page and stored per token (table `faceid_bill_details`).
 */
import type { ChargeDetail, WeChatBillDetail } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import type { Database } from './database.js'
import { envFlag } from './config.js'
import type { TaskLogger } from './types.js'
import { BadRequestError, FaceidError, UpstreamError } from './errors.js'
import type { Gateway } from './gateway.js'
import { retrying, type RetryOptions } from './retry.js'

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

export class BillNotReadyError extends FaceidError {
  constructor(date: string, availableAt: Date) {
    super(409, 'bill_not_ready', `The bill of ${date} can be pulled from ${availableAt.toISOString()} (06:00 Beijing time the next day)`)
  }
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

function lineOf(row: WeChatBillDetail): BillLine | undefined {
  if (!row.BizToken) return undefined
  return { token: row.BizToken, ruleId: row.RuleId ?? '', chargeCount: row.ChargeCount ?? 0, charges: (row.ChargeDetails ?? []).map(chargeOf) }
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
  if (now() < availableAt) throw new BillNotReadyError(options.date, availableAt)
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
    const page = await retrying('GetWeChatBillDetails', () => options.gateway.getWeChatBillDetails(request), options.retry)
    pages += 1
    for (const row of page.WeChatBillDetails ?? []) {
      const line = lineOf(row)
      if (!line) continue
      // A token listed twice would be counted twice by Tencent's total too: keep both charges.
      const seen = lines.get(line.token)
      if (seen) {
        seen.chargeCount += line.chargeCount
        seen.charges.push(...line.charges)
      } else {
        lines.set(line.token, line)
      }
      chargeCount += line.chargeCount
    }
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
    await tx.query(`DELETE FROM faceid_bill_details WHERE bill_date = $1::date AND ($2 = '' OR rule_id = $2)`, [pull.date, pull.ruleId])
    for (let i = 0; i < lines.length; i += 500) {
      const batch = lines.slice(i, i + 500)
      await tx.query(
        `INSERT INTO faceid_bill_details (bill_date, token, rule_id, charge_count, attempts, charge_details, pulled_at)
         SELECT $1::date, u.token, u.rule_id, u.charge_count, u.attempts, u.details::jsonb, $2
           FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::text[]) AS u(token, rule_id, charge_count, attempts, details)
         ON CONFLICT (bill_date, token) DO UPDATE
           SET rule_id = EXCLUDED.rule_id, charge_count = EXCLUDED.charge_count, attempts = EXCLUDED.attempts,
               charge_details = EXCLUDED.charge_details, pulled_at = EXCLUDED.pulled_at`,
        [
          pull.date,
          pull.pulledAt,
          batch.map((l) => l.token),
          batch.map((l) => l.ruleId),
          batch.map((l) => l.chargeCount),
          batch.map((l) => l.charges.length),
          batch.map((l) => JSON.stringify(l.charges)),
        ],
      )
    }
    await tx.query(
      `INSERT INTO faceid_bill_pulls (bill_date, rule_id, pulled_at, pages, tokens, charge_count)
       VALUES ($1::date, $2, $3, $4, $5, $6)
       ON CONFLICT (bill_date, rule_id) DO UPDATE
         SET pulled_at = EXCLUDED.pulled_at, pages = EXCLUDED.pages, tokens = EXCLUDED.tokens, charge_count = EXCLUDED.charge_count`,
      [pull.date, pull.ruleId, pull.pulledAt, pull.pages, pull.tokens, pull.chargeCount],
    )
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

/**
 * The stored bill of a day: the pull that covers `ruleId` (its own, or an all-rules pull) and its
 * lines. `pull` is undefined when that day was never pulled.
 */
export async function readBill(db: Database, date: string, ruleId?: string): Promise<{ pull: BillPull | undefined; lines: BillLine[] }> {
  beijingDay(date)
  const rule = ruleId ?? ''
  const pulls = await db.query<PullRow>(
    `SELECT * FROM faceid_bill_pulls WHERE bill_date = $1::date AND (rule_id = $2 OR rule_id = '') ORDER BY pulled_at DESC LIMIT 1`,
    [date, rule],
  )
  const p = pulls.rows[0]
  if (!p) return { pull: undefined, lines: [] }
  const { rows } = await db.query<LineRow>(
    `SELECT token, rule_id, charge_count, charge_details FROM faceid_bill_details
      WHERE bill_date = $1::date AND ($2 = '' OR rule_id = $2) ORDER BY token`,
    [date, rule],
  )
  return {
    pull: { date, ruleId: p.rule_id, pulledAt: new Date(p.pulled_at), pages: p.pages, tokens: p.tokens, chargeCount: p.charge_count },
    lines: rows.map((r) => ({
      token: r.token,
      ruleId: r.rule_id,
      chargeCount: r.charge_count,
      charges: typeof r.charge_details === 'string' ? (JSON.parse(r.charge_details) as StoredCharge[]) : r.charge_details,
    })),
  }
}


export interface DailyBillPullOptions {
  db: Database
  gateway: Gateway
  ruleId?: string | undefined
  now?: () => Date
  /** How often to check whether yesterday's bill is due. Default 15 min. */
  checkEveryMs?: number
  logger?: TaskLogger | undefined
  retry?: RetryOptions
}

export interface DailyBillPull {
  /** Pulls yesterday's bill if it is available and not stored yet; returns the pull it made. */
  tick(): Promise<BillPull | undefined>
  start(): void
  stop(): Promise<void>
}

/**
 * Once a day, after 06:00 Beijing time, pulls the previous day's bill. Idempotent: the check is
 * "is there a stored pull for that day", so restarts and several instances at worst pull twice.
 */
export function createDailyBillPull(options: DailyBillPullOptions): DailyBillPull {
  const now = options.now ?? (() => new Date())
  const checkEveryMs = options.checkEveryMs ?? 15 * 60_000
  let timer: NodeJS.Timeout | undefined
  let running: Promise<BillPull | undefined> | undefined
  let stopped = false

  async function tick(): Promise<BillPull | undefined> {
    const date = previousBeijingDate(now())
    if (now() < billAvailableAt(date)) return undefined
    const { pull } = await readBill(options.db, date, options.ruleId)
    if (pull) return undefined
    const made = await pullBill({ db: options.db, gateway: options.gateway, date, ruleId: options.ruleId, now, retry: options.retry })
    options.logger?.info({ date, pages: made.pages, tokens: made.tokens, chargeCount: made.chargeCount }, 'pulled the daily bill')
    return made
  }

  function schedule(delay: number): void {
    if (stopped) return
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => {
          options.logger?.warn({ err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'daily bill pull failed; will retry')
          return undefined
        })
        .finally(() => {
          running = undefined
          schedule(checkEveryMs)
        })
    }, delay)
    timer.unref?.()
  }

  return {
    tick,
    start() {
      stopped = false
      if (!timer) schedule(0)
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
      await running
    },
  }
}

/** `FACEID_BILL_PULL`: `1` on, `0` off; default on with Tencent credentials, off in sandbox mode. */
export function billPullEnabledFromEnv(env: NodeJS.ProcessEnv, sandbox: boolean): boolean {
  return envFlag(env, 'FACEID_BILL_PULL', !sandbox)
}
