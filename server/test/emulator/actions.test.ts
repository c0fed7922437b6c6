import { describe, expect, it } from 'vitest'
import type { DetectInfoText } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import { EmulatorError } from '../../emulator/index.js'
import { TestClock, sdkError, start } from '../support/emulator.js'

const TOKEN_SHAPE = /^[A-Za-z0-9-]{36}$/
const PERSON = { Name: '张小宝', IdCard: '11204416541220243X' }

const charged = (text: DetectInfoText | undefined) => (text?.LivenessDetail ?? []).filter((d) => d.IsNeedCharge === true).length

describe('DetectAuth → GetDetectInfoEnhanced (face)', () => {
  it('issues a 36-character BizToken with a Url, and reports "not finished" until completion', async () => {
    const { client } = await start()
    const auth = await client().DetectAuth({ RuleId: '1', ...PERSON, Extra: 'order-42' })
    expect(auth.BizToken).toMatch(TOKEN_SHAPE)
    expect(auth.Url).toContain(auth.BizToken)
    expect(auth.RequestId).toMatch(/^[0-9a-f-]{36}$/)

    const pending = await client().GetDetectInfoEnhanced({ BizToken: auth.BizToken!, RuleId: '1' })
    expect(pending.Text?.ErrCode).toBeNull()
    expect(pending.Text?.LivenessDetail).toEqual([])
    expect(pending.Text?.Extra).toBe('order-42')
  })

  it('pending → passed: ErrCode 0, identity echoed, one charged attempt', async () => {
    const { client, emulator } = await start()
    const { BizToken } = await client().DetectAuth({ RuleId: '1', ...PERSON })
    emulator.complete(BizToken!, { outcome: 'passed' })
    const result = await client().GetDetectInfoEnhanced({ BizToken: BizToken!, RuleId: '1', InfoType: '1' })
    const text = result.Text!
    expect(text.ErrCode).toBe(0)
    expect(text.ErrMsg).toBe('成功')
    expect(text.Name).toBe(PERSON.Name)
    expect(text.IdCard).toBe(PERSON.IdCard)
    expect(text.LiveStatus).toBe(0)
    expect(text.Comparestatus).toBe(0)
    expect(Number(text.Sim)).toBeGreaterThanOrEqual(70)
    expect(text.Sim).toMatch(/^\d{2}\.\d{2}$/)
    expect(charged(text)).toBe(1)
    expect(result.IdCardData).toBeNull()
    expect(result.BestFrame).toBeNull()
    expect(emulator.token(BizToken!)?.status).toBe('passed')
  })

  it('a billable failure (2016) is charged, a free one (2001) is not', async () => {
    const { client, emulator } = await start()
    const billable = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    const free = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    emulator.complete(billable, { outcome: 'failed', code: 2016 })
    emulator.complete(free, { outcome: 'failed', code: 2001 })

    const a = (await client().GetDetectInfoEnhanced({ BizToken: billable, RuleId: '1' })).Text!
    expect(a.ErrCode).toBe(2016)
    expect(a.ErrMsg).toContain('相似度未达到通过阈值')
    expect(a.LiveStatus).toBe(0)
    expect(a.Comparestatus).toBe(2016)
    expect(charged(a)).toBe(1)

    const b = (await client().GetDetectInfoEnhanced({ BizToken: free, RuleId: '1' })).Text!
    expect(b.ErrCode).toBe(2001)
    expect(b.ErrMsg).toBe('引擎超时，请稍后重试')
    expect(b.LivenessDetail).toHaveLength(1)
    expect(charged(b)).toBe(0)
  })

  it('defaults a failure to 2016; a liveness fake (1002) is billable for face; a retry after failure can pass', async () => {
    const { client, emulator } = await start()
    const token = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    emulator.complete(token, { outcome: 'failed' })
    emulator.complete(token, { outcome: 'failed', code: 1002 })
    emulator.complete(token, { outcome: 'passed' })
    const text = (await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1' })).Text!
    expect(text.LivenessDetail?.map((d) => d.Errcode)).toEqual([2016, 1002, 0])
    expect(text.LivenessDetail?.[1]?.Livestatus).toBe(1002)
    expect(charged(text)).toBe(3)
    expect(text.ErrCode).toBe(0)
    expect(() => emulator.complete(token, { outcome: 'failed' })).toThrow(EmulatorError)
  })

  it('a system failure code ends the flow without a liveness attempt', async () => {
    const { client, emulator } = await start()
    const token = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    emulator.complete(token, { outcome: 'failed', code: 15 })
    const text = (await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1' })).Text!
    expect(text.ErrCode).toBe(15)
    expect(text.LivenessDetail).toEqual([])
  })

  it('an abandoned verification stays "not finished"', async () => {
    const { client, emulator } = await start()
    const token = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    emulator.complete(token, { outcome: 'abandoned' })
    const result = await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1' })
    expect(result.Text?.ErrCode).toBeNull()
    expect(emulator.token(token)?.status).toBe('abandoned')
  })

  it('without Name/IdCard the identity comes from OCR, and InfoType selects the parts', async () => {
    const { client, emulator } = await start()
    const token = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    emulator.complete(token, { outcome: 'passed' })
    const textOnly = await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1', InfoType: '1' })
    expect(textOnly.Text?.OcrName).toBeTruthy()
    expect(textOnly.Text?.Name).toBe(textOnly.Text?.OcrName)
    expect(textOnly.IdCardData).toBeNull()

    const some = await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1', InfoType: '23', BestFramesCount: 2, IsNeedIdCardAvatar: true })
    expect(some.Text).toBeNull()
    expect(some.VideoData).toBeNull()
    expect(Buffer.from(some.IdCardData!.OcrFront!, 'base64').length).toBeGreaterThan(0)
    expect(some.IdCardData?.Avatar).toBeTruthy()
    expect(some.IdCardData?.ProcessedFrontImage).toBeNull()
    expect(some.BestFrame?.BestFrames).toHaveLength(2)

    const all = await client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '1', InfoType: '0' })
    expect(all.Text?.ErrCode).toBe(0)
    expect(all.VideoData?.LivenessVideo).toBeTruthy()
  })
})

describe('GetEidToken → GetEidResult (E证通)', () => {
  it('issues an EidToken; passed results have empty Name/IdCard and OCR filled', async () => {
    const { client, emulator } = await start()
    const issued = await client().GetEidToken({ MerchantId: '0NSJ2106141714', ...PERSON, Config: { InputType: '4' } })
    expect(issued.EidToken).toMatch(TOKEN_SHAPE)
    expect(issued.Url).toContain(issued.EidToken)

    const pending = await client().GetEidResult({ EidToken: issued.EidToken! })
    expect(pending.Text?.ErrCode).toBeNull()

    emulator.complete(issued.EidToken!, { outcome: 'passed' })
    const result = await client().GetEidResult({ EidToken: issued.EidToken!, InfoType: '1' })
    expect(result.Text?.ErrCode).toBe(0)
    expect(result.Text?.Name).toBe('')
    expect(result.Text?.IdCard).toBe('')
    expect(result.Text?.OcrName).toBe(PERSON.Name)
    expect(result.Text?.OcrIdCard).toBe(PERSON.IdCard)
    expect(charged(result.Text)).toBe(1)
    expect(result.BestFrame).toBeNull()
  })

  it('charges 2006 but not 1002 for eID', async () => {
    const { client, emulator } = await start()
    const a = (await client().GetEidToken({ MerchantId: '0NSJ2106141714' })).EidToken!
    const b = (await client().GetEidToken({ MerchantId: '0NSJ2106141714' })).EidToken!
    emulator.complete(a, { outcome: 'failed', code: 2006 })
    emulator.complete(b, { outcome: 'failed', code: 1002 })
    expect(charged((await client().GetEidResult({ EidToken: a })).Text)).toBe(1)
    const textB = (await client().GetEidResult({ EidToken: b })).Text
    expect(textB?.ErrCode).toBe(1002)
    expect(charged(textB)).toBe(0)
  })

  it('rejects an unknown MerchantId and a missing identity for InputType 4', async () => {
    const { client } = await start()
    expect((await sdkError(client().GetEidToken({ MerchantId: 'nope' }))).code).toBe('InvalidParameterValue')
    const missing = await sdkError(client().GetEidToken({ MerchantId: '0NSJ2106141714', Config: { InputType: '4' } }))
    expect(missing.code).toBe('MissingParameter')
  })

  it('does not answer eID results with a BizToken or face results with an EidToken', async () => {
    const { client } = await start()
    const biz = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    const eid = (await client().GetEidToken({ MerchantId: '0NSJ2106141714' })).EidToken!
    expect((await sdkError(client().GetEidResult({ EidToken: biz }))).code).toBe('InvalidParameterValue.BizTokenIllegal')
    expect((await sdkError(client().GetDetectInfoEnhanced({ BizToken: eid, RuleId: '1' }))).code).toBe(
      'InvalidParameterValue.BizTokenIllegal',
    )
  })
})

describe('token errors and parameters', () => {
  it('unknown token → BizTokenIllegal; complete() throws TOKEN_NOT_FOUND', async () => {
    const { client, emulator } = await start()
    const error = await sdkError(client().GetDetectInfoEnhanced({ BizToken: 'C0FFEE00-0000-4000-8000-000000000000', RuleId: '1' }))
    expect(error.code).toBe('InvalidParameterValue.BizTokenIllegal')
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(() => emulator.complete('nope', { outcome: 'passed' })).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }))
  })

  it('a token past its lifetime cannot be completed; its result stays readable for 3 days, then BizTokenExpired', async () => {
    const clock = new TestClock()
    const { client, emulator } = await start({ now: clock.now, maxSkewSeconds: Infinity })
    const biz = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    const eid = (await client().GetEidToken({ MerchantId: '0NSJ2106141714' })).EidToken!

    clock.advance(601)
    expect(() => emulator.complete(eid, { outcome: 'passed' })).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }))
    emulator.complete(biz, { outcome: 'passed' }) // BizToken lives 7200 s
    clock.advance(7200)
    const other = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    clock.advance(7201)
    expect(() => emulator.complete(other, { outcome: 'passed' })).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }))

    expect((await client().GetEidResult({ EidToken: eid })).Text?.ErrCode).toBeNull()
    expect((await client().GetDetectInfoEnhanced({ BizToken: biz, RuleId: '1' })).Text?.ErrCode).toBe(0)

    clock.advance(3 * 24 * 3600)
    const expired = await sdkError(client().GetDetectInfoEnhanced({ BizToken: biz, RuleId: '1' }))
    expect(expired.code).toBe('InvalidParameterValue.BizTokenExpired')
    expect((await sdkError(client().GetEidResult({ EidToken: eid }))).code).toBe('InvalidParameterValue.BizTokenExpired')
  })

  it('RuleId: unknown → RuleIdNotExist; a BizToken queried under another RuleId → BizTokenIllegal', async () => {
    const { client } = await start({ ruleIds: ['1', '2'] })
    expect((await sdkError(client().DetectAuth({ RuleId: '9' }))).code).toBe('InvalidParameterValue.RuleIdNotExist')
    const token = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    expect((await sdkError(client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '9' }))).code).toBe(
      'InvalidParameterValue.RuleIdNotExist',
    )
    const mismatch = await sdkError(client().GetDetectInfoEnhanced({ BizToken: token, RuleId: '2' }))
    expect(mismatch.code).toBe('InvalidParameterValue.BizTokenIllegal')
    expect(mismatch.message).toContain('RuleId')
  })

  it('maps bad parameters to MissingParameter / InvalidParameter / InvalidParameterValue / UnknownParameter', async () => {
    const { client } = await start()
    const c = client()
    expect((await sdkError(c.request('DetectAuth', {}))).code).toBe('MissingParameter')
    expect((await sdkError(c.request('DetectAuth', { RuleId: 1 }))).code).toBe('InvalidParameter')
    expect((await sdkError(c.DetectAuth({ RuleId: '1', Name: '张三', IdCard: '11204416541220243x' }))).code).toBe(
      'InvalidParameterValue',
    )
    expect((await sdkError(c.request('DetectAuth', { RuleId: '1', Nmae: 'typo' }))).code).toBe('UnknownParameter')
    expect((await sdkError(c.DetectAuth({ RuleId: '1', Name: '张三' }))).code).toBe('InvalidParameter')
    expect((await sdkError(c.GetDetectInfoEnhanced({ BizToken: 'x', RuleId: '1', InfoType: '9' }))).code).toBe(
      'InvalidParameterValue',
    )
    expect((await sdkError(c.DetectAuth({ RuleId: '1', Encryption: { EncryptList: ['Name'], CiphertextBlob: 'x', Iv: 'y' } }))).code).toBe(
      'UnsupportedOperation',
    )
  })

  it('complete() validates outcomes', async () => {
    const { client, emulator } = await start()
    const token = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    expect(() => emulator.complete(token, { outcome: 'failed', code: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OUTCOME' }))
    expect(() => emulator.complete(token, { outcome: 'failed', code: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_OUTCOME' }))
    expect(emulator.token(token)?.status).toBe('pending')
  })
})
