/**
 * The verification result codes the emulator can produce (`Text.ErrCode`), with their messages
 * and whether an attempt ending with them is charged. Facts from Tencent's return-code tables for
 * the mini-program channel (Plus face verification; E证通). Self-contained on purpose: the
 * emulator must not move when the kit's own catalog does.
 */

export const PASSED_MESSAGE = '成功'
export const DEFAULT_FAILURE_CODE = 2016

const MESSAGES: Readonly<Record<number, string>> = {
  1: '调用方式出错，请参考人脸核身 DetectAuth 文档进行调用',
  2: '调用方式出错，请参考人脸核身 DetectAuth 文档进行调用',
  3: '调用方式出错，请参考人脸核身 DetectAuth 文档进行调用',
  4: '服务异常，请稍后重试或联系客服人员',
  8: '服务异常，请稍后重试或联系客服人员',
  10: '服务异常，请稍后重试或联系客服人员',
  12: '服务异常，请稍后重试或联系客服人员',
  13: '服务异常，请稍后重试或联系客服人员',
  14: '本次校验已完成',
  15: 'token 过期，请重试',
  16: '已达到重试上限',
  17: '本次流程未完成',
  201: '从微信拉取图片失败，请重试',
  202: '视频获取失败，请重试',
  203: '无此 API 调用权限',
  204: '当前公众号/小程序未完成对慧眼授权',
  301: '当前认证人身份证号码与业务传入验证证件号码不符，请重新上传',
  302: '身份证已过期，请使用有效身份证进行核验',
  303: '扫描识别失败，请重新拍摄',
  1001: '引擎超时，请稍后重试',
  1002: '疑似非真人录制',
  1003: '人脸识别验证未成功，请重试',
  1004: '人脸验证失败，请重试',
  1005: '人脸验证失败，请重试',
  1006: '证照库出错，请重试',
  1007: '未拉取微信活体结果或拉取微信活体结果失败',
  1008: '用户活体过程网络不稳定，请切换网络环境后重试',
  2001: '引擎超时，请稍后重试',
  2002: '姓名有误，请确认后重试',
  2003: '身份证号有误，请确认后重试',
  2004: '视频提取照片出错，请重试或更换手机进行验证',
  2005: '未查询到身份信息，请通过其他渠道验证',
  2006: '姓名和身份证号不匹配，请核实身份后重试',
  2007: '未查询到照片信息，请通过其他渠道验证',
  2008: '未查询到照片信息，请通过其他渠道验证',
  2009: '查询到照片分辨率过低，请通过其他渠道验证',
  2010: '脸部未完整露出，请保持正脸面对屏幕',
  2011: '无法判断为同一人，请确认身份后重试（疑似非活体）',
  2012: '检测到多张人脸，请保持验证视频中只有本人',
  2013: '脸部未完整露出，请保持正脸面对屏幕',
  2014: '视频像素太低无法检测，请更换手机进行验证',
  2015: '无法判断为同一人，请确认身份后重试（比对失败）',
  2016: '无法判断为同一人，请确认身份后重试（相似度未达到通过阈值）',
  2017: '权威数据源升级中，请稍后再试',
  2018: '操作过于频繁，请第二天0点后重试',
}

// Plus face verification charges a suspected fake (1002); E证通 does not.
const BILLABLE: Readonly<Record<'face' | 'eid', ReadonlySet<number>>> = {
  face: new Set([0, 1002, 2006, 2016]),
  eid: new Set([0, 2006, 2016]),
}

export function resultMessage(code: number): string {
  if (code === 0) return PASSED_MESSAGE
  return MESSAGES[code] ?? '验证未通过，请重试'
}

export function isBillableCode(kind: 'face' | 'eid', code: number): boolean {
  return BILLABLE[kind].has(code)
}

/** Which stage a code belongs to: system/WeChat codes end the flow before any liveness attempt. */
export function codeStage(code: number): 'system' | 'liveness' | 'compare' {
  if (code >= 2000 && code < 3000) return 'compare'
  if (code >= 1000 && code < 2000) return 'liveness'
  return code === 0 ? 'compare' : 'system'
}
