/**
 * The ledger on both engines: the same schema and queries on PGlite and on a PostgreSQL server.
 */
import type { TokenKind, UpstreamResult, VerificationResult } from '@faceid-kit/shared'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/database.js'
import { ConfigurationError } from '../../src/errors/index.js'
import { Keyring } from '../../src/privacy/data-keys.js'
import { Ledger } from '../../src/store/ledger.js'
import { MIGRATIONS, migrate } from '../../src/store/migrations/index.js'
import { createTestDatabase, ENGINES, POSTGRES_URL, resetDatabase, type TestDatabase } from '../support/postgres-db.js'

describe.skipIf(POSTGRES_URL)('ledger on PostgreSQL', () => {
  it.skip('skipped: set TEST_DATABASE_URL to run the ledger tests on PostgreSQL too', () => undefined)
})

const T0 = new Date('2025-03-03T02:00:00Z')
/** A kind no built-in flow has; the shared `TokenKind` names only the built-in ones. */
const H5 = 'h5' as TokenKind
const token = (i: number) => `B1D2E3F4-0000-4000-8000-${String(i).padStart(12, '0')}`

function outcome(status: VerificationResult['status'], final: boolean, code?: number) {
  const result: VerificationResult = { token: 'x', kind: 'face', status, updatedAt: T0.toISOString() }
  if (code !== undefined) result.code = code
  const raw: UpstreamResult = code === undefined ? {} : { Text: { ErrCode: code, LivenessDetail: [] } }
  return { result, raw, billableCount: code === undefined ? 0 : 1, final }
}

describe.each(ENGINES)('ledger (%s)', (engine) => {
  let database: TestDatabase
  let db: Database
  let ledger: Ledger
  beforeAll(async () => {
    database = await createTestDatabase(engine)
    db = await database.open()
    ledger = await Ledger.open(db)
  }, 120_000)
  afterAll(async () => {
    await database?.drop()
  })
  beforeEach(async () => {
    await resetDatabase(db)
  })

  it('applies every migration once, also when instances start together', async () => {
    const others = await Promise.all([database.open(), database.open()])
    const applied = await Promise.all([migrate(db), ...others.map((o) => migrate(o))])
    expect(applied.flat()).toEqual([])
    const { rows } = await db.query<{ version: number }>('SELECT version FROM faceid_migrations ORDER BY version')
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    // Versions only grow: a migration is never inserted before a shipped one.
    expect(MIGRATIONS.map((m) => m.version)).toEqual([...MIGRATIONS.map((m) => m.version)].sort((a, b) => a - b))
  })

  it('stores, reads back and scopes tokens to their owner', async () => {
    await ledger.insert({ token: token(1), kind: 'face', userId: 'alice', ruleId: '1', issuedAt: T0, expiresAt: new Date(T0.getTime() + 7_200_000), requestId: 'r1' })
    const record = await ledger.get(token(1))
    expect(record).toMatchObject({ token: token(1), kind: 'face', userId: 'alice', ruleId: '1', status: 'pending', final: false, fetchCount: 0, requestId: 'r1' })
    expect(record!.issuedAt.toISOString()).toBe(T0.toISOString())
    expect(await ledger.getForUser(token(1), 'alice')).toBeDefined()
    expect(await ledger.getForUser(token(1), 'mallory')).toBeUndefined()
    expect(await ledger.getForUser(token(1), 'alice', 'eid')).toBeUndefined()
    await expect(ledger.insert({ token: token(1), kind: 'face', userId: 'bob', issuedAt: T0, expiresAt: T0 })).rejects.toThrow()
    expect(await ledger.count()).toBe(1)
  })

  it('writes concurrent inserts as one statement, and a bad row fails only its own caller', async () => {
    let inserts = 0
    const counting: Database = { ...db, query: (sql, params) => ((inserts += Number(/^\s*INSERT INTO faceid_tokens/.test(sql))), db.query(sql, params)) }
    const batched = await Ledger.open(counting, { keyring: ledger.keyring })
    const rows = Array.from({ length: 30 }, (_, i) => ({ token: token(100 + i), kind: 'face' as const, userId: `u${i}`, issuedAt: T0, expiresAt: T0 }))
    await Promise.all(rows.map((r) => batched.insert(r)))
    expect(await ledger.count()).toBe(30)
    expect(inserts).toBeLessThanOrEqual(2)

    // A duplicate token in the middle of a concurrent batch.
    inserts = 0
    const next = Array.from({ length: 10 }, (_, i) => ({ token: token(200 + i), kind: 'eid' as const, userId: 'v', issuedAt: T0, expiresAt: T0 }))
    const outcomes = await Promise.allSettled([...next.slice(0, 5), { ...next[0]!, token: token(100) }, ...next.slice(5)].map((r) => batched.insert(r)))
    expect(outcomes.map((o) => o.status)).toEqual([...Array(5).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')])
    expect(await ledger.count()).toBe(40)
    expect((await ledger.get(token(100)))?.userId).toBe('u0')
  })

  it('records fetches, and never lets a stale fetch overwrite a final result', async () => {
    await ledger.insert({ token: token(2), kind: 'face', userId: 'alice', issuedAt: T0, expiresAt: T0 })
    await ledger.recordFetch(token(2), outcome('pending', false), T0)
    await ledger.recordFetch(token(2), outcome('passed', true, 0), new Date(T0.getTime() + 2000))
    // A slower fetch that started earlier finishes last.
    await ledger.recordFetch(token(2), outcome('pending', false), new Date(T0.getTime() + 1000))
    expect(await ledger.get(token(2))).toMatchObject({ status: 'passed', code: 0, final: true, billableCount: 1, fetchCount: 2 })
  })

  it('rolls a failed transaction back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await ledger.insert({ token: token(3), kind: 'eid', userId: 'alice', issuedAt: T0, expiresAt: T0 }, tx)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await ledger.get(token(3))).toBeUndefined()
  })

  it('schedules and leases tokens for the sweeper', async () => {
    for (let i = 10; i < 15; i++) await ledger.insert({ token: token(i), kind: 'face', userId: 'u', issuedAt: new Date(T0.getTime() + i * 1000), expiresAt: T0 })
    const now = new Date(T0.getTime() + 120_000)
    expect(await ledger.sweepCounts(now, 60_000)).toEqual({ open: 5, due: 5, leased: 0 })
    const claimed = await ledger.claimDue({ owner: 'a', now, leaseMs: 60_000, limit: 2, firstFetchAfterMs: 60_000 })
    expect(claimed.map((c) => c.token)).toEqual([token(10), token(11)])
    expect(claimed[0]!.leaseUntil.getTime()).toBe(now.getTime() + 60_000)
    expect(await ledger.sweepCounts(now, 60_000)).toEqual({ open: 5, due: 3, leased: 2 })
    await ledger.releaseClaim(token(10), 'a', { attempted: true, nextAttemptAt: new Date(now.getTime() + 600_000), error: 'InternalError' })
    await ledger.releaseClaim(token(11), 'a', { attempted: false, nextAttemptAt: null })
    expect(await ledger.sweepCounts(now, 60_000)).toEqual({ open: 5, due: 4, leased: 0 })
    const again = await ledger.claimDue({ owner: 'b', now, leaseMs: 60_000, limit: 10, firstFetchAfterMs: 60_000 })
    expect(again.map((c) => c.token)).toEqual([token(11), token(12), token(13), token(14)])
    const later = await ledger.claimDue({ owner: 'b', now: new Date(now.getTime() + 600_000), leaseMs: 60_000, limit: 10, firstFetchAfterMs: 60_000 })
    // b's leases have lapsed by then too: everything open is due again, the retried one first.
    expect(later.map((c) => [c.token, c.sweepAttempts])).toEqual([[token(10), 1], [token(11), 0], [token(12), 0], [token(13), 0], [token(14), 0]])
    await ledger.giveUp(token(10), 'b', 'gave up')
    expect(await ledger.get(token(10))).toMatchObject({ final: true, status: 'expired' })
  })
  it('refuses a kind it was not opened with, before writing anything', async () => {
    const h5 = { token: token(20), kind: H5, userId: 'alice', issuedAt: T0, expiresAt: T0 }
    await expect(ledger.insert(h5)).rejects.toBeInstanceOf(ConfigurationError)
    await expect(db.transaction((tx) => ledger.insert(h5, tx))).rejects.toBeInstanceOf(ConfigurationError)
    // A refused kind in a concurrent batch fails only its own caller.
    const outcomes = await Promise.allSettled([ledger.insert({ ...h5, token: token(21), kind: 'face' }), ledger.insert(h5), ledger.insert({ ...h5, token: token(22), kind: 'eid' })])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await ledger.get(token(20))).toBeUndefined()
    expect(await ledger.count()).toBe(2)

    // The check is the ledger's list, not the schema's: a ledger of face tokens only refuses eid.
    const faceOnly = await Ledger.open(db, { keyring: ledger.keyring, kinds: ['face'] })
    await expect(faceOnly.insert({ ...h5, token: token(23), kind: 'eid' })).rejects.toThrow(/"eid" is not registered/)
    await expect(Ledger.open(db, { keyring: ledger.keyring, kinds: [] })).rejects.toBeInstanceOf(ConfigurationError)
    await expect(Ledger.open(db, { keyring: ledger.keyring, kinds: ['face', ''] })).rejects.toBeInstanceOf(ConfigurationError)
  })

  it('stores a kind registered with it, with no schema change', async () => {
    const withH5 = await Ledger.open(db, { keyring: ledger.keyring, kinds: ['face', 'eid', 'h5'] })
    await withH5.insert({ token: token(30), kind: H5, userId: 'alice', issuedAt: T0, expiresAt: new Date(T0.getTime() + 60_000) })
    await db.transaction((tx) => withH5.insert({ token: token(31), kind: H5, userId: 'bob', issuedAt: T0, expiresAt: T0 }, tx))
    expect(await withH5.get(token(30))).toMatchObject({ kind: 'h5', userId: 'alice', status: 'pending' })
    expect(await withH5.getForUser(token(31), 'bob', H5)).toMatchObject({ kind: 'h5' })
    expect(await withH5.findReusable('alice', H5, T0)).toMatchObject({ token: token(30) })
    // Any ledger reads it back; only inserting is limited to the registered kinds.
    expect((await ledger.get(token(30)))?.kind).toBe('h5')
    const { rows } = await db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'faceid_tokens'::regclass AND contype = 'c'`,
    )
    expect(rows.map((r) => r.def).filter((d) => /\bkind\b/.test(d))).toEqual([])
  })
})

describe.each(ENGINES)('migrating a ledger of an older version (%s)', (engine) => {
  it('drops the kind constraint and keeps its tokens', async () => {
    const database = await createTestDatabase(engine)
    try {
      const db = await database.open()
      // The schema as version 7 left it, with a token in it.
      await db.transaction(async (tx) => {
        await tx.exec('CREATE TABLE faceid_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())')
        for (const m of MIGRATIONS.filter((m) => m.version <= 7)) {
          await tx.exec(m.sql)
          await tx.query('INSERT INTO faceid_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
        }
      })
      await db.query(`INSERT INTO faceid_tokens (token, kind, user_id, issued_at, expires_at) VALUES ($1, 'face', 'alice', $2, $2)`, [token(1), T0])
      await expect(db.query(`INSERT INTO faceid_tokens (token, kind, user_id, issued_at, expires_at) VALUES ($1, 'h5', 'alice', $2, $2)`, [token(2), T0])).rejects.toThrow(/check constraint/)

      expect(await migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version > 7).map((m) => m.version))
      const ledger = await Ledger.open(db, { keyring: Keyring.dev(), kinds: ['face', 'eid', 'h5'] })
      await ledger.insert({ token: token(2), kind: H5, userId: 'alice', issuedAt: T0, expiresAt: T0 })
      expect((await ledger.listForReconciliation(T0, new Date(T0.getTime() + 1))).map((r) => [r.token, r.kind])).toEqual([
        [token(1), 'face'],
        [token(2), 'h5'],
      ])
    } finally {
      await database.drop()
    }
  }, 120_000)
})

describe.runIf(POSTGRES_URL)('a PostgreSQL connection closed by the server', () => {
  it('is reported, discarded and replaced instead of crashing the process', async () => {
    const database = await createTestDatabase('postgres')
    const errors: Error[] = []
    const { openDatabase } = await import('../../src/store/database.js')
    const db = await openDatabase({ url: database.url, onConnectionError: (e) => errors.push(e) })
    try {
      const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      // What a server restart or an admin does to an idle pooled connection.
      const admin = await openDatabase({ url: POSTGRES_URL })
      await admin.query('SELECT pg_terminate_backend($1)', [pid])
      await admin.close()
      await expect.poll(() => errors.length).toBe(1)
      expect((errors[0] as Error & { code?: string }).code).toBe('57P01')
      expect((await db.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    } finally {
      await db.close()
      await database.drop()
    }
  })
})
