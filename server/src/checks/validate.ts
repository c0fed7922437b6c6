/**
 * Eager input checks: a malformed name, ID number, phone or card number is refused here, before
 * the ledger or Tencent is asked, with a typed error that names the field and never its value.
 */
import { BadRequestError } from '../errors/index.js'

export type CheckField = 'name' | 'idCard' | 'phone' | 'bankCard' | 'userId' | 'input'

/** A check refused before any call: `field` says which input, the message says why (never the value). */
export class CheckInputError extends BadRequestError {
  constructor(
    readonly field: CheckField,
    message: string,
  ) {
    super('invalid_check_input', message)
  }
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

/** GB 11643: the 18th character of a resident ID number from the first 17 digits. */
export function idCardCheckCharacter(first17: string): string {
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0)
  return '10X98765432'[sum % 11]!
}

function text(value: unknown, field: CheckField, label: string): string {
  if (typeof value !== 'string') throw new CheckInputError(field, `${label} must be a string`)
  return value.trim()
}

/** 2–32 characters, no digits or control characters (Chinese names, with · for minority names, or Latin). */
export function checkName(value: unknown): string {
  const name = text(value, 'name', 'name')
  if (name.length < 2 || name.length > 32) throw new CheckInputError('name', 'name must be 2 to 32 characters')
  if (/[\d\p{Cc}]/u.test(name)) throw new CheckInputError('name', 'name must not contain digits or control characters')
  return name
}

/** An 18-character resident ID number: a real date of birth and a matching check character. */
export function checkIdCard(value: unknown, now: Date): string {
  const idCard = text(value, 'idCard', 'idCard').toUpperCase()
  if (!/^\d{17}[\dX]$/.test(idCard)) throw new CheckInputError('idCard', 'idCard must be an 18-character resident ID number (17 digits, then a digit or X)')
  const [y, m, d] = [Number(idCard.slice(6, 10)), Number(idCard.slice(10, 12)), Number(idCard.slice(12, 14))]
  const birth = new Date(Date.UTC(y, m - 1, d))
  if (y < 1900 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d || birth > now) {
    throw new CheckInputError('idCard', 'idCard does not hold a valid date of birth')
  }
  if (idCardCheckCharacter(idCard.slice(0, 17)) !== idCard[17]) throw new CheckInputError('idCard', 'idCard has a wrong check character (last digit)')
  return idCard
}

/** A mainland mobile number: 11 digits starting 13–19. */
export function checkPhone(value: unknown): string {
  const phone = text(value, 'phone', 'phone')
  if (!/^1[3-9]\d{9}$/.test(phone)) throw new CheckInputError('phone', 'phone must be a mainland mobile number of 11 digits (1[3-9]xxxxxxxxx)')
  return phone
}

/**
 * 12 to 19 digits, spaces removed. No Luhn check: some UnionPay debit cards in use do not
 * satisfy it, and refusing a real card here would hide Tencent's answer.
 */
export function checkBankCard(value: unknown): string {
  const card = text(value, 'bankCard', 'bankCard').replace(/ /g, '')
  if (!/^\d{12,19}$/.test(card)) throw new CheckInputError('bankCard', 'bankCard must be 12 to 19 digits')
  return card
}

export function checkUserId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value === '' || value.length > 128) throw new CheckInputError('userId', 'userId must be a non-empty string of at most 128 characters')
  return value
}

export function checkInputObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CheckInputError('input', 'a check takes an object of its fields')
  return value as Record<string, unknown>
}
