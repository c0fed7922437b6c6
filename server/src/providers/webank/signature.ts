/**
 * WeBank's signature: the values of the signed parameters and the ticket, nulls left out, sorted
 * in dictionary order (Java's `Collections.sort` on strings: UTF-16 code units, which is what
 * JavaScript's default sort compares too), concatenated, SHA-1, upper-case hex. Which parameters
 * are signed, and with which ticket (SIGN or NONCE), depends on the request.
 */
import crypto from 'node:crypto'

/** The signature of `values` with `ticket`. Null and undefined values are left out, as WeBank's reference code does. */
export function webankSign(values: ReadonlyArray<string | null | undefined>, ticket: string): string {
  const parts = values.filter((v): v is string => v !== null && v !== undefined)
  parts.push(ticket)
  parts.sort()
  return crypto.createHash('sha1').update(parts.join(''), 'utf8').digest('hex').toUpperCase()
}

/** Whether `given` is the signature `expected` (case does not matter, per WeBank), in constant time. */
export function signMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-fA-F]{40}$/.test(given)) return false
  return crypto.timingSafeEqual(Buffer.from(expected.toUpperCase()), Buffer.from(given.toUpperCase()))
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A 32-character random string of letters and digits: WeBank's `nonce`. */
export function randomNonce(): string {
  let out = ''
  // 62 does not divide 256: bytes past the last whole multiple are skipped so each character is uniform.
  while (out.length < 32) {
    for (const byte of crypto.randomBytes(48)) {
      if (byte >= 248) continue
      out += NONCE_ALPHABET[byte % 62]
      if (out.length === 32) break
    }
  }
  return out
}

/**
 * An order number WeBank accepts (letters and digits, at most 32): 32 random characters, so it
 * cannot be guessed from another user's.
 */
export function newOrderNo(): string {
  return randomNonce()
}

/** Letters and digits, 1 to 32 characters: an order number, a user id or a faceId as WeBank takes them. */
export const WEBANK_ID_PATTERN: RegExp = /^[A-Za-z0-9]{1,32}$/
