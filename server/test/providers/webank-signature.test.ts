/**
 * WeBank's signature, checked against values computed here with node:crypto directly: the
 * dictionary order WeBank's own examples list (digits, then upper case, then lower case), plain
 * concatenation, SHA-1, upper-case hex.
 */
import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { randomNonce, signMatches, webankSign } from '../../src/providers/webank/signature.js'

const sha1 = (text: string): string => crypto.createHash('sha1').update(Buffer.from(text, 'utf8')).digest('hex').toUpperCase()

describe('webankSign', () => {
  it('signs the App SDK / getAdvFaceId parameters in WeBank\'s documented order', () => {
    const ticket = 'XO99Qfxlti9iTVgHAjwvJdAZKN3nMuUhrsPdPlPVKlcyS50N6t1LnfuFBPlucaMS'
    // The order WeBank's example lists after sorting, written out by hand.
    const expected = sha1(`1.0.0IDAXXXXX${ticket}kHoSxvLZGxSoFsjaxlbzEoUzh5PAnTU7TuserID19959248596551`)
    expect(webankSign(['IDAXXXXX', 'userID19959248596551', '1.0.0', 'kHoSxvLZGxSoFsjaxlbzEoUzh5PAnTU7T'], ticket)).toBe(expected)
    // Any order of the inputs gives the same signature.
    expect(webankSign(['kHoSxvLZGxSoFsjaxlbzEoUzh5PAnTU7T', '1.0.0', 'userID19959248596551', 'IDAXXXXX'], ticket)).toBe(expected)
  })

  it('signs the H5 login\'s seven values', () => {
    const ticket = 'zxc9Qfxlti9iTVgHAjwvJdAZKN3nMuUhrsPdPIPVKlcyS50N6tLlnfuFBPIucaMS'
    const expected = sha1(`1.0.0aabc1457895464appId001bwiwe1457895464kHoSxvLZGxSoFsjsxlbzEoUzh5PAnTU7TuserId19959248596551${ticket}`)
    expect(webankSign(['appId001', 'userId19959248596551', 'aabc1457895464', '1.0.0', 'bwiwe1457895464', 'kHoSxvLZGxSoFsjsxlbzEoUzh5PAnTU7T'], ticket)).toBe(expected)
  })

  it('leaves out null and undefined values, as WeBank\'s reference code does', () => {
    expect(webankSign(['b', null, 'a', undefined], 'T')).toBe(sha1('Tab'))
  })

  it('sorts by UTF-16 code units like Java, not by locale', () => {
    // Locale order would put "a" before "B"; Java's String order puts upper case first.
    expect(webankSign(['a', 'B', '_'], '0')).toBe(sha1('0B_a'))
  })

  it('compares signatures without regard to case and refuses anything but 40 hex digits', () => {
    const s = sha1('x')
    expect(signMatches(s, s.toLowerCase())).toBe(true)
    expect(signMatches(s, sha1('y'))).toBe(false)
    expect(signMatches(s, `${s} `)).toBe(false)
    expect(signMatches(s, undefined)).toBe(false)
  })

  it('makes 32-character nonces of letters and digits, never twice the same', () => {
    const nonces = new Set(Array.from({ length: 1000 }, () => randomNonce()))
    expect(nonces.size).toBe(1000)
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9]{32}$/)
  })
})
