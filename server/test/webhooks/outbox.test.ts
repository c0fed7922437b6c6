/**
 * The outbox is written in the same transaction as the final result, on both engines: one event
 * per token and endpoint when it turns final (by a fetch or by giving up), none before, never
 * twice, none without endpoints, and no final row without its event when the event cannot be written.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import { Keyring } from '../../src/privacy/data-keys.js'
import { reconciliationEvent } from '../../src/webhooks/events.js'
import { createTestDatabase, ENGINES, resetDatabase, type TestDatabase } from '../support/postgres-db.js'
import { fetchResult, ID_CARD, issue, NAME, T0, token } from './support.js'

const ENDPOINTS = ['https://a.example.com/hooks', 'partner-b']

describe.each(ENGINES)('the webhook outbox (%s)', (engine) => {
  let database: TestDatabase
  let db: Database
  let ledger: Ledger

  beforeAll(async () => {
    database = await createTestDatabase(engine)
    db = await database.open()
    ledger = await Ledger.open(db, { keyring: Keyring.dev(), webhookEndpoints: ENDPOINTS })
  }, 120_000)
  afterAll(async () => database?.drop())

  const rows = () => db.queries.selectFrom('faceid_webhook_outbox').selectAll().orderBy('id').execute()

  it('writes one event per endpoint when a fetch makes a token final, none before, never twice', async () => {
    await resetDatabase(db)
    await issue(ledger, token(1))
    await fetchResult(ledger, token(1), 2016, false)
    expect(await rows()).toHaveLength(0)
    await fetchResult(ledger, token(1), 0, true)
    // A slower concurrent fetch finishing afterwards changes nothing and writes nothing.
    await fetchResult(ledger, token(1), 0, true)
    const written = await rows()
    expect(written.map((r) => r.endpoint).sort()).toEqual([...ENDPOINTS].sort())
    expect(new Set(written.map((r) => r.event_id)).size).toBe(1)
    const body = JSON.parse(written[0]!.body)
    expect(body).toMatchObject({
      id: written[0]!.event_id,
      type: 'verification.passed',
      data: { token: token(1), kind: 'face', userId: 'alice', status: 'passed', code: 0, billable: true, billableCount: 1, identity: { name: '*小宝', idCard: '1120**********243X' } },
    })
    for (const r of written) {
      expect(r.body).toBe(written[0]!.body)
      expect(r.state).toBe('pending')
      expect(r.token).toBe(token(1))
      expect(r.body).not.toContain(NAME)
      expect(r.body).not.toContain(ID_CARD)
    }
  })

  it('writes the expired event when the sweeper gives a token up, with the stored identity masked', async () => {
    await resetDatabase(db)
    const issuedAt = new Date(T0.getTime() - 4 * 24 * 3_600_000)
    await issue(ledger, token(2), 'bob', issuedAt)
    await issue(ledger, token(3), 'carol', issuedAt)
    // token 2 had a failed attempt stored; token 3 never had a result.
    await fetchResult(ledger, token(2), 2016, false, new Date(issuedAt.getTime() + 60_000))
    const claimed = await ledger.claimDue({ owner: 'sweeper-1', now: T0, leaseMs: 60_000, limit: 10, firstFetchAfterMs: 0 })
    expect(claimed.map((c) => c.token).sort()).toEqual([token(2), token(3)])
    await ledger.giveUp(token(2), 'sweeper-1', 'gave up past retention: InternalError')
    await ledger.giveUp(token(3), 'sweeper-1', 'gave up past retention: InternalError')
    await ledger.giveUp(token(3), 'sweeper-1', 'again')
    const bodies = (await rows()).filter((r) => r.endpoint === 'partner-b').map((r) => JSON.parse(r.body))
    expect(bodies.map((b) => [b.data.token, b.type, b.data.status, b.data.code])).toEqual([
      [token(2), 'verification.failed', 'failed', 2016],
      [token(3), 'verification.expired', 'expired', null],
    ])
    expect(bodies[0].data.identity).toEqual({ name: '*小宝', idCard: '1120**********243X' })
    expect(bodies[1].data.identity).toBeNull()
  })

  it('writes nothing without endpoints', async () => {
    await resetDatabase(db)
    const plain = await Ledger.open(db, { keyring: Keyring.dev() })
    await issue(plain, token(4))
    await fetchResult(plain, token(4), 0, true)
    expect((await plain.get(token(4)))?.final).toBe(true)
    expect(await rows()).toHaveLength(0)
  })

  it('writes a reconciliation event once however often the day is reconciled', async () => {
    await resetDatabase(db)
    const d = { kind: 'count_mismatch', token: token(5), ruleId: '1', ours: 1, tencent: 2 }
    await ledger.recordEvents([reconciliationEvent('2026-03-02', d, T0)])
    await ledger.recordEvents([reconciliationEvent('2026-03-02', d, new Date(T0.getTime() + 3_600_000))])
    const written = await rows()
    expect(written).toHaveLength(ENDPOINTS.length)
    expect(JSON.parse(written[0]!.body)).toMatchObject({ type: 'reconciliation.discrepancy', data: { date: '2026-03-02', discrepancy: d } })
  })

  it('leaves the token open when its event cannot be written: result and event commit together', async () => {
    const fresh = await createTestDatabase(engine)
    try {
      const fdb = await fresh.open()
      const l = await Ledger.open(fdb, { keyring: Keyring.dev(), webhookEndpoints: ENDPOINTS })
      await issue(l, token(6))
      await sql`DROP TABLE faceid_webhook_outbox`.execute(fdb.queries)
      await expect(fetchResult(l, token(6), 0, true)).rejects.toThrow()
      const row = await l.get(token(6))
      expect(row).toMatchObject({ final: false, status: 'pending', fetchCount: 0 })
    } finally {
      await fresh.drop()
    }
  }, 120_000)
})
