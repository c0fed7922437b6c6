// Explicit types on every export and no imports: the mini-program's type build emits this file's
// declarations on their own, and the uni-app packer may copy it as is.

/**
 * One `result_code` of Megvii FaceID lite's `get_result`, with one of its `result_message`
 * reasons (Megvii reports several reasons under one code). `reason` undefined: the code's
 * general entry, for a reason the table does not list.
 */
export interface MegviiResultCode {
  code: number
  reason: string | undefined
  /** Shown to the user. */
  zh: string
  en: string
  /** A fresh attempt (new biz_token, same person) can succeed. */
  retryable: boolean
  /** The kit's own reading, not a reason Megvii sends. */
  kit?: true
}

/** Megvii's code of a finished comparison that matched (the kit still checks the confidence). */
export const MEGVII_SUCCESS_CODE = 1000
/** Megvii's code of a biz_token whose flow the user has not started (or not finished) yet. */
export const MEGVII_NOT_STARTED_CODE = 9000
/**
 * The kit's reason, under 2000, when Megvii answered 1000 but the confidence did not exceed the
 * partner's threshold: at the partner's bar it is not the same person.
 */
export const MEGVII_BELOW_THRESHOLD_REASON = 'BELOW_PARTNER_THRESHOLD'

/** Megvii FaceID lite's `get_result` result codes and reasons; en and retryable are ours. */
export const MEGVII_RESULT_CODES: readonly MegviiResultCode[] = [
  { code: 1000, reason: undefined, zh: '核验通过', en: 'Verified: the same person as the reference photo', retryable: false },
  { code: 1000, reason: 'SUCCESS', zh: '核验通过', en: 'Verified: the same person as the reference photo', retryable: false },
  { code: 2000, reason: undefined, zh: '人脸比对未通过，不是同一人', en: 'Face comparison failed: not the same person', retryable: false },
  { code: 2000, reason: 'PASS_LIVING_NOT_THE_SAME', zh: '活体检测通过，但与身份证照片不是同一人', en: 'Liveness passed, but not the same person as the ID photo', retryable: false },
  { code: 2000, reason: MEGVII_BELOW_THRESHOLD_REASON, zh: '人脸比对分数未达到要求', en: "The face comparison score is below the partner's threshold", retryable: true, kit: true },
  { code: 3000, reason: undefined, zh: '身份信息核验未通过', en: 'The identity could not be verified', retryable: false },
  { code: 3000, reason: 'NO_ID_CARD_NUMBER', zh: '无此身份证号', en: 'No such ID number', retryable: false },
  { code: 3000, reason: 'ID_NUMBER_NAME_NOT_MATCH', zh: '身份证号与姓名不一致', en: 'The ID number and the name do not match', retryable: false },
  { code: 3100, reason: undefined, zh: '身份证识别失败，请重新拍摄', en: 'The ID card could not be read; take the photo again', retryable: true },
  { code: 3100, reason: 'IDCARD_PHOTO_FRONTSIDE', zh: '身份证人像面识别失败，请避开阴影和反光重新拍摄', en: 'The photo side of the ID card could not be read (blur, shadow, low light or inconsistent fields)', retryable: true },
  { code: 3100, reason: 'IDCARD_BACKSIDE_BLURRED', zh: '身份证国徽面识别失败，请避开阴影和反光重新拍摄', en: 'The emblem side of the ID card could not be read (blur, shadow, low light or inconsistent fields)', retryable: true },
  { code: 3100, reason: 'NO_FACE_FOUND_IDCARD', zh: '身份证人像面未找到人脸', en: 'No face found on the photo side of the ID card', retryable: true },
  { code: 3100, reason: 'IDCARD_PHOTO_NOTFRONTSIDE', zh: '拍摄的不是身份证人像面', en: 'The photo is not the photo side of an ID card', retryable: true },
  { code: 3100, reason: 'IDCARD_PHOTO_NOTBACKSIDE', zh: '拍摄的不是身份证国徽面', en: 'The photo is not the emblem side of an ID card', retryable: true },
  { code: 3200, reason: undefined, zh: '证件疑似伪造', en: 'The ID card looks forged', retryable: false },
  { code: 3200, reason: 'FAIL_OCR_FAKE_IDCARD', zh: '证件疑似伪造', en: 'The ID card looks forged', retryable: false },
  { code: 4100, reason: undefined, zh: '活体检测未通过', en: 'Liveness check failed', retryable: true },
  { code: 4100, reason: 'FAIL_LIVING_FACE_ATTACK', zh: '活体检测未通过', en: 'Liveness check failed in the cloud', retryable: true },
  { code: 4100, reason: 'CHANGE_FACE_ATTACK', zh: '视频中检测到换人，活体检测未通过', en: 'A different person appeared in the liveness video', retryable: false },
  { code: 4200, reason: undefined, zh: '活体视频不符合要求，请重试', en: 'The liveness video was not usable; try again', retryable: true },
  { code: 4200, reason: 'NO_FACE_FOUND', zh: '视频中没有检测到人脸，请重试', en: 'No face found in the liveness video', retryable: true },
  { code: 4200, reason: 'FACE_QUALITY_TOO_LOW', zh: '视频质量太差，请重试', en: 'The liveness video quality is too low', retryable: true },
  { code: 4200, reason: 'INVALID_VIDEO_DURATION', zh: '视频时长不符合要求（2 至 20 秒），请重试', en: 'The liveness video must last 2 to 20 seconds', retryable: true },
  { code: 4200, reason: 'VIDEO_TOO_LARGE', zh: '视频过大，请重试', en: 'The liveness video is too large', retryable: true },
  { code: 4200, reason: 'SR_ERROR', zh: '未通过念数字识别，请重试', en: 'The digits read aloud were not recognised', retryable: true },
  { code: 4200, reason: 'NOT_SYNCHRONIZED', zh: '读数唇语不符合要求，请重试', en: 'The lip movements did not match the digits', retryable: true },
  { code: 4200, reason: 'NO_AUDIO', zh: '视频没有声音，请开启麦克风权限后重试', en: 'The liveness video has no sound (microphone permission?)', retryable: true },
  { code: 4200, reason: 'VIDEO_FORMAT_UNSUPPORTED', zh: '视频格式无法识别，请重试', en: 'The liveness video format is not supported', retryable: true },
  { code: 4200, reason: 'LIP_VOICE_NOT_SYNC', zh: '语音与唇语不同步，请重试', en: 'Voice and lip movements are out of sync', retryable: true },
  { code: 4200, reason: 'VIDEO_OK', zh: '活体视频可用，但流程未完成，请重试', en: 'The liveness video was usable but the flow did not finish', retryable: true },
  { code: 4200, reason: 'VIDEO_MANY_TIMES', zh: '视频上传次数已达上限', en: 'Too many liveness video uploads for this verification', retryable: true },
  { code: 4200, reason: 'VIDEO_INTERNAL_ERROR', zh: '活体检测服务异常，请稍后重试', en: 'Liveness service error', retryable: true },
  { code: 5000, reason: undefined, zh: '服务暂不可用，请联系客服', en: "The partner's Megvii account cannot serve verifications", retryable: false },
  { code: 5000, reason: 'NON_ENTERPRISE_CERTIFICATION', zh: '服务暂不可用，请联系客服', en: "The partner's Megvii account has no enterprise certification", retryable: false },
  { code: 5000, reason: 'BALANCE_NOT_ENOUGH', zh: '服务暂不可用，请联系客服', en: "The partner's Megvii account balance is too low", retryable: false },
  { code: 5000, reason: 'ACCOUNT_DISABLED', zh: '服务暂不可用，请联系客服', en: "The partner's Megvii account is disabled", retryable: false },
  { code: 6000, reason: undefined, zh: '用户主动退出了验证', en: 'The user left the verification', retryable: true },
  { code: 6000, reason: 'USER_CANCEL', zh: '用户主动退出了验证', en: 'The user left the verification', retryable: true },
  { code: 9000, reason: undefined, zh: '验证尚未开始', en: 'The verification has not started yet', retryable: true },
  { code: 9000, reason: 'LIVING_NOT_START', zh: '验证尚未开始', en: 'The verification has not started yet', retryable: true },
]

/** The entry of `code` and `reason`, else the code's general entry; undefined for an unknown code. */
export function lookupMegviiResult(code: number, reason?: string): MegviiResultCode | undefined {
  let general: MegviiResultCode | undefined
  for (const entry of MEGVII_RESULT_CODES) {
    if (entry.code !== code) continue
    if (reason !== undefined && entry.reason === reason) return entry
    if (entry.reason === undefined) general = entry
  }
  return general
}
