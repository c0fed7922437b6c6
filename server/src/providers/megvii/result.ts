/**
 * How a Megvii get_result answer reads. The verdict comes from this answer only: `passed` needs
 * result_code 1000 and a live-vs-authority confidence above the partner's threshold (Megvii's
 * confidence at the chosen false-accept rate, `1e-4` by default). Every other code is a failure
 * with its catalog message, except 9000 (not started), which is still open.
 */
import {
  lookupMegviiResult,
  maskIdCard,
  maskName,
  MEGVII_BELOW_THRESHOLD_REASON,
  MEGVII_NOT_STARTED_CODE,
  MEGVII_SUCCESS_CODE,
  type MaskedIdentity,
  type NormalizeContext,
  type VerificationResult,
} from '@faceid-kit/shared'
import type { ResultReader } from '../../flows/flow.js'
import type { GetResultResponse, MegviiThresholdKey } from './actions.js'
import { MEGVII_TOKEN_GONE_CODES } from './errors.js'

/** The thresholds a partner may choose, strictest last. */
export const MEGVII_THRESHOLD_KEYS: readonly MegviiThresholdKey[] = ['1e-3', '1e-4', '1e-5', '1e-6']
/** One in ten thousand false accepts: Megvii's usual bar for identity verification. */
export const DEFAULT_MEGVII_THRESHOLD: MegviiThresholdKey = '1e-4'

export function isMegviiThresholdKey(value: unknown): value is MegviiThresholdKey {
  return typeof value === 'string' && (MEGVII_THRESHOLD_KEYS as readonly string[]).includes(value)
}

function codeOf(raw: GetResultResponse): number | undefined {
  const value = raw.result_code
  const code = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN
  return Number.isInteger(code) ? code : undefined
}

/** The comparison against the authority's photo cleared the chosen threshold. */
function aboveThreshold(raw: GetResultResponse, threshold: MegviiThresholdKey): boolean {
  const idcard = raw.verification?.idcard
  const confidence = idcard?.confidence
  const bar = idcard?.thresholds?.[threshold]
  return typeof confidence === 'number' && typeof bar === 'number' && Number.isFinite(confidence) && Number.isFinite(bar) && confidence > bar
}

function identityOf(raw: GetResultResponse): MaskedIdentity | undefined {
  const ocr = raw.idcard_result
  const name = typeof ocr?.['name'] === 'string' ? ocr['name'] : ''
  const idCard = typeof ocr?.['idcard_number'] === 'string' ? ocr['idcard_number'] : ''
  if (!name && !idCard) return undefined
  return { name: maskName(name), idCard: maskIdCard(idCard) }
}

/** A get_result answer as the masked outcome a client may see. */
export function normalizeMegviiResult(raw: GetResultResponse, ctx: NormalizeContext, threshold: MegviiThresholdKey): VerificationResult {
  const code = codeOf(raw)
  const base = { token: ctx.token, kind: ctx.kind, updatedAt: ctx.fetchedAt.toISOString() }
  if (code === undefined || code === MEGVII_NOT_STARTED_CODE) {
    // Nothing yet: once the token's lifetime has passed, nothing will come.
    const result: VerificationResult = { ...base, status: ctx.fetchedAt.getTime() > ctx.expiresAt.getTime() ? 'expired' : 'pending' }
    if (code !== undefined) {
      result.code = code
      result.message = lookupMegviiResult(code)!.zh
    }
    return result
  }
  const passed = code === MEGVII_SUCCESS_CODE && aboveThreshold(raw, threshold)
  // A 1000 under the partner's bar reads as Megvii's "not the same person", with the kit's reason.
  const entry = passed ? lookupMegviiResult(code, 'SUCCESS') : code === MEGVII_SUCCESS_CODE ? lookupMegviiResult(2000, MEGVII_BELOW_THRESHOLD_REASON) : lookupMegviiResult(code, raw.result_message)
  const result: VerificationResult = {
    ...base,
    status: passed ? 'passed' : 'failed',
    code: passed || code !== MEGVII_SUCCESS_CODE ? code : 2000,
    message: entry?.zh ?? '验证未通过',
    billable: false,
  }
  const identity = identityOf(raw)
  if (identity) result.identity = identity
  return result
}

/** Megvii answers get_result for a month after issuance ("可以在1个月内对该结果进行查询"). */
export const MEGVII_RESULT_KEPT_SECONDS = 30 * 24 * 3600

/** The Megvii flows' `results`: the verdict with the partner's threshold, no per-attempt billing. */
export function megviiResultReader(): ResultReader {
  return {
    normalize: (raw, ctx, settings) => normalizeMegviiResult(raw, ctx, settings.megviiThreshold),
    // Megvii's documents give no per-result billing; the kit counts no billed attempts.
    billableCount: () => 0,
    // A biz_token serves one verification: once it failed, it stays failed.
    isFinal: (result) => result.status === 'failed',
    goneCodes: MEGVII_TOKEN_GONE_CODES,
    keptSeconds: MEGVII_RESULT_KEPT_SECONDS,
  }
}
