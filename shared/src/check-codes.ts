/**
 * The `Result` codes of Tencent's identity-factor checks (IdCardVerification, PhoneVerification,
 * BankCard2EVerification, BankCardVerification, BankCard4EVerification, MobileStatus,
 * MobileNetworkTimeVerification), transcribed from the response models Tencent publishes with its
 * API (`Result` field: code, message, 收费/不收费). zh and billable are Tencent's; en, outcome and
 * retryable are ours. Checked code by code against the installed tencentcloud-sdk-nodejs models
 * by server/test/checks/check-codes.test.ts.
 */
import type { CheckResultCode, IdentityCheckKind, IdentityCheckOutcome } from './types.js'

type Row = readonly [code: string, zh: string, en: string, billable: boolean, outcome: IdentityCheckOutcome, retryable: boolean]

const BUSY_EN = 'The verification service is busy; please try again later'
const DAILY_LIMIT_EN = 'Daily verification limit reached; please try again tomorrow'
const RANGE_EN = 'This number range cannot be verified'

/** The bank-card codes that are billed but say the card cannot be used (same meaning in the three tables). */
const CARD_STATES = {
  noCardless: ['未开通无卡支付', 'Card-not-present payments are not enabled on this card'],
  confiscated: ['此卡被没收', 'This card has been confiscated'],
  invalidNumber: ['无效卡号', 'Invalid card number'],
  noIssuer: ['此卡无对应发卡行', 'No issuing bank for this card'],
  dormant: ['该卡未初始化或睡眠卡', 'The card is not activated or is dormant'],
  fraud: ['作弊卡、吞卡', 'Fraudulent or retained card'],
  lost: ['此卡已挂失', 'This card has been reported lost'],
  expired: ['该卡已过期', 'The card has expired'],
  restricted: ['受限制的卡', 'Restricted card'],
  pinLocked: ['密码错误次数超限', 'Too many wrong PIN attempts'],
  unsupported: ['发卡行不支持此交易', 'The issuing bank does not support this transaction'],
  abnormal: ['卡状态异常或卡号错误', 'Abnormal card state or wrong card number'],
} as const

function card(code: string, state: keyof typeof CARD_STATES): Row {
  const [zh, en] = CARD_STATES[state]
  return [code, zh, en, true, 'unverifiable', false]
}

const TABLES: Readonly<Record<IdentityCheckKind, readonly Row[]>> = {
  'id-card': [
    ['0', '姓名和身份证号一致', 'The name and ID number match', true, 'match', false],
    ['-1', '姓名和身份证号不一致', 'The name and ID number do not match', true, 'mismatch', false],
    ['-2', '非法身份证号（长度、校验位等不正确）', 'Invalid ID number (wrong length, check digit…)', false, 'error', false],
    ['-3', '非法姓名（长度、格式等不正确）', 'Invalid name (wrong length, format…)', false, 'error', false],
    ['-4', '证件库服务异常', 'The ID database service failed', false, 'error', true],
    ['-5', '证件库中无此身份证记录', 'No record of this ID number in the ID database', false, 'not_found', false],
    ['-6', '权威比对系统升级中，请稍后再试', 'The authoritative comparison system is being upgraded; please try again later', false, 'error', true],
    ['-7', '认证次数超过当日限制', 'Daily verification limit exceeded', false, 'error', false],
  ],
  phone: [
    ['0', '三要素信息一致', 'The phone number, name and ID number match', true, 'match', false],
    ['-4', '三要素信息不一致', 'The phone number, name and ID number do not match', true, 'mismatch', false],
    ['-6', '手机号码不合法', 'Invalid phone number', false, 'error', false],
    ['-7', '身份证号码有误', 'Invalid ID number', false, 'error', false],
    ['-8', '姓名校验不通过', 'The name did not pass validation', false, 'error', false],
    ['-9', '没有记录', 'No record', false, 'not_found', false],
    ['-11', '验证中心服务繁忙', BUSY_EN, false, 'error', true],
    ['-12', '认证次数超过当日限制，请次日重试', DAILY_LIMIT_EN, false, 'error', false],
    ['-13', '该号段不支持验证', RANGE_EN, false, 'error', false],
  ],
  'bank-card-2e': [
    ['0', '认证通过', 'Verification passed', true, 'match', false],
    ['-1', '认证未通过', 'Verification failed', true, 'mismatch', false],
    ['-4', '持卡人信息有误', 'The cardholder details are wrong', true, 'mismatch', false],
    card('-5', 'noCardless'),
    card('-6', 'confiscated'),
    card('-7', 'invalidNumber'),
    card('-8', 'noIssuer'),
    card('-9', 'dormant'),
    card('-10', 'fraud'),
    card('-11', 'lost'),
    card('-12', 'expired'),
    card('-13', 'restricted'),
    card('-14', 'pinLocked'),
    card('-15', 'unsupported'),
    card('-18', 'abnormal'),
    ['-2', '姓名校验不通过', 'The name did not pass validation', false, 'error', false],
    ['-3', '银行卡号格式有误', 'The bank card number is badly formatted', false, 'error', false],
    ['-16', '验证中心服务繁忙', BUSY_EN, false, 'error', true],
    ['-17', '验证次数超限，请次日重试', DAILY_LIMIT_EN, false, 'error', false],
  ],
  'bank-card-3e': [
    ['0', '认证通过', 'Verification passed', true, 'match', false],
    ['-1', '认证未通过', 'Verification failed', true, 'mismatch', false],
    ['-5', '持卡人信息有误', 'The cardholder details are wrong', true, 'mismatch', false],
    card('-6', 'noCardless'),
    card('-7', 'confiscated'),
    card('-8', 'invalidNumber'),
    card('-9', 'noIssuer'),
    card('-10', 'dormant'),
    card('-11', 'fraud'),
    card('-12', 'lost'),
    card('-13', 'expired'),
    card('-14', 'restricted'),
    card('-15', 'pinLocked'),
    card('-16', 'unsupported'),
    card('-20', 'abnormal'),
    ['-2', '姓名校验不通过', 'The name did not pass validation', false, 'error', false],
    ['-3', '身份证号码有误', 'Invalid ID number', false, 'error', false],
    ['-4', '银行卡号格式有误', 'The bank card number is badly formatted', false, 'error', false],
    ['-17', '验证中心服务繁忙', BUSY_EN, false, 'error', true],
    ['-18', '验证次数超限，请次日重试', DAILY_LIMIT_EN, false, 'error', false],
    ['-19', '该证件号暂不支持核验，当前仅支持二代身份证', 'This ID document cannot be verified; only second-generation ID cards are supported', false, 'error', false],
  ],
  'bank-card-4e': [
    ['0', '认证通过', 'Verification passed', true, 'match', false],
    ['-1', '认证未通过', 'Verification failed', true, 'mismatch', false],
    ['-6', '持卡人信息有误', 'The cardholder details are wrong', true, 'mismatch', false],
    card('-7', 'noCardless'),
    card('-8', 'confiscated'),
    card('-9', 'invalidNumber'),
    card('-10', 'noIssuer'),
    card('-11', 'dormant'),
    card('-12', 'fraud'),
    card('-13', 'lost'),
    card('-14', 'expired'),
    card('-15', 'restricted'),
    card('-16', 'pinLocked'),
    card('-17', 'unsupported'),
    card('-21', 'abnormal'),
    ['-2', '姓名校验不通过', 'The name did not pass validation', false, 'error', false],
    ['-3', '身份证号码有误', 'Invalid ID number', false, 'error', false],
    ['-4', '银行卡号格式有误', 'The bank card number is badly formatted', false, 'error', false],
    ['-5', '手机号码不合法', 'Invalid phone number', false, 'error', false],
    ['-18', '验证中心服务繁忙', BUSY_EN, false, 'error', true],
    ['-19', '验证次数超限，请次日重试', DAILY_LIMIT_EN, false, 'error', false],
    ['-20', '该证件号暂不支持核验，当前仅支持二代身份证', 'This ID document cannot be verified; only second-generation ID cards are supported', false, 'error', false],
  ],
  'phone-status': [
    ['0', '成功', 'Success', true, 'found', false],
    ['-1', '未查询到结果', 'No result found', false, 'not_found', false],
    ['-2', '手机号格式不正确', 'The phone number is badly formatted', false, 'error', false],
    ['-3', '验证中心服务繁忙', BUSY_EN, false, 'error', true],
    ['-4', '认证次数超过当日限制，请次日重试', DAILY_LIMIT_EN, false, 'error', false],
    ['-13', '该号段不支持验证', RANGE_EN, false, 'error', false],
  ],
  'phone-tenure': [
    ['0', '成功', 'Success', true, 'found', false],
    ['-2', '手机号不存在', 'The phone number does not exist', true, 'not_found', false],
    ['-3', '手机号存在，但无法查询到在网时长', 'The phone number exists, but its time on the network cannot be found', true, 'found', false],
    ['-1', '手机号格式不正确', 'The phone number is badly formatted', false, 'error', false],
    ['-4', '验证中心服务繁忙', BUSY_EN, false, 'error', true],
    ['-5', '认证次数超过当日限制，请次日重试', DAILY_LIMIT_EN, false, 'error', false],
    ['-13', '该号段不支持验证', RANGE_EN, false, 'error', false],
  ],
}

/** Every documented `Result` code of every check. */
export const CHECK_RESULT_CODES: readonly CheckResultCode[] = Object.entries(TABLES).flatMap(([check, rows]) =>
  rows.map(([code, zh, en, billable, outcome, retryable]) => ({ check: check as IdentityCheckKind, code, zh, en, billable, outcome, retryable })),
)

const byCheck = new Map<string, CheckResultCode>(CHECK_RESULT_CODES.map((e) => [`${e.check}\n${e.code}`, e]))

/** The catalog entry of a check's `Result` code; undefined when Tencent does not document it. */
export function lookupCheckCode(check: IdentityCheckKind, code: string): CheckResultCode | undefined {
  return byCheck.get(`${check}\n${code}`)
}
