import { describe, expect, it } from 'vitest'
import { billableCount, maskIdCard, maskName, messageFor, normalizeResult, type UpstreamResult } from '../src/index.js'

const issued = new Date('2026-11-22T08:00:00Z')
const face = { token: 'A1B2C3D4-0000-1111-2222-333344445555', kind: 'face' as const, expiresAt: new Date(issued.getTime() + 7200_000) }
const eid = { ...face, kind: 'eid' as const, expiresAt: new Date(issued.getTime() + 600_000) }
const soon = new Date(issued.getTime() + 60_000)

describe('masking', () => {
  it('masks names, keeping all but the first character', () => {
    expect(maskName('张小宝')).toBe('*小宝')
    expect(maskName('李四')).toBe('*四')
    expect(maskName('王')).toBe('*')
    expect(maskName('')).toBe('')
  })
  it('masks ID numbers to the first and last four characters', () => {
    expect(maskIdCard('11204416541220243X')).toBe('1120**********243X')
    expect(maskIdCard('11204416541220243X')).toHaveLength(18)
    expect(maskIdCard('1234')).toBe('1**4')
    expect(maskIdCard('12')).toBe('**')
  })
})

describe('normalizeResult', () => {
  it('reads a passed face verification with masked identity and billing', () => {
    // Typed by inference: a real response carries more fields than UpstreamResult names.
    const raw = {
      Text: {
        ErrCode: 0, ErrMsg: '成功', Name: '张小宝', IdCard: '11204416541220243X', Sim: '95.17', LiveStatus: 0, Comparestatus: 0,
        LivenessDetail: [{ ReqTime: '1', Seq: 's', Idcard: 'x', Name: 'y', Sim: '95.17', IsNeedCharge: true, Errcode: 0, Errmsg: '成功', Livestatus: 0, Livemsg: '成功', Comparestatus: 0, Comparemsg: '成功', CompareLibType: '权威库', LivenessMode: 0 }],
      },
      RequestId: 'r1',
    }
    const result = normalizeResult(raw, { ...face, fetchedAt: soon })
    expect(result).toEqual({
      token: face.token, kind: 'face', status: 'passed', code: 0, message: '成功', billable: true,
      identity: { name: '*小宝', idCard: '1120**********243X' }, updatedAt: soon.toISOString(),
    })
    expect(JSON.stringify(result)).not.toContain('张小宝')
    expect(JSON.stringify(result)).not.toContain('11204416541220243X')
  })

  it('reads a billable failure (2016: not the same person)', () => {
    const raw: UpstreamResult = { Text: { ErrCode: 2016, ErrMsg: '无法判断为同一人', LivenessDetail: [{ IsNeedCharge: true }, { IsNeedCharge: null as unknown as boolean }] } }
    const result = normalizeResult(raw, { ...face, fetchedAt: soon })
    expect(result.status).toBe('failed')
    expect(result.code).toBe(2016)
    expect(result.billable).toBe(true)
    expect(billableCount(raw)).toBe(1)
  })

  it('reads a free failure and fills the message from the catalog when Tencent gives none', () => {
    const raw: UpstreamResult = { Text: { ErrCode: 1001, LivenessDetail: [{ IsNeedCharge: false }] } }
    const result = normalizeResult(raw, { ...face, fetchedAt: soon })
    expect(result.status).toBe('failed')
    expect(result.billable).toBe(false)
    expect(result.message).toBe(messageFor(1001, 'face'))
    expect(result.message).toBeTruthy()
  })

  it('reads an unfinished verification as pending, then as expired after the lifetime', () => {
    const raw: UpstreamResult = { Text: { ErrCode: null as unknown as number, ErrMsg: null as unknown as string }, RequestId: 'r' }
    expect(normalizeResult(raw, { ...face, fetchedAt: soon })).toEqual({ token: face.token, kind: 'face', status: 'pending', updatedAt: soon.toISOString() })
    expect(normalizeResult({}, { ...face, fetchedAt: soon }).status).toBe('pending')
    const late = new Date(face.expiresAt.getTime() + 1000)
    expect(normalizeResult(raw, { ...face, fetchedAt: late }).status).toBe('expired')
  })

  it('reads an eID result whose Name/IdCard are empty from the OCR fields', () => {
    const raw = {
      Text: { ErrCode: 0, ErrMsg: '成功', Name: '', IdCard: '', OcrName: '李小龙', OcrIdCard: '440301199001011234', LivenessDetail: [{ IsNeedCharge: true }] },
      EidInfo: { EidCode: 'e', DesKey: 'k', UserInfo: 'u' },
    }
    const result = normalizeResult(raw, { ...eid, fetchedAt: soon })
    expect(result.kind).toBe('eid')
    expect(result.status).toBe('passed')
    expect(result.identity).toEqual({ name: '*小龙', idCard: '4403**********1234' })
  })

  it('leaves identity out when Tencent returned none', () => {
    const result = normalizeResult({ Text: { ErrCode: 0, ErrMsg: '成功' } }, { ...eid, fetchedAt: soon })
    expect(result.identity).toBeUndefined()
    expect(result.billable).toBe(false)
  })
})
