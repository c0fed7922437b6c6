import { describe, expect, it } from 'vitest'
import type { WeChatBillDetail } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import { type FaceidClient, TestClock, sdkError, start } from '../support/emulator.js'

/** Epoch ms of a Beijing wall-clock time. */
const beijing = (y: number, m: number, d: number, h: number, min = 0, s = 0) => Date.UTC(y, m - 1, d, h - 8, min, s)

async function allPages(client: FaceidClient, date: string, ruleId?: string) {
  const rows: WeChatBillDetail[] = []
  let cursor = 0
  let pages = 0
  for (;;) {
    const page = await client.GetWeChatBillDetails({ Date: date, Cursor: cursor, ...(ruleId && { RuleId: ruleId }) })
    pages += 1
    rows.push(...(page.WeChatBillDetails ?? []))
    if (!page.HasNextPage) break
    cursor = page.NextCursor!
  }
  return { rows, pages }
}

async function scenario() {
  const clock = new TestClock(beijing(2025, 1, 15, 10))
  // The SDK signs with the real clock; this test moves the emulator's by days.
  const started = await start({ now: clock.now, maxSkewSeconds: Infinity, ruleIds: ['1', '2'], billPageSize: 2 })
  const c = started.client()
  const newToken = async (ruleId = '1') => (await c.DetectAuth({ RuleId: ruleId, Name: '张小宝', IdCard: '11204416541220243X' })).BizToken!
  const { emulator } = started

  const passed = await newToken()
  emulator.complete(passed, { outcome: 'passed' })
  const retried = await newToken()
  emulator.complete(retried, { outcome: 'failed', code: 2016 })
  emulator.complete(retried, { outcome: 'failed', code: 2001 })
  emulator.complete(retried, { outcome: 'passed' })
  const free = await newToken('2')
  emulator.complete(free, { outcome: 'failed', code: 1001 })
  const abandoned = await newToken()
  emulator.complete(abandoned, { outcome: 'abandoned' })
  const eid = (await c.GetEidToken({ MerchantId: '0NSJ2106141714' })).EidToken!
  emulator.complete(eid, { outcome: 'passed' })

  clock.ms = beijing(2025, 1, 15, 23, 30)
  const lateNight = await newToken('2')
  const lastMinute = await newToken()
  clock.ms = beijing(2025, 1, 15, 23, 59, 59)
  emulator.complete(lastMinute, { outcome: 'passed' })
  clock.ms = beijing(2025, 1, 16, 0, 10) // an attempt after midnight is billed on the 16th
  emulator.complete(lateNight, { outcome: 'failed', code: 2006 })

  return { clock, c, tokens: { passed, retried, free, abandoned, eid, lateNight, lastMinute } }
}

describe('GetWeChatBillDetails', () => {
  it('pages through every face token with attempts that Beijing day, charges matching the results', async () => {
    const { clock, c, tokens } = await scenario()
    clock.ms = beijing(2025, 1, 16, 6, 0)
    const { rows, pages } = await allPages(c, '2025-01-15')
    expect(pages).toBe(2)
    expect(rows.map((r) => r.BizToken).sort()).toEqual([tokens.passed, tokens.retried, tokens.free, tokens.lastMinute].sort())
    expect(new Set(rows.map((r) => r.BizToken)).size).toBe(rows.length)

    for (const row of rows) {
      const text = (await c.GetDetectInfoEnhanced({ BizToken: row.BizToken!, RuleId: row.RuleId! })).Text!
      const chargedInResult = text.LivenessDetail!.filter((d) => d.IsNeedCharge === true).length
      expect(row.ChargeCount).toBe(chargedInResult)
      expect(row.ChargeDetails!.filter((d) => d.IsNeedCharge).length).toBe(row.ChargeCount)
      expect(row.ChargeDetails!.map((d) => d.Seq)).toEqual(text.LivenessDetail!.map((d) => d.Seq))
      expect(row.ChargeDetails![0]!.Name).toBe('*小宝')
    }
    const byToken = new Map(rows.map((r) => [r.BizToken, r]))
    expect(byToken.get(tokens.retried)?.ChargeCount).toBe(2)
    expect(byToken.get(tokens.free)?.ChargeCount).toBe(0)
    expect(byToken.get(tokens.free)?.RuleId).toBe('2')

    clock.ms = beijing(2025, 1, 17, 6, 0)
    const nextDay = (await allPages(c, '2025-01-16')).rows
    expect(nextDay.map((r) => r.BizToken)).toEqual([tokens.lateNight])
    expect(nextDay[0]?.ChargeCount).toBe(1)
  })

  it('filters by RuleId, and rejects an unknown RuleId', async () => {
    const { clock, c, tokens } = await scenario()
    clock.ms = beijing(2025, 1, 17, 12)
    expect((await allPages(c, '2025-01-15', '2')).rows.map((r) => r.BizToken)).toEqual([tokens.free])
    expect((await sdkError(c.GetWeChatBillDetails({ Date: '2025-01-15', Cursor: 0, RuleId: '7' }))).code).toBe(
      'InvalidParameterValue.RuleIdNotExist',
    )
  })

  it('serves a day only from 06:00 Beijing time the next day', async () => {
    const { clock, c } = await scenario()
    clock.ms = beijing(2025, 1, 16, 5, 59, 59)
    const early = await sdkError(c.GetWeChatBillDetails({ Date: '2025-01-15', Cursor: 0 }))
    expect(early.code).toBe('InvalidParameterValue')
    expect(early.message).toBe('当天6点后才能拉取前一天的数据')
    expect((await sdkError(c.GetWeChatBillDetails({ Date: '2025-01-16', Cursor: 0 }))).code).toBe('InvalidParameterValue')
    clock.ms = beijing(2025, 1, 16, 6, 0)
    await expect(c.GetWeChatBillDetails({ Date: '2025-01-15', Cursor: 0 })).resolves.toHaveProperty('HasNextPage', true)
  })

  it('goes back at most 365 days and validates Date and Cursor', async () => {
    const { clock, c } = await scenario()
    clock.ms = beijing(2026, 1, 15, 12)
    await expect(c.GetWeChatBillDetails({ Date: '2025-01-15', Cursor: 0 })).resolves.toHaveProperty('WeChatBillDetails')
    clock.ms = beijing(2026, 1, 16, 12)
    expect((await sdkError(c.GetWeChatBillDetails({ Date: '2025-01-15', Cursor: 0 }))).message).toContain('365')
    expect((await sdkError(c.GetWeChatBillDetails({ Date: '2025-02-30', Cursor: 0 }))).code).toBe('InvalidParameterValue')
    expect((await sdkError(c.GetWeChatBillDetails({ Date: '15/01/2025', Cursor: 0 }))).code).toBe('InvalidParameterValue')
    expect((await sdkError(c.GetWeChatBillDetails({ Date: '2025-06-01', Cursor: -1 }))).code).toBe('InvalidParameterValue')
    expect((await sdkError(c.request('GetWeChatBillDetails', { Date: '2025-06-01' }))).code).toBe('MissingParameter')
  })

  it('answers a cursor past the end with an empty last page', async () => {
    const { clock, c } = await scenario()
    clock.ms = beijing(2025, 1, 20, 12)
    const page = await c.GetWeChatBillDetails({ Date: '2025-01-15', Cursor: 50 })
    expect(page.WeChatBillDetails).toEqual([])
    expect(page.HasNextPage).toBe(false)
  })
})
