import { messageFor } from './catalog.js'
import { maskIdCard, maskName } from './mask.js'
import type { MaskedIdentity, TokenKind, UpstreamResult, VerificationResult, VerificationStatus } from './types.js'

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
  const code = typeof text?.ErrCode === 'number' ? text.ErrCode : undefined
  const result: VerificationResult = {
    token: ctx.token,
    kind: ctx.kind,
    status: statusOf(code, ctx),
    updatedAt: ctx.fetchedAt.toISOString(),
  }
  if (code === undefined) return result

  result.code = code
  const message = text?.ErrMsg || messageFor(code, ctx.kind)
  if (message) result.message = message
  result.billable = isBillable(response)
  const identity = identityOf(response)
  if (identity) result.identity = identity
  return result
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
