/**
 * Public types shared by the server, the mini-program kit and the uni-app kit.
 * The single source of truth for the HTTP contract (DESIGN §4) and the partner-settable
 * parts of the BizToken / EidToken requests, derived from the Tencent SDK's own models.
 */
import type {
  DetectAuthRequest,
  DetectInfoText,
  GetDetectInfoEnhancedResponse,
  GetEidResultResponse,
  GetEidTokenRequest,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'

/** Which Tencent flow a token belongs to: BizToken (verify_mpsdk) or EidToken (mp_ecard_sdk). */
export type TokenKind = 'face' | 'eid'

/** Where a verification stands, as decided by the server (never by the front end). */
export type VerificationStatus = 'pending' | 'passed' | 'failed' | 'expired'

/** An identity as the mini-program sees it: always masked. */
export interface MaskedIdentity {
  /** e.g. "*小宝" */
  name: string
  /** e.g. "1120**********243X" */
  idCard: string
}

/** `GET /faceid/{biz,eid}-token/:token` → 200 */
export interface VerificationResult {
  token: string
  kind: TokenKind
  status: VerificationStatus
  /** Tencent `Text.ErrCode` when known. */
  code?: number
  /** Tencent `Text.ErrMsg` or the catalog message. */
  message?: string
  /** true when any `LivenessDetail[].IsNeedCharge === true`. */
  billable?: boolean
  identity?: MaskedIdentity
  /** ISO time of the last fetch from Tencent. */
  updatedAt: string
}

/** `POST /faceid/{biz,eid}-token` → 201 */
export interface TokenResponse {
  token: string
  kind: TokenKind
  /** ISO time after which Tencent no longer accepts the token (BizToken 7200 s, EidToken 600 s). */
  expiresAt: string
}

/** Every 4xx/5xx response body. */
export interface ErrorBody {
  error: {
    code: string
    message: string
  }
}

/** A person to verify, supplied by the partner backend (never by the untrusted client). */
export interface Identity {
  name: string
  idCard: string
}

/**
 * What a partner may set on a `DetectAuth` call (face / 意愿核身). `RuleId` defaults to the
 * configured `FACEID_RULE_ID`; `Name` / `IdCard` come from the identity hook.
 */
export type BizTokenOptions = Partial<
  Pick<
    DetectAuthRequest,
    | 'RuleId'
    | 'TerminalType'
    | 'RedirectUrl'
    | 'Extra'
    | 'ImageBase64'
    | 'IntentionVerifyText'
    | 'IntentionQuestions'
    | 'IntentionActions'
    | 'Config'
  >
>

/**
 * What a partner may set on a `GetEidToken` call. `MerchantId` defaults to the configured
 * `FACEID_EID_MERCHANT_ID`; `Name` / `IdCard` come from the identity hook.
 */
export type EidTokenOptions = Partial<Pick<GetEidTokenRequest, 'MerchantId' | 'Extra' | 'Config' | 'RedirectUrl'>>

/** The `Text` block both result APIs return. */
export type ResultText = DetectInfoText

/** The raw result of either `GetDetectInfoEnhanced` or `GetEidResult`. */
export type UpstreamResult = GetDetectInfoEnhancedResponse | GetEidResultResponse

/** One entry of the return-code catalog. */
export interface ReturnCode {
  code: number
  /** The table the code comes from. */
  product: ReturnCodeProduct
  /** Chinese message as Tencent documents it. */
  zh: string
  /** English message. */
  en: string
  /** Tencent charges for a verification that ends with this code. */
  billable: boolean
  /** Trying again (a new token, the same person) can succeed. */
  retryable: boolean
}

/**
 * One return-code table. The WeChat tables (mini-program / WeChat H5) are named after the
 * product; each product also has its own App SDK / mobile-browser H5 table (`…-app-h5`), kept
 * apart because Tencent bills the same code differently per product (e.g. 66660023 is billed
 * in Plus only) and code 0 appears in both tables. E证通 has no App SDK table.
 */
export type ReturnCodeProduct =
  | 'plus'
  | 'enhanced'
  | 'basic'
  | 'eid'
  | 'intention'
  | 'plus-app-h5'
  | 'enhanced-app-h5'
  | 'basic-app-h5'
  | 'intention-app-h5'
