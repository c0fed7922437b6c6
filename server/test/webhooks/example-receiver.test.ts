/**
 * examples/webhook-receiver.ts against a real kit and the emulator: a verification that turns
 * final reaches the receiver signed, once, with the masked identity; the receiver refuses forged
 * and replayed requests, acknowledges a repeated event without handling it again, and a failure
 * of its own business logic makes the kit deliver again.
 */
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createWebhookReceiver } from '../../examples/webhook-receiver.js'
import { createEmulator, SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { createFaceidKit, generateDataKey, signatureHeader, type WebhookEvent } from '../../src/index.js'

const SECRET = 'example-receiver-secret-0123456789abcdef'
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for: ${what}`)
}

describe('examples/webhook-receiver.ts', () => {
  it('receives the signed event of a verification that became final, once', async () => {
    const events: WebhookEvent[] = []
    let calls = 0
    const receiver = createWebhookReceiver({
      secrets: [SECRET],
      onEvent: (event) => {
        calls += 1
        // The partner's own logic fails once: the kit must deliver again.
        if (calls === 1) throw new Error('database busy')
        events.push(event)
      },
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())))
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/faceid-webhooks`

    const emulator = createEmulator({ logger: false })
    const endpoint = (await emulator.listen(0, '127.0.0.1')).url
    closers.push(() => emulator.close())
    const kit = await createFaceidKit({
      ...SANDBOX_CREDENTIAL,
      endpoint,
      ruleId: '1',
      dataKey: generateDataKey(),
      database: { dataDir: 'memory' },
      resolveUser: () => undefined,
      sweeper: false,
      billPull: false,
      logger: false,
      webhooks: { endpoints: [{ url, secret: SECRET }], intervalSeconds: 0.02, retryBaseSeconds: 0.01, retryMaxSeconds: 0.05 },
    })
    closers.push(() => kit.close())

    const { token } = await kit.verifier.issue('face', { userId: 'u1', identity: { name: '张小宝', idCard: '11204416541220243X' } })
    emulator.complete(token, { outcome: 'passed' })
    await kit.verifier.refresh((await kit.ledger.get(token))!)
    await until('the event handled', () => events.length === 1)
    expect(calls).toBe(2)
    expect(events[0]).toMatchObject({
      type: 'verification.passed',
      data: { token, kind: 'face', userId: 'u1', status: 'passed', code: 0, identity: { name: '*小宝', idCard: '1120**********243X' } },
    })
    expect(JSON.stringify(events[0])).not.toContain('11204416541220243X')
    // The receiver has answered; the sender records the delivery right after.
    await until('the delivery recorded', async () => (await kit.jobs.webhooks!.health())[0]?.delivered === 1)
    const [health] = await kit.jobs.webhooks!.health()
    expect(health).toMatchObject({ url, pending: 0, delivered: 1, failed: 0, failing: false })

    // The same event again (a redelivery): acknowledged, not handled twice.
    const body = JSON.stringify(events[0])
    const post = (headers: Record<string, string>, payload = body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload })
    expect((await post({ 'faceid-signature': signatureHeader(body, [SECRET]) })).status).toBe(200)
    expect(calls).toBe(2)
    // Forged, tampered and replayed requests are refused.
    const forged = await post({ 'faceid-signature': signatureHeader(body, ['not-the-secret-0123456789abcdef0123']) })
    expect([forged.status, await forged.json()]).toEqual([400, { error: 'signature_mismatch' }])
    const tampered = await post({ 'faceid-signature': signatureHeader(body, [SECRET]) }, body.replace('"passed"', '"failed"'))
    expect(tampered.status).toBe(400)
    const replayed = await post({ 'faceid-signature': signatureHeader(body, [SECRET], new Date(Date.now() - 3600_000)) })
    expect([replayed.status, await replayed.json()]).toEqual([400, { error: 'timestamp_outside_tolerance' }])
    expect((await post({})).status).toBe(400)
    expect(calls).toBe(2)
  }, 60_000)
})
