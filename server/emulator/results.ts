/** Builds GetDetectInfoEnhanced / GetEidResult bodies from a stored token. */
import type {
  DetectDetail,
  DetectInfoBestFrame,
  DetectInfoIdCardData,
  DetectInfoText,
  DetectInfoVideoData,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models.js'
import { codeStage, resultMessage } from './codes.js'
import type { StoredToken } from './store.js'

/** Tencent sends `null` for fields it has no value for. */
export type Nullable<T> = { [K in keyof T]-?: T[K] | null }

// Tiny stand-ins for images and video: a 1×1 PNG and an MP4 `ftyp` box.
export const FAKE_IMAGE_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
export const FAKE_VIDEO_BASE64 = Buffer.from('\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom', 'latin1').toString('base64')

/** The identity "read" from the ID card when the partner sent none (the example from Tencent's docs). */
export const OCR_IDENTITY = { name: '韦小宝', idCard: '11204416541220243X' } as const

export function maskName(name: string): string {
  const chars = Array.from(name)
  return chars.length <= 1 ? '*'.repeat(chars.length) : '*' + chars.slice(1).join('')
}

export function maskIdCard(idCard: string): string {
  return idCard.length <= 8 ? '*'.repeat(idCard.length) : idCard.slice(0, 4) + '*'.repeat(idCard.length - 8) + idCard.slice(-4)
}

/** `InfoType` as a set of parts: 1 text, 2 ID card, 3 best frame, 4 video, 5/6 intention. '0' or empty: all. */
export function parseInfoType(infoType: string | undefined): Set<number> {
  if (!infoType || infoType.includes('0')) return new Set([1, 2, 3, 4, 5, 6])
  return new Set(Array.from(infoType, Number))
}

type OcrFields = Pick<
  Nullable<DetectInfoText>,
  'OcrName' | 'OcrIdCard' | 'OcrNation' | 'OcrAddress' | 'OcrBirth' | 'OcrAuthority' | 'OcrValidDate' | 'OcrGender'
>

function ocrFields(idCard: string, name: string): OcrFields {
  const birth = /^\d{6}(\d{4})(\d{2})(\d{2})/.exec(idCard)
  const genderDigit = idCard.length === 18 ? Number(idCard[16]) : NaN
  return {
    OcrName: name,
    OcrIdCard: idCard,
    OcrNation: '汉',
    OcrAddress: '广东省深圳市南山区科技中一路1号',
    OcrBirth: birth ? `${birth[1]}/${Number(birth[2])}/${Number(birth[3])}` : null,
    OcrAuthority: '深圳市公安局南山分局',
    OcrValidDate: '2016.08.01-2036.08.01',
    OcrGender: Number.isNaN(genderDigit) ? null : genderDigit % 2 === 1 ? '男' : '女',
  }
}

function detail(stored: StoredToken, identity: { name: string; idCard: string }, index: number): Nullable<DetectDetail> {
  const attempt = stored.attempts[index]!
  const stage = codeStage(attempt.code)
  const livenessOk = stage === 'compare'
  return {
    ReqTime: String(attempt.at),
    Seq: attempt.seq,
    Idcard: maskIdCard(identity.idCard),
    Name: maskName(identity.name),
    Sim: attempt.sim,
    IsNeedCharge: attempt.billable,
    Errcode: attempt.code,
    Errmsg: attempt.message,
    Livestatus: livenessOk ? 0 : attempt.code,
    Livemsg: livenessOk ? '成功' : attempt.message,
    Comparestatus: livenessOk ? attempt.code : null,
    Comparemsg: livenessOk ? attempt.message : null,
    CompareLibType: stored.ownImage ? '业务方自有库' : '权威库',
    LivenessMode: 3,
  }
}

function text(stored: StoredToken): Nullable<DetectInfoText> {
  const ocr = stored.kind === 'eid' || !stored.identity
  const identity = stored.identity ?? OCR_IDENTITY
  const done = stored.code !== undefined
  const last = stored.attempts.at(-1)
  const lastDetail = last ? detail(stored, identity, stored.attempts.length - 1) : undefined
  const nothing: OcrFields = {
    OcrName: null, OcrIdCard: null, OcrNation: null, OcrAddress: null, OcrBirth: null,
    OcrAuthority: null, OcrValidDate: null, OcrGender: null,
  }
  return {
    ErrCode: done ? stored.code! : null,
    ErrMsg: done ? resultMessage(stored.code!) : null,
    // E证通 never returns the plain identity in Text (only encrypted, in EidInfo).
    IdCard: done ? (stored.kind === 'eid' ? '' : identity.idCard) : null,
    Name: done ? (stored.kind === 'eid' ? '' : identity.name) : null,
    UseIDType: done ? 0 : null,
    ...(done && ocr ? ocrFields(identity.idCard, identity.name) : nothing),
    IdInfoFrom: done ? (ocr ? 'OCR' : '其他') : null,
    LiveStatus: lastDetail?.Livestatus ?? null,
    LiveMsg: lastDetail?.Livemsg ?? null,
    Comparestatus: lastDetail?.Comparestatus ?? null,
    Comparemsg: lastDetail?.Comparemsg ?? null,
    Sim: lastDetail?.Sim ?? null,
    Location: null,
    Extra: stored.extra ?? null,
    LivenessDetail: stored.attempts.map((_, i) => detail(stored, identity, i)) as DetectDetail[],
    LivenessInfoTag: done ? [] : null,
    Mobile: done ? '' : null,
    CompareLibType: last ? (stored.ownImage ? '业务方自有库' : '权威库') : null,
    LivenessMode: last ? 3 : null,
    NFCRequestIds: null,
    NFCBillingCounts: null,
    PassNo: null,
    VisaNum: null,
    LivenessActionSequence: null,
  }
}

export interface ResultOptions {
  infoType?: string | undefined
  bestFramesCount?: number | undefined
  isCutIdCardImage?: boolean | undefined
  isNeedIdCardAvatar?: boolean | undefined
}

function idCardData(stored: StoredToken, options: ResultOptions): Nullable<DetectInfoIdCardData> | null {
  const ocr = stored.kind === 'eid' || !stored.identity
  if (stored.code === undefined || !ocr || codeStage(stored.code) === 'system') return null
  return {
    OcrFront: FAKE_IMAGE_BASE64,
    OcrBack: FAKE_IMAGE_BASE64,
    ProcessedFrontImage: options.isCutIdCardImage ? FAKE_IMAGE_BASE64 : null,
    ProcessedBackImage: options.isCutIdCardImage ? FAKE_IMAGE_BASE64 : null,
    Avatar: options.isNeedIdCardAvatar ? FAKE_IMAGE_BASE64 : null,
    WarnInfos: null,
    BackWarnInfos: null,
  }
}

function bestFrame(stored: StoredToken, options: ResultOptions, maxFrames: number): Nullable<DetectInfoBestFrame> | null {
  if (stored.attempts.length === 0) return null
  const count = Math.min(Math.max(options.bestFramesCount ?? 0, 0), maxFrames)
  return { BestFrame: FAKE_IMAGE_BASE64, BestFrames: count > 0 ? Array.from({ length: count }, () => FAKE_IMAGE_BASE64) : null }
}

function videoData(stored: StoredToken): Nullable<DetectInfoVideoData> | null {
  return stored.attempts.length === 0 ? null : { LivenessVideo: FAKE_VIDEO_BASE64, LivenessVideos: null }
}

const VERIFY_TYPE = { questions: '0', actions: '1', 'read-aloud': '2' } as const
/** What a user who does not agree says: matches no configured answer. */
const WRONG_ANSWER = '不清楚'

/**
 * The 意愿核身 parts. They come only once the face part passed (before that Tencent leaves them
 * null and `Text.ErrCode` tells the failure) and only when InfoType asks for them (5 read aloud,
 * 6 questions / nod).
 */
function intentionFields(stored: StoredToken, parts: Set<number>): Record<string, unknown> {
  const intention = stored.intention
  const out: Record<string, unknown> = {
    IntentionVerifyData: null,
    IntentionQuestionResult: null,
    IntentionActionResult: null,
    IsVerifyIntention: intention !== undefined,
    IntentionVerifyType: intention ? VERIFY_TYPE[intention.mode] : null,
  }
  if (!intention || stored.code !== 0) return out
  const failed = intention.failedItem
  const ok = failed === undefined
  const detailCode = ok ? 0 : -301
  const detailMessage = ok ? '成功' : '意愿核验不通过'
  if (intention.mode === 'read-aloud') {
    if (!parts.has(5)) return out
    out['IntentionVerifyData'] = {
      IntentionVerifyVideo: FAKE_VIDEO_BASE64,
      AsrResult: ok ? intention.answers[0] : WRONG_ANSWER,
      // -10: 语音识别失败 (the reading did not match the text).
      ErrorCode: ok ? 0 : -10,
      ErrorMessage: ok ? '成功' : '语音识别失败，请重试',
      IntentionVerifyBestFrame: FAKE_IMAGE_BASE64,
      AsrResultSimilarity: ok ? '98.50' : '12.30',
      IntentionVerifyAudio: FAKE_VIDEO_BASE64,
    }
    return out
  }
  if (!parts.has(6)) return out
  if (intention.mode === 'questions') {
    out['IntentionQuestionResult'] = {
      FinalResultDetailCode: detailCode,
      FinalResultMessage: detailMessage,
      Video: FAKE_VIDEO_BASE64,
      ScreenShot: intention.prompts.map(() => FAKE_IMAGE_BASE64),
      ResultCode: intention.prompts.map((_, i) => (i === failed ? '-1' : '0')),
      AsrResult: intention.answers.map((answer, i) => (i === failed ? WRONG_ANSWER : answer)),
      Audios: intention.prompts.map(() => FAKE_VIDEO_BASE64),
      FinalResultCode: ok ? '0' : '-1',
    }
  } else {
    // Nod mode stops at the statement the user did not nod to: one detail per segment recorded.
    const segments = ok ? intention.prompts.length : failed + 1
    out['IntentionActionResult'] = {
      FinalResultDetailCode: detailCode,
      FinalResultMessage: detailMessage,
      Details: Array.from({ length: segments }, () => ({ Video: FAKE_VIDEO_BASE64, ScreenShot: [FAKE_IMAGE_BASE64] })),
    }
  }
  return out
}

/** GetDetectInfoEnhanced body (without RequestId). */
export function detectInfo(stored: StoredToken, options: ResultOptions): Record<string, unknown> {
  const parts = parseInfoType(options.infoType)
  return {
    Text: parts.has(1) ? text(stored) : null,
    IdCardData: parts.has(2) ? idCardData(stored, options) : null,
    BestFrame: parts.has(3) ? bestFrame(stored, options, 10) : null,
    VideoData: parts.has(4) ? videoData(stored) : null,
    Encryption: null,
    EncryptedBody: null,
    ...intentionFields(stored, parts),
  }
}

/** GetEidResult body (without RequestId). */
export function eidResult(stored: StoredToken, options: ResultOptions): Record<string, unknown> {
  const parts = parseInfoType(options.infoType)
  return {
    Text: parts.has(1) ? text(stored) : null,
    IdCardData: parts.has(2) ? idCardData(stored, options) : null,
    BestFrame: parts.has(3) ? bestFrame(stored, options, 3) : null,
    // Only returned once the console enabled "返回实名信息"; the sandbox account has not.
    EidInfo: null,
    ...intentionFields(stored, parts),
  }
}
