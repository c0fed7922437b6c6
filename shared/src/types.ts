/**
 * Public types shared by the server, the mini-program kit and the uni-app kit: the HTTP contract
 * (docs/architecture.md) and the partner-settable parts of the BizToken / EidToken requests.
 * The Tencent request and result shapes are our own copies of the fields the kit uses, so that
 * this package ships no Node code; server/test/tencent-model-types.test.ts checks them against
 * the Tencent SDK's models.
 */

import type { TokenKind } from './flows.js'

/** Which Tencent flow a token belongs to: BizToken (verify_mpsdk) or EidToken (mp_ecard_sdk); one per entry of `FLOWS`. */
export type { TokenKind }

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
  /** The 意愿核身 part, when Tencent ran one (`IsVerifyIntention`). Never the recognised answers. */
  intention?: IntentionOutcome
  /** ISO time of the last fetch from Tencent. */
  updatedAt: string
}

/** Which 意愿核身 mode ran: question and answer, nod to confirm, or reading a text aloud. */
export type IntentionMode = 'questions' | 'actions' | 'read-aloud'

/** One question or action of a 意愿核身 run, in the order configured. */
export interface IntentionItemOutcome {
  /** Absent when Tencent does not say (nod mode reports only the run's verdict). */
  passed?: boolean
}

/** The 意愿核身 outcome of a verification, without anything the user said or showed. */
export interface IntentionOutcome {
  mode: IntentionMode
  /** Tencent's verdict on the intention part; the verification passes only when this is true too. */
  passed: boolean
  /** Tencent's intention code (`FinalResultDetailCode`, or `ErrorCode` when read aloud), when known. */
  code?: number
  /** Tencent's message for that code. */
  message?: string
  /** Per question or action (read aloud: the one text). Empty when the run never reached them. */
  items: IntentionItemOutcome[]
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

/** One round of 意愿核身 question-and-answer mode. */
export interface IntentionQuestion {
  /** What the user is asked (read aloud), at most 250 characters. */
  Question: string
  /** Accepted answers, at most 50, each at most 10 characters. */
  Answers: string[]
}

/** One round of 意愿核身 nod-to-confirm mode. */
export interface IntentionActionConfig {
  /** The statement shown and read aloud. */
  Text: string
}

/** Per-request overrides of a `DetectAuth` RuleId's configuration. */
export interface RuleIdConfig {
  /** Accept answers close to (not only equal to) the listed answers. */
  IntentionRecognition?: boolean
  /** 0 question-and-answer mode, 1 nod mode. */
  IntentionType?: number
  /** Check that the mouth opens while answering. */
  MouthOpenRecognition?: boolean
  /** Speech speed: 0 automatic, 1 ×1, 2 ×1.2, 3 ×1.5. */
  Speed?: number
}

/** Per-request configuration of a `GetEidToken` call. */
export interface EidTokenConfig {
  /** How the identity is entered: "1" both sides OCR, "2" front OCR, "3" typed, "4" from the backend. */
  InputType?: string
  /** Add 意愿核身 (billed as intention verification). */
  UseIntentionVerify?: boolean
  /** "1" read aloud, "2" question and answer, "3" nod to confirm. */
  IntentionMode?: string
  IntentionVerifyText?: string
  IntentionQuestions?: IntentionQuestion[]
  IntentionActions?: IntentionActionConfig[]
  IntentionRecognition?: boolean
  IsSupportHMTResidentPermitOCR?: boolean
  MouthOpenRecognition?: boolean
  Speed?: number
}

/**
 * What a partner may set on a `DetectAuth` call (face / 意愿核身). `RuleId` defaults to the
 * configured RuleId; `Name` / `IdCard` come from the identity hook.
 */
export interface BizTokenOptions {
  RuleId?: string
  TerminalType?: string
  RedirectUrl?: string
  Extra?: string
  ImageBase64?: string
  IntentionVerifyText?: string
  IntentionQuestions?: IntentionQuestion[]
  IntentionActions?: IntentionActionConfig[]
  Config?: RuleIdConfig
}

/**
 * What a partner may set on a `GetEidToken` call. `MerchantId` defaults to the configured
 * MerchantId; `Name` / `IdCard` come from the identity hook.
 */
export interface EidTokenOptions {
  MerchantId?: string
  Extra?: string
  Config?: EidTokenConfig
  RedirectUrl?: string
}

/** One liveness attempt of a result. Tencent bills the attempts whose `IsNeedCharge` is true. */
export interface LivenessAttempt {
  /** Milliseconds since the epoch, as a string. */
  ReqTime?: string | null
  Seq?: string | null
  IsNeedCharge?: boolean | null
  Errcode?: number | null
  Errmsg?: string | null
}

/** The fields of the `Text` block (both result APIs) that the kit reads. */
export interface ResultText {
  ErrCode?: number | null
  ErrMsg?: string | null
  Name?: string | null
  IdCard?: string | null
  OcrName?: string | null
  OcrIdCard?: string | null
  LivenessDetail?: Array<LivenessAttempt | null> | null
}

/** `IntentionQuestionResult` (question-and-answer mode): codes in clear, answers and media personal. */
export interface IntentionQuestionResultPart {
  FinalResultDetailCode?: number | null
  FinalResultMessage?: string | null
  /** "0" passed, "-1" not passed, "-2" browser not supported. */
  FinalResultCode?: string | null
  /** Per question: "0" matched an answer, "-1" did not. */
  ResultCode?: string[] | null
  /** What the user said, per question (personal: sealed, never in clear). */
  AsrResult?: string[] | null
}

/** `IntentionActionResult` (nod mode). */
export interface IntentionActionResultPart {
  FinalResultDetailCode?: number | null
  FinalResultMessage?: string | null
  /** One per nod segment recorded (each with its video; personal). */
  Details?: Array<object | null> | null
}

/** `IntentionVerifyData` (read-aloud mode). */
export interface IntentionVerifyDataPart {
  ErrorCode?: number | null
  ErrorMessage?: string | null
  /** What the user read (personal: sealed, never in clear). */
  AsrResult?: string | null
}

/** A `GetDetectInfoEnhanced` or `GetEidResult` response, as far as the kit reads it. */
export interface UpstreamResult {
  Text?: ResultText | null
  /** Tencent ran 意愿核身 for this token. */
  IsVerifyIntention?: boolean | null
  /** "0" questions, "1" nod, "2" read aloud. */
  IntentionVerifyType?: string | null
  IntentionQuestionResult?: IntentionQuestionResultPart | null
  IntentionActionResult?: IntentionActionResultPart | null
  IntentionVerifyData?: IntentionVerifyDataPart | null
  RequestId?: string
}

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

/**
 * The Tencent identity-factor checks (PaaS APIs answered by a `Result` code, not `Text.ErrCode`):
 * 身份信息认证, 手机号三要素, 银行卡二/三/四要素, 手机号状态, 手机号在网时长.
 */
export type IdentityCheckKind = 'id-card' | 'phone' | 'bank-card-2e' | 'bank-card-3e' | 'bank-card-4e' | 'phone-status' | 'phone-tenure'

/**
 * What a check's `Result` means. `match`/`mismatch`: the factors agree or not; `not_found`: the
 * authority has no record (of the ID number, the phone number); `found`: a lookup (status,
 * tenure) answered; `unverifiable`: billed, but the card cannot be verified (lost, expired,
 * no card-not-present payments…); `error`: not billed, no verdict (malformed input, service
 * busy, daily limit, unsupported number range).
 */
export type IdentityCheckOutcome = 'match' | 'mismatch' | 'not_found' | 'found' | 'unverifiable' | 'error'

/** One `Result` code of one check, as Tencent documents it (zh, billing) with our reading of it. */
export interface CheckResultCode {
  check: IdentityCheckKind
  /** Tencent's `Result`, a string such as `'0'` or `'-4'`. */
  code: string
  /** Chinese message as Tencent documents it. */
  zh: string
  en: string
  /** Tencent charges for a call that ends with this code. */
  billable: boolean
  outcome: IdentityCheckOutcome
  /** The same call later can give another answer (service busy, upgrading). */
  retryable: boolean
}
