/** The emulated Tencent FaceID actions: validated parameters in, `Response` body (without RequestId) out. */
import { billPage } from './billing.js'
import { checkActions, type IdentityRegistry } from './checks.js'
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
import type { EmulatedIntention, EmulatorAction } from './types.js'

export interface ActionContext {
  store: TokenStore
  now: number
  ruleIds: ReadonlySet<string>
  merchantIds: ReadonlySet<string>
  billPageSize: number
  /** `http://host:port` as the client reached the emulator, for the H5 `Url`s. */
  origin: string
  /** The people the identity-factor checks know. */
  identities: IdentityRegistry
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

/** The sandbox's stand-in for Tencent's H5 page (`Url`): a page where the user picks how it ends. */
function sandboxUrl(ctx: ActionContext, token: string): string {
  return `${ctx.origin}/sandbox/h5/${token}`
}

function identityOf(params: { Name?: string | undefined; IdCard?: string | undefined }): { name: string; idCard: string } | undefined {
  if (params.Name === undefined && params.IdCard === undefined) return undefined
  if (params.Name === undefined || params.IdCard === undefined) {
    throw apiErrors.invalidParameter('Name and IdCard must be passed together.')
  }
  return { name: params.Name, idCard: params.IdCard }
}

interface IntentionScript {
  IntentionVerifyText?: string | undefined
  IntentionQuestions?: Array<{ Question: string; Answers: string[] }> | undefined
  IntentionActions?: Array<{ Text: string }> | undefined
}

/** Tencent's default text when read-aloud mode gets none. */
const DEFAULT_READ_ALOUD_TEXT = '本人自愿办理此项业务'

function intentionScript(mode: EmulatedIntention['mode'], script: IntentionScript): EmulatedIntention {
  if (mode === 'questions') {
    const qs = script.IntentionQuestions ?? []
    return { mode, prompts: qs.map((q) => q.Question), answers: qs.map((q) => q.Answers[0]!) }
  }
  if (mode === 'actions') {
    const texts = (script.IntentionActions ?? []).map((a) => a.Text)
    return { mode, prompts: texts, answers: texts.map(() => '') }
  }
  const text = script.IntentionVerifyText || DEFAULT_READ_ALOUD_TEXT
  return { mode, prompts: [text], answers: [text] }
}

/** DetectAuth: the mode follows the fields sent and `Config.IntentionType` (0 questions, 1 nod). */
function detectAuthIntention(params: IntentionScript & { Config?: { IntentionType?: 0 | 1 | undefined } | undefined }): EmulatedIntention | undefined {
  const type = params.Config?.IntentionType
  if (type === 1 && !params.IntentionActions) throw apiErrors.missingParameter('IntentionActions')
  if (type === 0 && !params.IntentionQuestions) throw apiErrors.missingParameter('IntentionQuestions')
  if (params.IntentionActions && type !== 1) throw apiErrors.invalidParameterValue('IntentionActions 仅用于点头确认模式（Config.IntentionType 为 1）。')
  if (params.IntentionQuestions && type === 1) throw apiErrors.invalidParameterValue('IntentionQuestions 仅用于问答模式（Config.IntentionType 为 0）。')
  if (params.IntentionVerifyText !== undefined && (params.IntentionQuestions || params.IntentionActions)) {
    throw apiErrors.invalidParameterValue('IntentionVerifyText 与 IntentionQuestions / IntentionActions 不能同时传入。')
  }
  if (params.IntentionActions) return intentionScript('actions', params)
  if (params.IntentionQuestions) return intentionScript('questions', params)
  if (params.IntentionVerifyText !== undefined) return intentionScript('read-aloud', params)
  return undefined
}

/** GetEidToken: 意愿核身 only with `Config.UseIntentionVerify`; `IntentionMode` 1 read aloud (default), 2 questions, 3 nod. */
function eidIntention(config: (IntentionScript & { UseIntentionVerify?: boolean | undefined; IntentionMode?: '1' | '2' | '3' | undefined }) | undefined): EmulatedIntention | undefined {
  if (!config?.UseIntentionVerify) return undefined
  const mode = config.IntentionMode ?? '1'
  if (mode === '2' && !config.IntentionQuestions) throw apiErrors.missingParameter('Config.IntentionQuestions')
  if (mode === '3' && !config.IntentionActions) throw apiErrors.missingParameter('Config.IntentionActions')
  return intentionScript(mode === '2' ? 'questions' : mode === '3' ? 'actions' : 'read-aloud', config)
}

export const actions: Record<EmulatorAction, Handler> = {
  DetectAuth(raw, ctx) {
    const params = parseParams(detectAuthParams, raw)
    checkRuleId(params.RuleId, ctx)
    refuseEncryption(params)
    const identity = identityOf(params)
    const intention = detectAuthIntention(params)
    const stored = ctx.store.create({
      kind: 'face',
      ruleId: params.RuleId,
      ...(identity && { identity }),
      ...(params.Extra !== undefined && { extra: params.Extra }),
      ownImage: params.ImageBase64 !== undefined,
      ...(params.RedirectUrl && { redirectUrl: params.RedirectUrl }),
      ...(intention && { intention }),
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
    const intention = eidIntention(params.Config)
    const stored = ctx.store.create({
      kind: 'eid',
      merchantId: params.MerchantId,
      ...(identity && { identity }),
      ...(params.RedirectUrl && { redirectUrl: params.RedirectUrl }),
      ...(params.Extra !== undefined && { extra: params.Extra }),
      ...(intention && { intention }),
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

  IdCardVerification: (raw, ctx) => checkActions.IdCardVerification(raw, ctx.identities),
  PhoneVerification: (raw, ctx) => checkActions.PhoneVerification(raw, ctx.identities),
  BankCard2EVerification: (raw, ctx) => checkActions.BankCard2EVerification(raw, ctx.identities),
  BankCardVerification: (raw, ctx) => checkActions.BankCardVerification(raw, ctx.identities),
  BankCard4EVerification: (raw, ctx) => checkActions.BankCard4EVerification(raw, ctx.identities),
  MobileStatus: (raw, ctx) => checkActions.MobileStatus(raw, ctx.identities),
  MobileNetworkTimeVerification: (raw, ctx) => checkActions.MobileNetworkTimeVerification(raw, ctx.identities),
}

export function isEmulatorAction(action: string): action is EmulatorAction {
  return Object.prototype.hasOwnProperty.call(actions, action)
}
