/**
 * `verifyWebhook` on the receiving side: a body signed by the sender passes; a forged body,
 * signature or secret, a stale or future timestamp, a missing or doubled header are refused with
 * a typed error; both secrets pass during a rotation, on either side.
 */
import { describe, expect, it } from 'vitest'
import { computeSignature, signatureHeader, verifyWebhook, WebhookVerificationError, type WebhookVerificationFailure } from '../../src/webhooks/signature.js'
import { verificationEvent } from '../../src/webhooks/events.js'

const OLD = 'old-secret-0123456789abcdef0123456789abcdef'
const NEW = 'new-secret-fedcba9876543210fedcba9876543210'
const AT = new Date('2026-03-03T02:00:00Z')
const body = verificationEvent(
  { token: 'B1D2E3F4-0000-4000-8000-000000000001', kind: 'face', userId: 'alice', status: 'passed', code: 0, message: '成功', billableCount: 1, identity: { name: '张小宝', idCard: '11204416541220243X' } },
  AT,
).body
const at = (seconds: number) => () => new Date(AT.getTime() + seconds * 1000)

function refusal(fn: () => unknown): WebhookVerificationFailure {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError)
    expect((error as WebhookVerificationError).status).toBe(400)
    return (error as WebhookVerificationError).reason
  }
  throw new Error('not refused')
}

describe('verifyWebhook', () => {
  const headers = { 'content-type': 'application/json', 'faceid-signature': signatureHeader(body, [NEW], AT) }

  it('accepts the body as signed and returns the event', () => {
    const event = verifyWebhook(body, headers, NEW, { now: at(0) })
    expect(event).toMatchObject({ type: 'verification.passed', data: { token: 'B1D2E3F4-0000-4000-8000-000000000001', status: 'passed', code: 0, billable: true } })
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/)
    // A Buffer, a Fetch Headers and any header case work as well.
    expect(verifyWebhook(Buffer.from(body), new Headers({ 'FaceID-Signature': headers['faceid-signature'] }), NEW, { now: at(0) }).id).toBe(event.id)
    expect(verifyWebhook(body, { 'FaceID-Signature': headers['faceid-signature'] }, [NEW], { now: at(0) }).id).toBe(event.id)
  })

  it('masks the identity in the body whatever it was given', () => {
    expect(body).not.toContain('张小宝')
    expect(body).not.toContain('11204416541220243X')
    expect(JSON.parse(body).data.identity).toEqual({ name: '*小宝', idCard: '1120**********243X' })
  })

  it('refuses a forged body, a forged signature and the wrong secret', () => {
    const tampered = body.replace('"status":"passed"', '"status":"failed"')
    expect(tampered).not.toBe(body)
    expect(refusal(() => verifyWebhook(tampered, headers, NEW, { now: at(0) }))).toBe('signature_mismatch')
    const t = Math.floor(AT.getTime() / 1000)
    const forged = `t=${t},v1=${computeSignature('an-attackers-guess-0123456789abcdef', t, body)}`
    expect(refusal(() => verifyWebhook(body, { 'faceid-signature': forged }, NEW, { now: at(0) }))).toBe('signature_mismatch')
    expect(refusal(() => verifyWebhook(body, headers, OLD, { now: at(0) }))).toBe('signature_mismatch')
    // The timestamp is signed too: moving it forward (to pass the window) breaks the signature.
    const moved = headers['faceid-signature'].replace(`t=${t}`, `t=${t + 3600}`)
    expect(refusal(() => verifyWebhook(body, { 'faceid-signature': moved }, NEW, { now: at(3600) }))).toBe('signature_mismatch')
  })

  it('refuses a stale or a future timestamp outside the tolerance, and accepts one inside it', () => {
    expect(verifyWebhook(body, headers, NEW, { now: at(299) }).type).toBe('verification.passed')
    expect(refusal(() => verifyWebhook(body, headers, NEW, { now: at(301) }))).toBe('timestamp_outside_tolerance')
    expect(refusal(() => verifyWebhook(body, headers, NEW, { now: at(-301) }))).toBe('timestamp_outside_tolerance')
    expect(verifyWebhook(body, headers, NEW, { now: at(1000), toleranceSeconds: 1200 }).type).toBe('verification.passed')
    expect(refusal(() => verifyWebhook(body, headers, NEW, { now: at(31), toleranceSeconds: 30 }))).toBe('timestamp_outside_tolerance')
  })

  it('refuses missing, doubled and malformed signature headers and a parsed body', () => {
    expect(refusal(() => verifyWebhook(body, {}, NEW, { now: at(0) }))).toBe('missing_signature')
    expect(refusal(() => verifyWebhook(body, { 'faceid-signature': [headers['faceid-signature'], headers['faceid-signature']] }, NEW, { now: at(0) }))).toBe('missing_signature')
    expect(refusal(() => verifyWebhook(body, { 'faceid-signature': 'v1=abc' }, NEW, { now: at(0) }))).toBe('malformed_signature')
    expect(refusal(() => verifyWebhook(body, { 'faceid-signature': `t=${Math.floor(AT.getTime() / 1000)}` }, NEW, { now: at(0) }))).toBe('malformed_signature')
    expect(refusal(() => verifyWebhook(body, { 'faceid-signature': 't=abc,v1=' + 'a'.repeat(64) }, NEW, { now: at(0) }))).toBe('malformed_signature')
    expect(refusal(() => verifyWebhook(JSON.parse(body) as string, headers, NEW, { now: at(0) }))).toBe('malformed_body')
    expect(() => verifyWebhook(body, headers, [], { now: at(0) })).toThrow(TypeError)
  })

  it('during a rotation: the sender signs with both secrets, a receiver with either accepts', () => {
    const both = { 'faceid-signature': signatureHeader(body, [NEW, OLD], AT) }
    expect(both['faceid-signature'].match(/v1=/g)).toHaveLength(2)
    expect(verifyWebhook(body, both, OLD, { now: at(0) }).type).toBe('verification.passed')
    expect(verifyWebhook(body, both, NEW, { now: at(0) }).type).toBe('verification.passed')
    // A receiver rotating first holds both; a sender still on the old secret passes.
    const oldOnly = { 'faceid-signature': signatureHeader(body, [OLD], AT) }
    expect(verifyWebhook(body, oldOnly, [NEW, OLD], { now: at(0) }).type).toBe('verification.passed')
    // Once the old secret is dropped, what it alone signs is refused.
    expect(refusal(() => verifyWebhook(body, oldOnly, NEW, { now: at(0) }))).toBe('signature_mismatch')
  })
})
