/**
 * Delivery against a real receiving server that fails about 30 % of requests with 500, leaves
 * some hanging past the sender's timeout, and is down for a while: two sender instances on one
 * ledger deliver every event, never the same event twice at once, and each token's events in
 * order, on both engines. Counts and orders only: no timing is asserted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import { Keyring } from '../../src/privacy/data-keys.js'
import { createWebhookDelivery, type WebhookDelivery } from '../../src/jobs/webhook-delivery.js'
import { reconciliationEvent } from '../../src/webhooks/events.js'
import { createTestDatabase, ENGINES, resetDatabase, type TestDatabase } from '../support/postgres-db.js'
import { mulberry32, startReceiver, type Receiver } from './receiver.js'
import { fetchResult, issue, T0, token } from './support.js'

const SECRET = 'delivery-test-secret-0123456789abcdef'
const TOKENS = 25
const PATHS = ['/a', '/b']

async function until(what: string, check: () => Promise<boolean> | boolean, limit = 2000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for: ${what}`)
}

describe.each(ENGINES)('webhook delivery to an unreliable receiver (%s)', (engine) => {
  let database: TestDatabase
  let db: Database
  let receiver: Receiver | undefined
  const senders: WebhookDelivery[] = []

  beforeAll(async () => {
    database = await createTestDatabase(engine)
    db = await database.open()
  }, 120_000)
  afterEach(async () => {
    for (const s of senders.splice(0)) await s.stop()
    await receiver?.close()
  })
  afterAll(async () => database?.drop())

  it('delivers every event, one delivery of an event at a time, in order per token', async () => {
    await resetDatabase(db)
    // Created before the ledger writes, so the endpoint ids (URLs) are known.
    const expectedOrder = new Map<string, string[]>()
    receiver = await startReceiver({ secrets: [SECRET], failRate: 0.3, hangRate: 0.06, random: mulberry32(7), expectedOrder })
    const endpoints = PATHS.map((p) => ({ url: receiver!.url + p, secret: SECRET }))
    const ledger = await Ledger.open(db, { keyring: Keyring.dev(), webhookEndpoints: endpoints.map((e) => e.url) })
    for (let i = 0; i < TOKENS; i++) {
      await issue(ledger, token(i))
      await fetchResult(ledger, token(i), i % 3 === 0 ? 2016 : 0, true)
      // Two more events for the same token, recorded after its final one.
      await ledger.recordEvents([
        reconciliationEvent('2026-03-02', { kind: 'count_mismatch', token: token(i), ruleId: '1', ours: 1, tencent: 2 }, T0),
        reconciliationEvent('2026-03-02', { kind: 'charged_free_code', token: token(i), ruleId: '1', seq: `s${i}`, errorCode: 1001 }, T0),
      ])
    }
    const rows = await db.queries.selectFrom('faceid_webhook_outbox').select(['event_id', 'endpoint', 'token']).orderBy('id').execute()
    expect(rows).toHaveLength(TOKENS * 3 * PATHS.length)
    for (const r of rows) {
      const key = `${new URL(r.endpoint).pathname} ${r.token}`
      expectedOrder.set(key, [...(expectedOrder.get(key) ?? []), r.event_id])
    }

    // A second instance on its own connection where the engine allows it (PostgreSQL: another pool).
    const db2 = engine === 'postgres' ? await database.open() : db
    // Both instances send through this: it sees every attempt from its start until the sender
    // has its answer or has aborted it, so two attempts of one event at once would show here.
    let refused = 0
    let maxAttemptsAtOnce = 0
    const attempting = new Map<string, number>()
    const counting: typeof fetch = async (input, init) => {
      const key = `${String(input)} ${(init?.headers as Record<string, string>)['faceid-event-id']}`
      const n = (attempting.get(key) ?? 0) + 1
      attempting.set(key, n)
      maxAttemptsAtOnce = Math.max(maxAttemptsAtOnce, n)
      try {
        return await fetch(input, init)
      } catch (error) {
        if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') refused += 1
        throw error
      } finally {
        attempting.set(key, attempting.get(key)! - 1)
      }
    }
    for (const [i, d] of [db, db2].entries()) {
      const sender = createWebhookDelivery({
        db: d,
        endpoints,
        owner: `sender-${i}`,
        // The events are dated in the past (T0): the window must not close on them here.
        deliveryWindowMs: 10 * 365 * 24 * 3_600_000,
        keepFinishedMs: 10 * 365 * 24 * 3_600_000,
        attemptTimeoutMs: 250,
        leaseMs: 2000,
        baseDelayMs: 10,
        maxDelayMs: 150,
        intervalMs: 15,
        batchSize: 4,
        concurrency: 3,
        fetch: counting,
      })
      senders.push(sender)
      sender.start()
    }

    const acceptedCount = () => receiver!.accepted.size
    await until('a third of the deliveries', () => acceptedCount() >= rows.length / 3)
    await receiver.down()
    const acceptedWhileUp = acceptedCount()
    await until('refused attempts while the receiver is down', () => refused >= 10)
    expect(acceptedCount()).toBe(acceptedWhileUp)
    await receiver.up()
    await until('every event delivered', async () => {
      const left = await db.queries.selectFrom('faceid_webhook_outbox').select('id').where('state', '!=', 'delivered').limit(1).execute()
      return left.length === 0
    })

    // Every event reached its endpoint.
    expect(new Set(receiver.accepted.keys())).toEqual(new Set(rows.map((r) => `${new URL(r.endpoint).pathname} ${r.event_id}`)))
    // Never the same event twice at once, never a token's event before its predecessor was accepted.
    expect(maxAttemptsAtOnce).toBe(1)
    expect(receiver.stats.maxInFlightPerEvent).toBe(1)
    expect(receiver.stats.outOfOrder).toBe(0)
    for (const [key, order] of expectedOrder) expect(receiver.orderByToken.get(key)).toEqual(order)
    expect(receiver.stats.badSignatures).toBe(0)
    // The receiver was as unkind as promised.
    expect(receiver.stats.failed).toBeGreaterThan(rows.length / 10)
    expect(receiver.stats.hung).toBeGreaterThan(0)
    expect(refused).toBeGreaterThanOrEqual(10)
    const health = await senders[0]!.health()
    expect(health.map((h) => [h.url, h.pending, h.delivered, h.failed])).toEqual(endpoints.map((e) => [e.url, 0, TOKENS * 3, 0]))
  }, 180_000)

  it('gives up an event after the delivery window and reports the endpoint as failing', async () => {
    await resetDatabase(db)
    // The sender's clock runs ahead of the receiver's here: no tolerance check.
    receiver = await startReceiver({ secrets: [SECRET], failRate: 1, toleranceSeconds: 1e9 })
    const url = receiver.url + '/always-500'
    const ledger = await Ledger.open(db, { keyring: Keyring.dev(), webhookEndpoints: [url] })
    await issue(ledger, token(900))
    await fetchResult(ledger, token(900), 0, true)
    const warnings: Array<{ obj: object; msg: string | undefined }> = []
    // A business clock the test moves 3 minutes per pass: the 10-minute window ends after a few attempts.
    let clock = T0.getTime() + 60_000
    const sender = createWebhookDelivery({
      db,
      endpoints: [{ url, secret: SECRET }],
      deliveryWindowMs: 10 * 60_000,
      now: () => new Date(clock),
      baseDelayMs: 1,
      maxDelayMs: 1,
      failureReportAfter: 3,
      logger: { info: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }) },
    })
    senders.push(sender)
    for (let i = 0; i < 20; i++) {
      await sender.runOnce()
      clock += 3 * 60_000
    }
    const [row] = await db.queries.selectFrom('faceid_webhook_outbox').selectAll().execute()
    expect(row).toMatchObject({ state: 'failed', last_error: 'HTTP 500' })
    // Not retried forever: a handful of attempts within the window, then none.
    expect(receiver.stats.requests).toBe(row!.attempts)
    // Attempts at 0, 3, 6, 9 and 12 minutes: the last one, past the window, fails it for good.
    expect(row!.attempts).toBe(5)
    expect(warnings.map((w) => w.msg)).toEqual(['webhook endpoint failing; events are kept and retried', 'webhook event given up after the delivery window'])
    const [health] = await sender.health()
    expect(health).toMatchObject({ url, pending: 0, delivered: 0, failed: 1, lastError: 'HTTP 500' })
  }, 60_000)
})
