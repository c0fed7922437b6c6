/**
 * 意愿核身 end to end on the server: the partner's script through the options hooks, checked
 * before Tencent is called; the emulator plays the user; the result carries the intention part
 * without what the user said, which stays sealed for `readFullResult`.
 */
import type { BizTokenOptions, EidTokenOptions, VerificationResult } from '@faceid-kit/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors/index.js'
import { startHarness, type Harness } from '../support/harness.js'

const QUESTIONS: NonNullable<BizTokenOptions['IntentionQuestions']> = [
  { Question: '您是否本人自愿申请贷款五万元？', Answers: ['是', '是的', '同意'] },
  { Question: '您是否已知晓年化利率为百分之六？', Answers: ['知道', '已知晓'] },
  { Question: '您是否同意授权查询征信？', Answers: ['同意'] },
]

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

async function start(options: { biz?: BizTokenOptions; eid?: EidTokenOptions; reuse?: boolean } = {}): Promise<{ h: Harness; errors: unknown[] }> {
  const errors: unknown[] = []
  harness = await startHarness({
    router: {
      ...(options.biz && { bizTokenOptions: () => options.biz }),
      ...(options.eid && { eidTokenOptions: () => options.eid }),
      ...(options.reuse && { reuseOpenToken: true }),
      onError: (error) => errors.push(error),
    },
  })
  return { h: harness, errors }
}

async function issue(h: Harness, path = '/faceid/biz-token'): Promise<string> {
  const res = await h.call('POST', path, { user: 'alice', body: {} })
  expect(res.status).toBe(201)
  return res.body.token as string
}

async function result(h: Harness, token: string, path = '/faceid/biz-token'): Promise<{ body: VerificationResult; text: string }> {
  const res = await h.call('GET', `${path}/${token}`, { user: 'alice' })
  expect(res.status).toBe(200)
  return { body: res.body as VerificationResult, text: JSON.stringify(res.body) }
}

/** Every column of the token's row as text: what someone reading the database sees in clear. */
async function clearColumns(h: Harness, token: string): Promise<string> {
  const row = await h.db.queries.selectFrom('faceid_tokens').selectAll().where('token', '=', token).executeTakeFirstOrThrow()
  const { result_sealed: _sealed, ...clear } = row
  return JSON.stringify(clear)
}

describe('意愿核身 through DetectAuth', () => {
  it('question mode, every answer matched: passed, one outcome per question, answers kept off the client', async () => {
    const { h } = await start({ biz: { IntentionQuestions: QUESTIONS, Config: { IntentionType: 0, IntentionRecognition: true } } })
    const token = await issue(h)
    expect(h.emulator.token(token)?.intention?.mode).toBe('questions')
    h.emulator.complete(token, { outcome: 'passed' })
    const { body, text } = await result(h, token)
    expect(body.status).toBe('passed')
    expect(body.code).toBe(0)
    expect(body.intention).toEqual({ mode: 'questions', passed: true, code: 0, message: '成功', items: [{ passed: true }, { passed: true }, { passed: true }] })
    // What the user said ("是", "知道"…) and the media are in no answer to the client…
    expect(text).not.toMatch(/AsrResult|Video|Audios|ScreenShot/)
    expect(text).not.toContain('"是"')
    // …nor in clear in the database, but the partner reads them through readFullResult.
    const clear = await clearColumns(h, token)
    expect(clear).toContain('FinalResultDetailCode')
    expect(clear).not.toMatch(/AsrResult|Video|Audios|ScreenShot|已知晓|知道/)
    const full = await h.verifier.readFullResult(token)
    expect(full?.result?.IntentionQuestionResult?.AsrResult).toEqual(['是', '知道', '同意'])
  })

  it('one question failed: the face part passed and is billed, the verification fails with the intention code', async () => {
    const { h } = await start({ biz: { IntentionQuestions: QUESTIONS } })
    const token = await issue(h)
    h.emulator.complete(token, { outcome: 'intention-failed', item: 1 })
    // Tencent's Text says the face part passed: the kit must not stop there.
    expect(h.emulator.token(token)?.attempts.at(-1)?.code).toBe(0)
    const { body } = await result(h, token)
    expect(body.status).toBe('failed')
    expect(body.code).toBe(66666006)
    expect(body.message).toBe('意愿表达结果不正确')
    expect(body.billable).toBe(true)
    expect(body.intention).toMatchObject({ mode: 'questions', passed: false, code: -301 })
    expect(body.intention?.items).toEqual([{ passed: true }, { passed: false }, { passed: true }])
    // Not final: the user may still try again on the same token (7200 s), and then pass.
    h.emulator.complete(token, { outcome: 'passed' })
    expect((await result(h, token)).body.status).toBe('passed')
  })

  it('nod mode: the verdict of the run, and how far it got when it failed', async () => {
    const actions = [{ Text: '本人确认自愿购买该保险产品' }, { Text: '本人已阅读并理解保险条款' }]
    const { h } = await start({ biz: { IntentionActions: actions, Config: { IntentionType: 1, Speed: 2 } } })
    const passedToken = await issue(h)
    h.emulator.complete(passedToken, { outcome: 'passed' })
    expect((await result(h, passedToken)).body.intention).toEqual({ mode: 'actions', passed: true, code: 0, message: '成功', items: [{ passed: true }, { passed: true }] })

    const failedToken = await issue(h)
    h.emulator.complete(failedToken, { outcome: 'intention-failed', item: 0 })
    const { body } = await result(h, failedToken)
    expect(body.status).toBe('failed')
    // Tencent gives no per-nod verdict: one segment recorded, outcome unknown.
    expect(body.intention).toEqual({ mode: 'actions', passed: false, code: -301, message: '意愿核验不通过', items: [{}] })
    expect(await clearColumns(h, failedToken)).not.toContain('Video')
  })

  it('read-aloud mode passes and fails on the reading', async () => {
    const { h } = await start({ biz: { IntentionVerifyText: '本人自愿在本平台开立证券账户' } })
    const ok = await issue(h)
    h.emulator.complete(ok, { outcome: 'passed' })
    const passed = await result(h, ok)
    expect(passed.body.intention).toEqual({ mode: 'read-aloud', passed: true, code: 0, message: '成功', items: [{ passed: true }] })
    expect(passed.text).not.toContain('开立证券账户')

    const bad = await issue(h)
    h.emulator.complete(bad, { outcome: 'intention-failed' })
    const failed = await result(h, bad)
    expect(failed.body.status).toBe('failed')
    expect(failed.body.intention).toMatchObject({ mode: 'read-aloud', passed: false, items: [{ passed: false }] })
    expect(await clearColumns(h, bad)).not.toMatch(/AsrResult|IntentionVerifyVideo|IntentionVerifyAudio|IntentionVerifyBestFrame/)
    expect((await h.verifier.readFullResult(bad))?.result?.IntentionVerifyData?.AsrResult).toBeTruthy()
  })

  it('a face failure never reaches the intention part: failed with the face code, no item outcomes', async () => {
    const { h } = await start({ biz: { IntentionQuestions: QUESTIONS } })
    const token = await issue(h)
    h.emulator.complete(token, { outcome: 'failed', code: 2016 })
    const { body } = await result(h, token)
    expect(body).toMatchObject({ status: 'failed', code: 2016, intention: { mode: 'questions', passed: false, items: [] } })
  })

  it('an answered question is not a verdict before the intention result exists (face passed, intention pending)', async () => {
    const { h } = await start({ biz: { IntentionQuestions: QUESTIONS } })
    const token = await issue(h)
    expect((await result(h, token)).body).toMatchObject({ status: 'pending', intention: { mode: 'questions', passed: false, items: [] } })
  })

  it('never hands out an open token issued for another script', async () => {
    const { h } = await start({ biz: { IntentionQuestions: QUESTIONS }, reuse: true })
    const first = await issue(h)
    expect(await issue(h)).not.toBe(first)
    expect(h.emulator.stats().calls['DetectAuth']).toBe(2)
  })
})

describe('意愿核身 through GetEidToken Config', () => {
  it('question mode with E证通: the intention part from GetEidResult', async () => {
    const { h } = await start({ eid: { Config: { InputType: '4', UseIntentionVerify: true, IntentionMode: '2', IntentionQuestions: QUESTIONS.slice(0, 2) } } })
    const token = await issue(h, '/faceid/eid-token')
    h.emulator.complete(token, { outcome: 'intention-failed', item: 0 })
    const { body, text } = await result(h, token, '/faceid/eid-token')
    expect(body).toMatchObject({ kind: 'eid', status: 'failed', code: 66666006, intention: { mode: 'questions', passed: false, items: [{ passed: false }, { passed: true }] } })
    expect(text).not.toContain('不清楚')
    expect(await clearColumns(h, token)).not.toContain('不清楚')
    expect((await h.verifier.readFullResult(token))?.result?.IntentionQuestionResult?.AsrResult).toEqual(['不清楚', '知道'])
  })

  it('read aloud by default', async () => {
    const { h } = await start({ eid: { Config: { UseIntentionVerify: true, IntentionVerifyText: '本人同意签署该合同' } } })
    const token = await issue(h, '/faceid/eid-token')
    h.emulator.complete(token, { outcome: 'passed' })
    expect((await result(h, token, '/faceid/eid-token')).body).toMatchObject({ status: 'passed', intention: { mode: 'read-aloud', passed: true } })
  })
})

describe('invalid 意愿核身 options are refused before any Tencent call', () => {
  const long = (n: number) => '意'.repeat(n)
  const biz: Array<[string, BizTokenOptions, RegExp]> = [
    ['read-aloud text over 120 characters', { IntentionVerifyText: long(121) }, /IntentionVerifyText: is 121 characters, Tencent accepts at most 120/],
    ['no questions', { IntentionQuestions: [] }, /IntentionQuestions: has 0 questions, Tencent accepts 1 to 10/],
    ['11 questions', { IntentionQuestions: Array.from({ length: 11 }, () => QUESTIONS[0]!) }, /has 11 questions/],
    ['a question over 250 characters', { IntentionQuestions: [{ Question: long(251), Answers: ['是'] }] }, /IntentionQuestions\[0\]\.Question: is 251 characters/],
    ['an answer over 10 characters', { IntentionQuestions: [{ Question: '是否同意？', Answers: ['是', long(11)] }] }, /IntentionQuestions\[0\]\.Answers\[1\]: is 11 characters/],
    ['51 answers', { IntentionQuestions: [{ Question: '是否同意？', Answers: Array.from({ length: 51 }, (_, i) => String(i)) }] }, /has 51 answers, Tencent accepts 1 to 50/],
    ['an empty answer', { IntentionQuestions: [{ Question: '是否同意？', Answers: [''] }] }, /Answers\[0\]: must be a non-empty string/],
    ['nod statements without nod mode', { IntentionActions: [{ Text: '本人确认' }] }, /IntentionActions: need Config.IntentionType 1/],
    ['nod mode without statements', { IntentionQuestions: QUESTIONS, Config: { IntentionType: 1 } }, /Config.IntentionType: 1 \(nod mode\) needs IntentionActions/],
    ['a statement over 250 characters', { IntentionActions: [{ Text: long(251) }], Config: { IntentionType: 1 } }, /IntentionActions\[0\]\.Text: is 251 characters/],
    ['two modes at once', { IntentionVerifyText: '本人同意', IntentionQuestions: QUESTIONS }, /set one of them/],
    ['a speed Tencent does not have', { IntentionQuestions: QUESTIONS, Config: { Speed: 4 } }, /Config.Speed: must be one of 0, 1, 2, 3/],
  ]
  for (const [what, options, message] of biz) {
    it(`DetectAuth: ${what}`, async () => {
      const { h, errors } = await start({ biz: options })
      const res = await h.call('POST', '/faceid/biz-token', { user: 'alice', body: {} })
      expect(res.status).toBe(500)
      expect(res.body.error.code).toBe('configuration_error')
      expect(errors[0]).toBeInstanceOf(ConfigurationError)
      expect((errors[0] as Error).message).toMatch(message)
      expect(h.emulator.stats().calls['DetectAuth'] ?? 0).toBe(0)
    })
  }

  const eid: Array<[string, EidTokenOptions, RegExp]> = [
    ['intention fields without UseIntentionVerify', { Config: { IntentionMode: '2', IntentionQuestions: QUESTIONS } }, /Config.IntentionMode: is ignored unless Config.UseIntentionVerify is true/],
    ['question mode without questions', { Config: { UseIntentionVerify: true, IntentionMode: '2' } }, /"2" needs Config.IntentionQuestions/],
    ['nod statements over 150 characters', { Config: { UseIntentionVerify: true, IntentionMode: '3', IntentionActions: [{ Text: long(151) }] } }, /IntentionActions\[0\]\.Text: is 151 characters, Tencent accepts at most 150/],
    ['questions in read-aloud mode', { Config: { UseIntentionVerify: true, IntentionQuestions: QUESTIONS } }, /Config.IntentionQuestions: is not used in IntentionMode "1"/],
    ['an unknown mode', { Config: { UseIntentionVerify: true, IntentionMode: '4' } }, /Config.IntentionMode: must be one of "1", "2", "3"/],
  ]
  for (const [what, options, message] of eid) {
    it(`GetEidToken: ${what}`, async () => {
      const { h, errors } = await start({ eid: options })
      const res = await h.call('POST', '/faceid/eid-token', { user: 'alice', body: {} })
      expect(res.status).toBe(500)
      expect((errors[0] as Error).message).toMatch(message)
      expect(h.emulator.stats().calls['GetEidToken'] ?? 0).toBe(0)
    })
  }
})
