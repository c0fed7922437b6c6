import { messageFor } from './catalog.js'
import { maskIdCard, maskName } from './mask.js'
import type {
  IntentionItemOutcome,
  IntentionMode,
  IntentionOutcome,
  MaskedIdentity,
  TokenKind,
  UpstreamResult,
  VerificationResult,
  VerificationStatus,
} from './types.js'

export interface NormalizeContext {
  token: string
  kind: TokenKind
  /** When the token stops being usable (issue time + lifetime). */
  expiresAt: Date
  /** Time of this fetch. */
  fetchedAt: Date
}

/**
 * Turns a `GetDetectInfoEnhanced` / `GetEidResult` response into the masked outcome the
 * mini-program may see. Pass or fail is decided here, from Tencent's answer only.
 */
export function normalizeResult(response: UpstreamResult, ctx: NormalizeContext): VerificationResult {
  const text = response.Text ?? undefined
  const intention = intentionOf(response)
  let code = typeof text?.ErrCode === 'number' ? text.ErrCode : undefined
  let tencentMessage = text?.ErrMsg
  if (intention && code === 0) {
    // With 意愿核身 on, Text only tells the face part: the intention part must pass as well.
    // No intention verdict yet (the user is still answering, or walked away): not passed.
    if (!intention.passed && intention.code === undefined && intention.items.length === 0) code = undefined
    else if (!intention.passed) {
      code = INTENTION_FAILED_CODE
      tencentMessage = undefined
    }
  }
  const result: VerificationResult = {
    token: ctx.token,
    kind: ctx.kind,
    status: statusOf(code, ctx),
    updatedAt: ctx.fetchedAt.toISOString(),
  }
  if (intention) result.intention = intention
  if (code === undefined) return result

  result.code = code
  // The 意愿核身 table first: it bills some codes differently (1002 is free there).
  const message = tencentMessage || (intention && messageFor(code, 'intention')) || messageFor(code, ctx.kind)
  if (message) result.message = message
  result.billable = isBillable(response)
  const identity = identityOf(response)
  if (identity) result.identity = identity
  return result
}

/**
 * Tencent's 意愿核身 code "意愿表达结果不正确" (billed): what the kit reports when the face part
 * passed (`Text.ErrCode` 0) but the intention part did not.
 */
export const INTENTION_FAILED_CODE = 66666006

const MODES: Readonly<Record<string, IntentionMode>> = { '0': 'questions', '1': 'actions', '2': 'read-aloud' }

/**
 * The 意愿核身 part of a result: mode, verdict, per question/action outcome. Reads only codes,
 * never the recognised speech or media, so it works on the clear part of a stored result too.
 * Undefined when Tencent ran no intention check.
 */
export function intentionOf(response: UpstreamResult): IntentionOutcome | undefined {
  if (response.IsVerifyIntention !== true) return undefined
  const questions = response.IntentionQuestionResult
  const actions = response.IntentionActionResult
  const read = response.IntentionVerifyData
  const mode =
    MODES[response.IntentionVerifyType ?? ''] ?? (questions ? 'questions' : actions ? 'actions' : 'read-aloud')
  let code: number | null | undefined
  let message: string | null | undefined
  let items: IntentionItemOutcome[] = []
  let passed: boolean
  if (mode === 'questions') {
    code = questions?.FinalResultDetailCode
    message = questions?.FinalResultMessage
    passed = typeof code === 'number' ? code === 0 : questions?.FinalResultCode === '0'
    items = (questions?.ResultCode ?? []).map((c) => ({ passed: c === '0' }))
  } else if (mode === 'actions') {
    code = actions?.FinalResultDetailCode
    message = actions?.FinalResultMessage
    passed = code === 0
    // Tencent reports one detail per nod segment but a verdict only for the whole run.
    items = (actions?.Details ?? []).map(() => (passed ? { passed } : {}))
  } else {
    code = read?.ErrorCode
    message = read?.ErrorMessage
    passed = code === 0
    if (typeof code === 'number') items = [{ passed }]
  }
  const outcome: IntentionOutcome = { mode, passed, items }
  if (typeof code === 'number') outcome.code = code
  if (message) outcome.message = message
  return outcome
}

function statusOf(code: number | undefined, ctx: NormalizeContext): VerificationStatus {
  if (code === 0) return 'passed'
  if (code !== undefined) return 'failed'
  // No result yet: once the token's lifetime has passed, none will come.
  return ctx.fetchedAt.getTime() > ctx.expiresAt.getTime() ? 'expired' : 'pending'
}

/** Tencent charges per liveness attempt whose `IsNeedCharge` is true (null and false are free). */
export function billableCount(response: UpstreamResult): number {
  return (response.Text?.LivenessDetail ?? []).filter((d) => d?.IsNeedCharge === true).length
}

export function isBillable(response: UpstreamResult): boolean {
  return billableCount(response) > 0
}

/**
 * `GetEidResult` leaves `Name`/`IdCard` empty (the plain identity only comes encrypted in
 * `EidInfo`), so the OCR fields are the fallback.
 */
function identityOf(response: UpstreamResult): MaskedIdentity | undefined {
  const text = response.Text
  if (!text) return undefined
  const name = text.Name || text.OcrName || ''
  const idCard = text.IdCard || text.OcrIdCard || ''
  if (!name && !idCard) return undefined
  return { name: maskName(name), idCard: maskIdCard(idCard) }
}
