/**
 * Request parameter schemas of the emulated actions (names and limits from the SDK models), and
 * the mapping of validation failures to Tencent's error codes.
 */
import { z } from 'zod'
import { ApiError, apiErrors } from './errors.js'

const text = (max: number) => z.string().max(max)
const required = z.string().min(1)
// Nested structures the emulator accepts without interpreting.
const opaque = z.looseObject({})
const encryption = opaque

// 意愿核身 scripts, with the limits of the SDK models (IntentionQuestion, IntentionActionConfig,
// RuleIdConfig, GetEidTokenConfig).
const intentionQuestions = z
  .array(z.strictObject({ Question: text(250).min(1), Answers: z.array(text(10).min(1)).min(1).max(50) }))
  .min(1)
  .max(10)
const intentionActions = (max: number) => z.array(z.strictObject({ Text: text(max).min(1) })).min(1).max(10)
const speed = z.number().int().min(0).max(3)

export const detectAuthParams = z.strictObject({
  RuleId: required,
  TerminalType: z.string().optional(),
  // A letter in an ID number must be an uppercase X; a lowercase x fails Tencent's check.
  IdCard: z.string().regex(/^(\d{17}[\dX]|\d{15})$/, 'IdCard 格式不正确（字母须为大写 X）').optional(),
  Name: text(32).optional(),
  RedirectUrl: text(1024).optional(),
  Extra: text(1024).optional(),
  ImageBase64: text(4 * 1024 * 1024).optional(),
  Encryption: encryption.optional(),
  IntentionVerifyText: text(120).min(1).optional(),
  IntentionQuestions: intentionQuestions.optional(),
  IntentionActions: intentionActions(250).optional(),
  Config: z
    .strictObject({
      IntentionRecognition: z.boolean().optional(),
      IntentionType: z.union([z.literal(0), z.literal(1)]).optional(),
      MouthOpenRecognition: z.boolean().optional(),
      Speed: speed.optional(),
    })
    .optional(),
})

const resultCommon = {
  BestFramesCount: z.number().int().min(0).optional(),
  IsCutIdCardImage: z.boolean().optional(),
  IsNeedIdCardAvatar: z.boolean().optional(),
}

export const getDetectInfoEnhancedParams = z.strictObject({
  BizToken: required,
  RuleId: required,
  InfoType: z.string().regex(/^[0-6]+$/, 'InfoType 取值错误').optional(),
  ...resultCommon,
  IsEncrypt: z.boolean().optional(),
  Encryption: encryption.optional(),
  IsEncryptResponse: z.boolean().optional(),
  IsReturnAllVideo: z.boolean().optional(),
})

export const getEidTokenParams = z.strictObject({
  MerchantId: required,
  IdCard: z.string().regex(/^[a-zA-Z0-9]{1,32}$/, 'IdCard 只能由 a-z、A-Z、0-9 组成，最长32位').optional(),
  Name: text(32).optional(),
  Extra: text(1024).optional(),
  Config: z
    .strictObject({
      InputType: z.enum(['1', '2', '3', '4']).optional(),
      UseIntentionVerify: z.boolean().optional(),
      IntentionMode: z.enum(['1', '2', '3']).optional(),
      IntentionVerifyText: text(120).optional(),
      IntentionQuestions: intentionQuestions.optional(),
      IntentionActions: intentionActions(150).optional(),
      IntentionRecognition: z.boolean().optional(),
      IsSupportHMTResidentPermitOCR: z.boolean().optional(),
      MouthOpenRecognition: z.boolean().optional(),
      Speed: speed.optional(),
    })
    .optional(),
  RedirectUrl: text(1024).optional(),
  Encryption: encryption.optional(),
})

export const getEidResultParams = z.strictObject({
  EidToken: required,
  InfoType: z.string().regex(/^[0-35-6]+$/, 'InfoType 取值错误').optional(),
  ...resultCommon,
})

export const getWeChatBillDetailsParams = z.strictObject({
  Date: z.string(),
  Cursor: z.number().int(),
  RuleId: z.string().optional(),
})

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

/** Parses `input` or throws the `ApiError` Tencent would answer. */
export function parseParams<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw apiErrors.invalidParameter('The request body must be a JSON object.')
  }
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const name = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    throw apiErrors.unknownParameter([name, issue.keys[0]].filter(Boolean).join('.'))
  }
  const value = valueAt(input, issue.path)
  if (value === undefined || (value === '' && issue.code === 'too_small')) throw apiErrors.missingParameter(name)
  if (issue.code === 'invalid_type') {
    throw apiErrors.invalidParameter(`The parameter \`${name}\` should be of type ${issue.expected}.`)
  }
  const detail = issue.code === 'invalid_format' || issue.code === 'custom' ? issue.message : `is out of range (${issue.message})`
  throw new ApiError('InvalidParameterValue', `The value of parameter \`${name}\` is invalid: ${detail}`)
}
