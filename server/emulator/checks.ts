/**
 * The identity-factor checks (身份信息认证, 手机号三要素, 银行卡二/三/四要素, 手机号状态, 手机号在网时长),
 * answered the way Tencent answers them: HTTP 200 with a `Result` code and its `Description`,
 * billed or not by the code. The "authoritative sources" are the planted identities: an ID number,
 * phone number or card nobody planted is unknown. Result codes and messages are Tencent's, stated
 * here on their own so the emulator does not move when the kit's catalog does.
 */
import { z } from 'zod'
import { apiErrors } from './errors.js'
import { parseParams } from './params.js'
import type { CheckAction, PlantedBankCard, PlantedCardState, PlantedIdentity, PlantedPhone } from './types.js'

/** Known to the sandbox out of the box, so `npm start` can show every outcome (documented in the emulator README). */
const SANDBOX: PlantedIdentity[] = [
  {
    name: '张三',
    idCard: '110101199003070011',
    phones: [{ number: '13800138000', status: 0, tenureMonths: 30 }],
    bankCards: [{ number: '6222020200112233445', state: 'normal' }],
  },
  {
    name: '李四',
    idCard: '110101198506150027',
    phones: [{ number: '13900139000', status: 1, tenureMonths: null }],
    bankCards: [{ number: '6217000010012345678', state: 'lost' }],
  },
]
export const SANDBOX_IDENTITIES: readonly PlantedIdentity[] = Object.freeze(SANDBOX)

/** `Result` → `Description` per action, as Tencent documents them. */
const RESULTS: Readonly<Record<CheckAction, Readonly<Record<string, string>>>> = {
  IdCardVerification: {
    '0': '姓名和身份证号一致',
    '-1': '姓名和身份证号不一致',
    '-2': '非法身份证号（长度、校验位等不正确）',
    '-3': '非法姓名（长度、格式等不正确）',
    '-4': '证件库服务异常',
    '-5': '证件库中无此身份证记录',
    '-6': '权威比对系统升级中，请稍后再试',
    '-7': '认证次数超过当日限制',
  },
  PhoneVerification: {
    '0': '三要素信息一致',
    '-4': '三要素信息不一致',
    '-6': '手机号码不合法',
    '-7': '身份证号码有误',
    '-8': '姓名校验不通过',
    '-9': '没有记录',
    '-11': '验证中心服务繁忙',
    '-12': '认证次数超过当日限制，请次日重试',
    '-13': '该号段不支持验证',
  },
  BankCard2EVerification: {
    '0': '认证通过', '-1': '认证未通过', '-4': '持卡人信息有误', '-5': '未开通无卡支付', '-6': '此卡被没收', '-7': '无效卡号',
    '-8': '此卡无对应发卡行', '-9': '该卡未初始化或睡眠卡', '-10': '作弊卡、吞卡', '-11': '此卡已挂失', '-12': '该卡已过期',
    '-13': '受限制的卡', '-14': '密码错误次数超限', '-15': '发卡行不支持此交易', '-18': '卡状态异常或卡号错误',
    '-2': '姓名校验不通过', '-3': '银行卡号格式有误', '-16': '验证中心服务繁忙', '-17': '验证次数超限，请次日重试',
  },
  BankCardVerification: {
    '0': '认证通过', '-1': '认证未通过', '-5': '持卡人信息有误', '-6': '未开通无卡支付', '-7': '此卡被没收', '-8': '无效卡号',
    '-9': '此卡无对应发卡行', '-10': '该卡未初始化或睡眠卡', '-11': '作弊卡、吞卡', '-12': '此卡已挂失', '-13': '该卡已过期',
    '-14': '受限制的卡', '-15': '密码错误次数超限', '-16': '发卡行不支持此交易', '-20': '卡状态异常或卡号错误',
    '-2': '姓名校验不通过', '-3': '身份证号码有误', '-4': '银行卡号格式有误', '-17': '验证中心服务繁忙', '-18': '验证次数超限，请次日重试',
    '-19': '该证件号暂不支持核验，当前仅支持二代身份证',
  },
  BankCard4EVerification: {
    '0': '认证通过', '-1': '认证未通过', '-6': '持卡人信息有误', '-7': '未开通无卡支付', '-8': '此卡被没收', '-9': '无效卡号',
    '-10': '此卡无对应发卡行', '-11': '该卡未初始化或睡眠卡', '-12': '作弊卡、吞卡', '-13': '此卡已挂失', '-14': '该卡已过期',
    '-15': '受限制的卡', '-16': '密码错误次数超限', '-17': '发卡行不支持此交易', '-21': '卡状态异常或卡号错误',
    '-2': '姓名校验不通过', '-3': '身份证号码有误', '-4': '银行卡号格式有误', '-5': '手机号码不合法', '-18': '验证中心服务繁忙',
    '-19': '验证次数超限，请次日重试', '-20': '该证件号暂不支持核验，当前仅支持二代身份证',
  },
  MobileStatus: {
    '0': '成功', '-1': '未查询到结果', '-2': '手机号格式不正确', '-3': '验证中心服务繁忙', '-4': '认证次数超过当日限制，请次日重试', '-13': '该号段不支持验证',
  },
  MobileNetworkTimeVerification: {
    '0': '成功', '-2': '手机号不存在', '-3': '手机号存在，但无法查询到在网时长', '-1': '手机号格式不正确', '-4': '验证中心服务繁忙',
    '-5': '认证次数超过当日限制，请次日重试', '-13': '该号段不支持验证',
  },
}

/** Which code each card state ends a 2/3/4-factor check with (the tables number them differently). */
const CARD_STATE_CODES: Readonly<Record<Exclude<PlantedCardState, 'normal'>, readonly [e2: string, e3: string, e4: string]>> = {
  noCardless: ['-5', '-6', '-7'],
  confiscated: ['-6', '-7', '-8'],
  invalidNumber: ['-7', '-8', '-9'],
  noIssuer: ['-8', '-9', '-10'],
  dormant: ['-9', '-10', '-11'],
  fraud: ['-10', '-11', '-12'],
  lost: ['-11', '-12', '-13'],
  expired: ['-12', '-13', '-14'],
  restricted: ['-13', '-14', '-15'],
  pinLocked: ['-14', '-15', '-16'],
  unsupported: ['-15', '-16', '-17'],
  abnormal: ['-18', '-20', '-21'],
}

const encryption = z.looseObject({}).optional()
const idCardParams = z.strictObject({ IdCard: z.string(), Name: z.string(), Encryption: encryption })
const phoneParams = z.strictObject({
  IdCard: z.string(),
  Name: z.string(),
  Phone: z.string(),
  VerifyMode: z.enum(['0', '1']).optional(),
  CiphertextBlob: z.string().optional(),
  EncryptList: z.array(z.string()).optional(),
  Iv: z.string().optional(),
})
const card2Params = z.strictObject({ Name: z.string(), BankCard: z.string(), Encryption: encryption })
const card3Params = z.strictObject({ Name: z.string(), BankCard: z.string(), IdCard: z.string(), CertType: z.number().int().optional(), Encryption: encryption })
const card4Params = z.strictObject({ Name: z.string(), BankCard: z.string(), IdCard: z.string(), Phone: z.string(), CertType: z.number().int().optional(), Encryption: encryption })
const mobileParams = z.strictObject({ Mobile: z.string(), Encryption: encryption })

/** The parameters each check accepts (names from the SDK's request models; checked against them in a server test). */
export const CHECK_PARAMS = {
  IdCardVerification: idCardParams,
  PhoneVerification: phoneParams,
  BankCard2EVerification: card2Params,
  BankCardVerification: card3Params,
  BankCard4EVerification: card4Params,
  MobileStatus: mobileParams,
  MobileNetworkTimeVerification: mobileParams,
} as const satisfies Record<CheckAction, z.ZodType>

/** GB 11643 check character of the first 17 digits. */
function checkCharacter(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = weights.reduce((acc, w, i) => acc + w * Number(first17[i]), 0)
  return '10X98765432'[sum % 11]!
}

function validIdCard(idCard: string): boolean {
  if (!/^\d{17}[\dX]$/.test(idCard)) return false
  const [y, m, d] = [Number(idCard.slice(6, 10)), Number(idCard.slice(10, 12)), Number(idCard.slice(12, 14))]
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1900) return false
  return checkCharacter(idCard.slice(0, 17)) === idCard[17]
}

const validName = (name: string): boolean => name.length >= 1 && name.length <= 32 && name.trim() === name && !/[\d\p{Cc}]/u.test(name)
const validPhone = (phone: string): boolean => /^1[3-9]\d{9}$/.test(phone)
const validCard = (card: string): boolean => /^\d{12,19}$/.test(card)
/** Virtual-operator ranges, which the operators' verification does not cover. */
const unsupportedRange = (phone: string): boolean => /^(162|165|167|170|171)/.test(phone)

function isp(phone: string): string {
  const p = phone.slice(0, 3)
  if (/^(13[4-9]|147|15[0-27-9]|172|178|18[2-478]|19[578])$/.test(p)) return '移动'
  if (/^(13[0-2]|145|15[56]|166|17[56]|18[56]|196)$/.test(p)) return '联通'
  if (/^(133|149|153|17[37]|18[019]|19[0139])$/.test(p)) return '电信'
  return ''
}

/** Months → the `[a,b)` interval Tencent answers. */
function tenureRange(months: number): string {
  for (const [low, high] of [[0, 3], [3, 6], [6, 12], [12, 24]] as const) if (months < high) return `[${low},${high})`
  return '[24,+)'
}

/** What the authoritative sources know, and the results a test forces. */
export class IdentityRegistry {
  private readonly people = new Map<string, PlantedIdentity>()
  private readonly forced = new Map<CheckAction, string>()

  constructor(identities: readonly PlantedIdentity[]) {
    for (const identity of identities) this.plant(identity)
  }

  plant(identity: PlantedIdentity): void {
    this.people.set(identity.idCard, structuredClone(identity))
  }

  force(action: CheckAction, code: string | undefined): void {
    if (code === undefined) this.forced.delete(action)
    else this.forced.set(action, code)
  }

  forcedResult(action: CheckAction): string | undefined {
    return this.forced.get(action)
  }

  person(idCard: string): PlantedIdentity | undefined {
    return this.people.get(idCard)
  }

  phone(number: string): { owner: PlantedIdentity; phone: PlantedPhone } | undefined {
    for (const owner of this.people.values()) {
      const phone = owner.phones?.find((p) => p.number === number)
      if (phone) return { owner, phone }
    }
    return undefined
  }

  card(number: string): { owner: PlantedIdentity; card: PlantedBankCard } | undefined {
    for (const owner of this.people.values()) {
      const card = owner.bankCards?.find((c) => c.number === number)
      if (card) return { owner, card }
    }
    return undefined
  }
}

type CheckHandler = (params: unknown, registry: IdentityRegistry) => Record<string, unknown>

function answer(action: CheckAction, code: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Result: code, Description: RESULTS[action][code] ?? '未知结果', ...extra }
}

function refuseEncryption(params: { Encryption?: unknown; CiphertextBlob?: unknown; EncryptList?: unknown }): void {
  if (params.Encryption !== undefined || params.CiphertextBlob !== undefined || params.EncryptList !== undefined) {
    throw apiErrors.unsupportedOperation('The FaceID emulator does not implement Encryption.')
  }
}

/** A check answered with a forced code, or by `decide`. */
function check(action: CheckAction, registry: IdentityRegistry, decide: () => Record<string, unknown>): Record<string, unknown> {
  const forced = registry.forcedResult(action)
  return forced !== undefined ? answer(action, forced) : decide()
}

/** The code a card check ends with: 0, a card state, or a mismatch (`mismatchCode`). */
function cardVerdict(
  action: 'BankCard2EVerification' | 'BankCardVerification' | 'BankCard4EVerification',
  registry: IdentityRegistry,
  input: { name: string; bankCard: string; idCard?: string; phone?: string },
  codes: { table: 0 | 1 | 2; unknownCard: string; mismatch: string },
): Record<string, unknown> {
  const found = registry.card(input.bankCard)
  if (!found) return answer(action, codes.unknownCard)
  const state = found.card.state ?? 'normal'
  if (state !== 'normal') return answer(action, CARD_STATE_CODES[state][codes.table])
  const reservedPhone = found.card.phone ?? found.owner.phones?.[0]?.number
  const same =
    found.owner.name === input.name &&
    (input.idCard === undefined || found.owner.idCard === input.idCard) &&
    (input.phone === undefined || reservedPhone === input.phone)
  return answer(action, same ? '0' : codes.mismatch)
}

export const checkActions: Record<CheckAction, CheckHandler> = {
  IdCardVerification(raw, registry) {
    const p = parseParams(idCardParams, raw)
    refuseEncryption(p)
    return check('IdCardVerification', registry, () => {
      if (!validIdCard(p.IdCard)) return answer('IdCardVerification', '-2')
      if (!validName(p.Name)) return answer('IdCardVerification', '-3')
      const person = registry.person(p.IdCard)
      if (!person) return answer('IdCardVerification', '-5')
      return answer('IdCardVerification', person.name === p.Name ? '0' : '-1')
    })
  },

  PhoneVerification(raw, registry) {
    const p = parseParams(phoneParams, raw)
    refuseEncryption(p)
    return check('PhoneVerification', registry, () => {
      if (!validPhone(p.Phone)) return answer('PhoneVerification', '-6')
      if (!validIdCard(p.IdCard)) return answer('PhoneVerification', '-7')
      if (!validName(p.Name)) return answer('PhoneVerification', '-8')
      if (unsupportedRange(p.Phone)) return answer('PhoneVerification', '-13')
      const found = registry.phone(p.Phone)
      if (!found) return answer('PhoneVerification', '-9', { Isp: isp(p.Phone) })
      const nameOk = found.owner.name === p.Name
      const idOk = found.owner.idCard === p.IdCard
      if (nameOk && idOk) return answer('PhoneVerification', '0', { Isp: isp(p.Phone) })
      // The detailed mode (VerifyMode 1) says which factor disagrees.
      const detail = !nameOk && !idOk ? 'PhoneNameIdCardMismatch' : nameOk ? 'PhoneIdCardMismatch' : 'PhoneNameMismatch'
      return answer('PhoneVerification', '-4', { Isp: isp(p.Phone), ...(p.VerifyMode === '1' && { ResultDetail: detail }) })
    })
  },

  BankCard2EVerification(raw, registry) {
    const p = parseParams(card2Params, raw)
    refuseEncryption(p)
    return check('BankCard2EVerification', registry, () => {
      if (!validName(p.Name)) return answer('BankCard2EVerification', '-2')
      if (!validCard(p.BankCard)) return answer('BankCard2EVerification', '-3')
      return cardVerdict('BankCard2EVerification', registry, { name: p.Name, bankCard: p.BankCard }, { table: 0, unknownCard: '-7', mismatch: '-1' })
    })
  },

  BankCardVerification(raw, registry) {
    const p = parseParams(card3Params, raw)
    refuseEncryption(p)
    return check('BankCardVerification', registry, () => {
      if (p.CertType !== undefined && p.CertType !== 0) return answer('BankCardVerification', '-19')
      if (!validName(p.Name)) return answer('BankCardVerification', '-2')
      if (!validIdCard(p.IdCard)) return answer('BankCardVerification', '-3')
      if (!validCard(p.BankCard)) return answer('BankCardVerification', '-4')
      return cardVerdict('BankCardVerification', registry, { name: p.Name, bankCard: p.BankCard, idCard: p.IdCard }, { table: 1, unknownCard: '-8', mismatch: '-1' })
    })
  },

  BankCard4EVerification(raw, registry) {
    const p = parseParams(card4Params, raw)
    refuseEncryption(p)
    return check('BankCard4EVerification', registry, () => {
      if (p.CertType !== undefined && p.CertType !== 0) return answer('BankCard4EVerification', '-20')
      if (!validName(p.Name)) return answer('BankCard4EVerification', '-2')
      if (!validIdCard(p.IdCard)) return answer('BankCard4EVerification', '-3')
      if (!validCard(p.BankCard)) return answer('BankCard4EVerification', '-4')
      if (!validPhone(p.Phone)) return answer('BankCard4EVerification', '-5')
      return cardVerdict(
        'BankCard4EVerification',
        registry,
        { name: p.Name, bankCard: p.BankCard, idCard: p.IdCard, phone: p.Phone },
        { table: 2, unknownCard: '-9', mismatch: '-1' },
      )
    })
  },

  MobileStatus(raw, registry) {
    const p = parseParams(mobileParams, raw)
    refuseEncryption(p)
    return check('MobileStatus', registry, () => {
      if (!validPhone(p.Mobile)) return answer('MobileStatus', '-2')
      if (unsupportedRange(p.Mobile)) return answer('MobileStatus', '-13')
      const found = registry.phone(p.Mobile)
      if (!found) return answer('MobileStatus', '-1')
      return answer('MobileStatus', '0', { StatusCode: found.phone.status ?? 0 })
    })
  },

  MobileNetworkTimeVerification(raw, registry) {
    const p = parseParams(mobileParams, raw)
    refuseEncryption(p)
    return check('MobileNetworkTimeVerification', registry, () => {
      if (!validPhone(p.Mobile)) return answer('MobileNetworkTimeVerification', '-1')
      if (unsupportedRange(p.Mobile)) return answer('MobileNetworkTimeVerification', '-13')
      const found = registry.phone(p.Mobile)
      if (!found) return answer('MobileNetworkTimeVerification', '-2')
      const months = found.phone.tenureMonths === undefined ? 30 : found.phone.tenureMonths
      if (months === null) return answer('MobileNetworkTimeVerification', '-3')
      return answer('MobileNetworkTimeVerification', '0', { Range: tenureRange(months) })
    })
  },
}
