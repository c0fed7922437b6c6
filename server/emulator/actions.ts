/** The emulated Tencent FaceID actions: validated parameters in, `Response` body (without RequestId) out. */
import { billPage } from './billing.js'
import { apiErrors } from './errors.js'
import {
  detectAuthParams,
  getDetectInfoEnhancedParams,
  getEidResultParams,
  getEidTokenParams,
  getWeChatBillDetailsParams,
  parseParams,
} from './params.js'
import { detectInfo, eidResult } from './results.js'
import type { StoredToken, TokenStore } from './store.js'
import type { EmulatorAction } from './types.js'

export interface ActionContext {
  store: TokenStore
  now: number
  ruleIds: ReadonlySet<string>
  merchantIds: ReadonlySet<string>
  billPageSize: number
  /** `http://host:port` as the client reached the emulator, for the H5 `Url`s. */
  origin: string
}

type Handler = (params: unknown, ctx: ActionContext) => Record<string, unknown>

function checkRuleId(ruleId: string, ctx: ActionContext): void {
  if (!ctx.ruleIds.has(ruleId)) throw apiErrors.ruleIdNotExist()
}

function refuseEncryption(params: { Encryption?: unknown; IsEncryptResponse?: boolean }): void {
  if (params.Encryption !== undefined || params.IsEncryptResponse) {
    throw apiErrors.unsupportedOperation('The FaceID emulator does not implement Encryption / IsEncryptResponse.')
  }
}

/** A token usable for a result query of `kind`; results are kept 3 days after the token was issued. */
function retained(token: string, kind: StoredToken['kind'], ctx: ActionContext): StoredToken {
  const stored = ctx.store.get(token)
  if (!stored || stored.kind !== kind) throw apiErrors.bizTokenIllegal()
  if (ctx.now > stored.retainedUntil) throw apiErrors.bizTokenExpired('BizToken过期，核验结果仅保留3天。')
  return stored
}

function sandboxUrl(ctx: ActionContext, token: string): string {
  return `${ctx.origin}/sandbox/tokens/${token}`
}

function identityOf(params: { Name?: string | undefined; IdCard?: string | undefined }): { name: string; idCard: string } | undefined {
  if (params.Name === undefined && params.IdCard === undefined) return undefined
  if (params.Name === undefined || params.IdCard === undefined) {
    throw apiErrors.invalidParameter('Name and IdCard must be passed together.')
  }
  return { name: params.Name, idCard: params.IdCard }
}

export const actions: Record<EmulatorAction, Handler> = {
  DetectAuth(raw, ctx) {
    const params = parseParams(detectAuthParams, raw)
    checkRuleId(params.RuleId, ctx)
    refuseEncryption(params)
    const identity = identityOf(params)
    const stored = ctx.store.create({
      kind: 'face',
      ruleId: params.RuleId,
      ...(identity && { identity }),
      ...(params.Extra !== undefined && { extra: params.Extra }),
      ownImage: params.ImageBase64 !== undefined,
    })
    return { Url: sandboxUrl(ctx, stored.token), BizToken: stored.token }
  },

  GetDetectInfoEnhanced(raw, ctx) {
    const params = parseParams(getDetectInfoEnhancedParams, raw)
    checkRuleId(params.RuleId, ctx)
    refuseEncryption(params)
    const stored = retained(params.BizToken, 'face', ctx)
    if (stored.ruleId !== params.RuleId) throw apiErrors.bizTokenIllegal('BizToken不合法：与RuleId不匹配。')
    return detectInfo(stored, {
      infoType: params.InfoType,
      bestFramesCount: params.BestFramesCount,
      isCutIdCardImage: params.IsCutIdCardImage,
      isNeedIdCardAvatar: params.IsNeedIdCardAvatar,
    })
  },

  GetEidToken(raw, ctx) {
    const params = parseParams(getEidTokenParams, raw)
    if (!ctx.merchantIds.has(params.MerchantId)) {
      throw apiErrors.invalidParameterValue('MerchantId不存在，或不属于当前腾讯云账号。')
    }
    refuseEncryption(params)
    // InputType 4: the partner backend supplies the identity, so it is required.
    if (params.Config?.InputType === '4') {
      if (params.Name === undefined) throw apiErrors.missingParameter('Name')
      if (params.IdCard === undefined) throw apiErrors.missingParameter('IdCard')
    }
    const identity = identityOf(params)
    const stored = ctx.store.create({
      kind: 'eid',
      merchantId: params.MerchantId,
      ...(identity && { identity }),
      ...(params.Extra !== undefined && { extra: params.Extra }),
    })
    return { EidToken: stored.token, Url: sandboxUrl(ctx, stored.token) }
  },

  GetEidResult(raw, ctx) {
    const params = parseParams(getEidResultParams, raw)
    const stored = retained(params.EidToken, 'eid', ctx)
    return eidResult(stored, {
      infoType: params.InfoType,
      bestFramesCount: params.BestFramesCount,
      isCutIdCardImage: params.IsCutIdCardImage,
      isNeedIdCardAvatar: params.IsNeedIdCardAvatar,
    })
  },

  GetWeChatBillDetails(raw, ctx) {
    const params = parseParams(getWeChatBillDetailsParams, raw)
    if (params.RuleId) checkRuleId(params.RuleId, ctx)
    return { ...billPage(ctx.store, { date: params.Date, cursor: params.Cursor, ruleId: params.RuleId, pageSize: ctx.billPageSize, now: ctx.now }) }
  },
}

export function isEmulatorAction(action: string): action is EmulatorAction {
  return Object.prototype.hasOwnProperty.call(actions, action)
}
