/**
 * Every result_code and result_message of Megvii's get_result table, normalised: the verdict,
 * a Chinese and an English catalog message, and what stays open. `passed` needs 1000 and a
 * confidence above the partner's threshold (default 1e-4).
 */
import { lookupMegviiResult, MEGVII_RESULT_CODES } from '@faceid-kit/shared'
import { describe, expect, it } from 'vitest'
import { MEGVII_THRESHOLDS } from '../../emulator/megvii/index.js'
import type { GetResultResponse } from '../../src/providers/megvii/actions.js'
import { megviiResultReader, normalizeMegviiResult } from '../../src/providers/megvii/result.js'
import { clearPartOf } from '../../src/privacy/personal-data.js'

/** Megvii's table, transcribed here on its own so a reason missing from the catalog shows. */
const SEED_TABLE: ReadonlyArray<[number, string]> = [
  [1000, 'SUCCESS'],
  [2000, 'PASS_LIVING_NOT_THE_SAME'],
  [3000, 'NO_ID_CARD_NUMBER'],
  [3000, 'ID_NUMBER_NAME_NOT_MATCH'],
  [3100, 'IDCARD_PHOTO_FRONTSIDE'],
  [3100, 'IDCARD_BACKSIDE_BLURRED'],
  [3100, 'NO_FACE_FOUND_IDCARD'],
  [3100, 'IDCARD_PHOTO_NOTFRONTSIDE'],
  [3100, 'IDCARD_PHOTO_NOTBACKSIDE'],
  [3200, 'FAIL_OCR_FAKE_IDCARD'],
  [4100, 'FAIL_LIVING_FACE_ATTACK'],
  [4100, 'CHANGE_FACE_ATTACK'],
  [4200, 'NO_FACE_FOUND'],
  [4200, 'FACE_QUALITY_TOO_LOW'],
  [4200, 'INVALID_VIDEO_DURATION'],
  [4200, 'VIDEO_TOO_LARGE'],
  [4200, 'SR_ERROR'],
  [4200, 'NOT_SYNCHRONIZED'],
  [4200, 'NO_AUDIO'],
  [4200, 'VIDEO_FORMAT_UNSUPPORTED'],
  [4200, 'LIP_VOICE_NOT_SYNC'],
  [4200, 'VIDEO_OK'],
  [4200, 'VIDEO_MANY_TIMES'],
  [4200, 'VIDEO_INTERNAL_ERROR'],
  [5000, 'NON_ENTERPRISE_CERTIFICATION'],
  [5000, 'BALANCE_NOT_ENOUGH'],
  [5000, 'ACCOUNT_DISABLED'],
  [6000, 'USER_CANCEL'],
  [9000, 'LIVING_NOT_START'],
]

const issuedAt = new Date('2026-12-02T10:00:00Z')
const ctx = (minutes = 5) => ({ token: '1462257147,34fb21937e47ae719f11cbc719615687', kind: 'megvii-h5' as const, expiresAt: new Date(issuedAt.getTime() + 3600_000), fetchedAt: new Date(issuedAt.getTime() + minutes * 60_000) })

function answer(code: number, message: string, confidence?: number): GetResultResponse {
  return {
    request_id: '1,abc',
    biz_token: ctx().token,
    result_code: String(code),
    result_message: message,
    images: { image_best: 'AAAA' },
    idcard_result: { name: '张小宝', idcard_number: '11204416541220243X', address: '北京市海淀区' },
    ...(confidence === undefined ? {} : { verification: { idcard: { confidence, thresholds: { ...MEGVII_THRESHOLDS } } } }),
  }
}

describe('Megvii result codes', () => {
  it('has a catalog entry with Chinese and English for every code and reason of the table', () => {
    for (const [code, reason] of SEED_TABLE) {
      const entry = lookupMegviiResult(code, reason)
      expect(entry, `${code} ${reason}`).toBeDefined()
      expect(entry!.reason).toBe(reason)
      expect(entry!.zh).toMatch(/[\u4e00-\u9fff]/)
      expect(entry!.en).toMatch(/^[\x20-\x7e]+$/)
    }
    // And a general entry per code, for a reason Megvii adds later.
    for (const code of new Set(SEED_TABLE.map(([c]) => c))) expect(lookupMegviiResult(code, 'SOMETHING_NEW')?.reason).toBeUndefined()
    expect(MEGVII_RESULT_CODES.filter((e) => e.reason !== undefined && !e.kit)).toHaveLength(SEED_TABLE.length)
  })

  it.each(SEED_TABLE)('normalises %i %s', (code, reason) => {
    const confidence = code === 1000 ? 86.4735 : code === 2000 ? 30.1 : undefined
    const result = normalizeMegviiResult(answer(code, reason, confidence), ctx(), '1e-4')
    const entry = lookupMegviiResult(code, reason)!
    if (code === 1000) expect(result).toMatchObject({ status: 'passed', code: 1000, message: entry.zh })
    else if (code === 9000) expect(result).toMatchObject({ status: 'pending', code: 9000, message: entry.zh })
    else expect(result).toMatchObject({ status: 'failed', code, message: entry.zh })
    // Never the name or the ID number in clear, never the photos.
    const text = JSON.stringify(result)
    expect(text).not.toContain('张小宝')
    expect(text).not.toContain('11204416541220243X')
    expect(text).not.toContain('AAAA')
    expect(megviiResultReader().isFinal?.(result)).toBe(result.status === 'failed')
  })

  it('passes 1000 only above the partner\'s threshold, reading it as "not the same person" below', () => {
    // 65.2 is above 1e-3 (62.17) and below 1e-4 (69.32).
    expect(normalizeMegviiResult(answer(1000, 'SUCCESS', 65.2), ctx(), '1e-3').status).toBe('passed')
    const below = normalizeMegviiResult(answer(1000, 'SUCCESS', 65.2), ctx(), '1e-4')
    expect(below).toMatchObject({ status: 'failed', code: 2000, message: lookupMegviiResult(2000, 'BELOW_PARTNER_THRESHOLD')!.zh })
    // Equal is not above.
    expect(normalizeMegviiResult(answer(1000, 'SUCCESS', MEGVII_THRESHOLDS['1e-4']), ctx(), '1e-4').status).toBe('failed')
    // 86.47 clears even 1e-6 (78.04); 75 does not.
    expect(normalizeMegviiResult(answer(1000, 'SUCCESS', 86.47), ctx(), '1e-6').status).toBe('passed')
    expect(normalizeMegviiResult(answer(1000, 'SUCCESS', 75), ctx(), '1e-6').status).toBe('failed')
    // No comparison at all, or a malformed one: never passed.
    expect(normalizeMegviiResult(answer(1000, 'SUCCESS'), ctx(), '1e-4').status).toBe('failed')
    expect(normalizeMegviiResult({ ...answer(1000, 'SUCCESS'), verification: { idcard: { confidence: 99 } } }, ctx(), '1e-4').status).toBe('failed')
  })

  it('keeps a not-started token pending within its hour and expired after; an answer without a code likewise', () => {
    expect(normalizeMegviiResult(answer(9000, 'LIVING_NOT_START'), ctx(61), '1e-4').status).toBe('expired')
    expect(normalizeMegviiResult({ request_id: 'x' }, ctx(5), '1e-4')).toEqual({ token: ctx().token, kind: 'megvii-h5', status: 'pending', updatedAt: ctx(5).fetchedAt.toISOString() })
    expect(normalizeMegviiResult(answer(7777, 'NEW_THING'), ctx(), '1e-4')).toMatchObject({ status: 'failed', code: 7777, message: '验证未通过' })
  })

  it('masks the OCR identity and keeps only codes and scores in clear', () => {
    const raw = answer(1000, 'SUCCESS', 86.4735)
    expect(normalizeMegviiResult(raw, ctx(), '1e-4').identity).toEqual({ name: '*小宝', idCard: '1120**********243X' })
    const clear = clearPartOf(raw)
    expect(clear).toEqual({ request_id: '1,abc', result_code: '1000', result_message: 'SUCCESS', verification: { idcard: { confidence: 86.4735, thresholds: { ...MEGVII_THRESHOLDS } } } })
  })
})
