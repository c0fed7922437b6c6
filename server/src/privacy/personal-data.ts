import type { UpstreamResult } from '@faceid-kit/shared'
import { isWebankResult, webankClearPart } from '../providers/webank/result.js'

/**
 * What of a Tencent result may be stored in clear: an allowlist, so a field Tencent adds later
 * is sealed by default. It keeps what the sweeper, billing and reconciliation read (codes,
 * liveness and comparison outcomes, `IsNeedCharge`, similarity) and nothing that names a person.
 */
const CLEAR_TEXT_FIELDS = [
  'ErrCode',
  'ErrMsg',
  'UseIDType',
  'IdInfoFrom',
  'LiveStatus',
  'LiveMsg',
  'Comparestatus',
  'Comparemsg',
  'Sim',
  'LivenessInfoTag',
  'CompareLibType',
  'LivenessMode',
  'NFCRequestIds',
  'NFCBillingCounts',
] as const

const CLEAR_DETAIL_FIELDS = [
  'ReqTime',
  'Seq',
  'Sim',
  'IsNeedCharge',
  'Errcode',
  'Errmsg',
  'Livestatus',
  'Livemsg',
  'Comparestatus',
  'Comparemsg',
  'CompareLibType',
  'LivenessMode',
] as const

const CLEAR_ROOT_FIELDS = ['IsVerifyIntention', 'IntentionVerifyType', 'RequestId'] as const

/**
 * 意愿核身: the verdict codes only. What the user said (`AsrResult`), the videos, audios, screenshots
 * and best frames stay sealed; nod segments keep only their count.
 */
const CLEAR_INTENTION_FIELDS = {
  IntentionQuestionResult: ['FinalResultDetailCode', 'FinalResultMessage', 'FinalResultCode', 'ResultCode'],
  IntentionActionResult: ['FinalResultDetailCode', 'FinalResultMessage'],
  IntentionVerifyData: ['ErrorCode', 'ErrorMessage'],
} as const

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) if (source[f] !== undefined) out[f] = source[f]
  return out
}

/**
 * Megvii get_result: the codes and the comparison scores. `images` (best frame, ID card photos)
 * and `idcard_result` (what the ID card OCR read) stay sealed; so does `biz_no`, which is the
 * partner's own text.
 */
const CLEAR_MEGVII_ROOT_FIELDS = ['request_id', 'result_code', 'result_message'] as const
const CLEAR_MEGVII_COMPARISONS = ['idcard', 'ref1', 'ref2'] as const

function clearMegviiPart(source: Record<string, unknown>): Record<string, unknown> {
  const out = pick(source, CLEAR_MEGVII_ROOT_FIELDS)
  const verification = source['verification']
  if (verification && typeof verification === 'object') {
    const clear: Record<string, unknown> = {}
    for (const name of CLEAR_MEGVII_COMPARISONS) {
      const comparison = (verification as Record<string, unknown>)[name]
      if (!comparison || typeof comparison !== 'object') continue
      const { confidence, thresholds } = comparison as Record<string, unknown>
      clear[name] = {
        ...(typeof confidence === 'number' ? { confidence } : {}),
        ...(thresholds && typeof thresholds === 'object' ? { thresholds: pick(thresholds as Record<string, unknown>, ['1e-3', '1e-4', '1e-5', '1e-6']) } : {}),
      }
    }
    out['verification'] = clear
  }
  return out
}

/** The non-personal part of a result, safe to keep in clear (`result` column). */
export function clearPartOf(raw: UpstreamResult): UpstreamResult {
  // WeBank's query answers: their own allowlist (codes and scores; never the photo or video).
  if (isWebankResult(raw)) return webankClearPart(raw)
  const source = raw as Record<string, unknown>
  // A Megvii answer has Megvii's fields and none of Tencent's.
  if ('result_code' in source) return clearMegviiPart(source) as UpstreamResult
  const out = pick(source, CLEAR_ROOT_FIELDS)
  const text = source['Text']
  if (text && typeof text === 'object') {
    const t = text as Record<string, unknown>
    const clearText = pick(t, CLEAR_TEXT_FIELDS)
    if (Array.isArray(t['LivenessDetail'])) {
      clearText['LivenessDetail'] = t['LivenessDetail'].map((d: unknown) => (d && typeof d === 'object' ? pick(d as Record<string, unknown>, CLEAR_DETAIL_FIELDS) : d))
    }
    out['Text'] = clearText
  } else if (text === null) {
    out['Text'] = null
  }
  for (const [part, fields] of Object.entries(CLEAR_INTENTION_FIELDS)) {
    const value = source[part]
    if (value === null) out[part] = null
    else if (value && typeof value === 'object') {
      const clear = pick(value as Record<string, unknown>, fields)
      const details = (value as Record<string, unknown>)['Details']
      if (part === 'IntentionActionResult' && Array.isArray(details)) clear['Details'] = details.map(() => ({}))
      out[part] = clear
    }
  }
  return out as UpstreamResult
}
