export type * from './types.js'
export * from './catalog.js'
export { maskIdCard, maskName } from './mask.js'
export { billableCount, INTENTION_FAILED_CODE, intentionOf, isBillable, normalizeResult, type NormalizeContext } from './normalize.js'
export { FLOWS, type FlowDefinition, type FlowTable } from './flows.js'
export { TOKEN_LIFETIME_SECONDS, TOKEN_PATTERN, RESULT_RETENTION_SECONDS, isValidToken, PROVIDER_TOKEN_PATTERNS, tokenPatternOf } from './tokens.js'
export { CHECK_RESULT_CODES, lookupCheckCode } from './check-codes.js'
export {
  MEGVII_BELOW_THRESHOLD_REASON,
  MEGVII_NOT_STARTED_CODE,
  MEGVII_RESULT_CODES,
  MEGVII_SUCCESS_CODE,
  lookupMegviiResult,
  type MegviiResultCode,
} from './megvii-codes.js'
