/** Helpers of the webhook tests: tokens made final through the ledger's own path. */
import type { UpstreamResult, VerificationResult } from '@faceid-kit/shared'
import type { Ledger } from '../../src/store/ledger.js'

export const T0 = new Date('2026-03-03T02:00:00Z')
export const NAME = '张小宝'
export const ID_CARD = '11204416541220243X'
export const token = (i: number) => `B1D2E3F4-0000-4000-8000-${String(i).padStart(12, '0')}`

export async function issue(ledger: Ledger, t: string, userId = 'alice', issuedAt = T0): Promise<void> {
  await ledger.insert({ token: t, kind: 'face', userId, ruleId: '1', issuedAt, expiresAt: new Date(issuedAt.getTime() + 7_200_000) })
}

/** A raw Tencent result with a name and an ID number in clear, as Tencent sends it. */
export function rawResult(code: number): UpstreamResult {
  return {
    Text: { ErrCode: code, ErrMsg: code === 0 ? '成功' : '失败', Name: NAME, IdCard: ID_CARD, LivenessDetail: [{ IsNeedCharge: true, ReqTime: String(T0.getTime()) }] },
  } as unknown as UpstreamResult
}

/** Stores a fetch as the verifier would: the masked outcome and the raw result. */
export async function fetchResult(ledger: Ledger, t: string, code: number, final: boolean, at = new Date(T0.getTime() + 60_000)): Promise<void> {
  const result: VerificationResult = {
    token: t,
    kind: 'face',
    status: code === 0 ? 'passed' : 'failed',
    code,
    message: code === 0 ? '成功' : '失败',
    billable: true,
    identity: { name: '*小宝', idCard: '1120**********243X' },
    updatedAt: at.toISOString(),
  }
  await ledger.recordFetch(t, { result, raw: rawResult(code), billableCount: 1, final }, at)
}
