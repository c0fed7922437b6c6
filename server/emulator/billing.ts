/**
 * GetWeChatBillDetails: every face token with a liveness attempt on a Beijing-time day, with the
 * charge of each attempt exactly as its result reported it (`IsNeedCharge`).
 */
import type { ChargeDetail, WeChatBillDetail } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models.js'
import { apiErrors } from './errors.js'
import { OCR_IDENTITY, maskIdCard, maskName } from './results.js'
import type { TokenStore } from './store.js'

const HOUR_MS = 3600 * 1000
const DAY_MS = 24 * HOUR_MS
const BEIJING_OFFSET_MS = 8 * HOUR_MS
/** A day's bill is ready at 06:00 Beijing time the next day. */
const READY_AFTER_DAY_END_MS = 6 * HOUR_MS
const MAX_DAYS_BACK = 365

/** Start of a Beijing-time day in epoch ms; throws InvalidParameterValue for an impossible date. */
export function beijingDayStart(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!match) throw apiErrors.invalidParameterValue(`The parameter \`Date\` must be YYYY-MM-DD, got \`${date}\`.`)
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const utcMidnight = Date.UTC(year, month - 1, day)
  if (new Date(utcMidnight).toISOString().slice(0, 10) !== date) {
    throw apiErrors.invalidParameterValue(`The parameter \`Date\` is not a calendar date: \`${date}\`.`)
  }
  return utcMidnight - BEIJING_OFFSET_MS
}

/** The Beijing-time date (YYYY-MM-DD) of an instant. */
export function beijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
}

export interface BillQuery {
  date: string
  cursor: number
  ruleId?: string | undefined
  pageSize: number
  now: number
}

export interface BillPage {
  HasNextPage: boolean
  NextCursor: number
  WeChatBillDetails: WeChatBillDetail[]
}

export function billPage(store: TokenStore, query: BillQuery): BillPage {
  const start = beijingDayStart(query.date)
  const end = start + DAY_MS
  if (query.now < end + READY_AFTER_DAY_END_MS) {
    // Tencent's wording, as it answers: it names neither the day nor the time.
    throw apiErrors.invalidParameterValue('当天6点后才能拉取前一天的数据')
  }
  const todayStart = beijingDayStart(beijingDate(query.now))
  if (Math.round((todayStart - start) / DAY_MS) > MAX_DAYS_BACK) {
    throw apiErrors.invalidParameterValue(`Date 最大可追溯到${MAX_DAYS_BACK}天前：${query.date}`)
  }
  if (!Number.isSafeInteger(query.cursor) || query.cursor < 0) {
    throw apiErrors.invalidParameterValue('The parameter `Cursor` must be a non-negative integer.')
  }

  const rows = store
    .attemptedBetween(start, end)
    .filter((t) => query.ruleId === undefined || query.ruleId === '' || t.ruleId === query.ruleId)
    .map((stored) => {
      const identity = stored.identity ?? OCR_IDENTITY
      const attempts = stored.attempts.filter((a) => a.at >= start && a.at < end)
      const details: ChargeDetail[] = attempts.map((a) => ({
        ReqTime: String(a.at),
        Seq: a.seq,
        IdCard: maskIdCard(identity.idCard),
        Idcard: maskIdCard(identity.idCard),
        Name: maskName(identity.name),
        Sim: a.sim ?? '0.00',
        IsNeedCharge: a.billable,
        ChargeType: '核身',
        ErrorCode: String(a.code),
        ErrorMessage: a.message,
      }))
      return {
        first: attempts[0]!.at,
        row: {
          BizToken: stored.token,
          RuleId: stored.ruleId ?? '',
          ChargeCount: attempts.filter((a) => a.billable).length,
          ChargeDetails: details,
        } satisfies WeChatBillDetail,
      }
    })
    // A closed day never changes, so a stable order makes cursors safe across pages.
    .sort((a, b) => a.first - b.first || a.row.BizToken.localeCompare(b.row.BizToken))
    .map((entry) => entry.row)

  const page = rows.slice(query.cursor, query.cursor + query.pageSize)
  const next = query.cursor + page.length
  return { HasNextPage: next < rows.length, NextCursor: next, WeChatBillDetails: page }
}
