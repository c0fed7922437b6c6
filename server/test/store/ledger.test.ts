/**
 * The ledger's contract, on every engine: the same queries on the embedded SQLite and on a
 * PostgreSQL server keep the same promises (migrations, owner scoping, final results never
 * overwritten, the sweeper's leases, issuance limits, key rotation, retention).
 */
import type { TokenKind, UpstreamResult, VerificationResult } from '@faceid-kit/shared'
import { sql, type KyselyPlugin } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RECENT_ANSWER_MS, type Database } from '../../src/store/database.js'
import { ConfigurationError, LedgerUnavailableError } from '../../src/errors/index.js'
import { DataKeyError, fingerprint, Keyring } from '../../src/privacy/data-keys.js'
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
const NAME = '张小宝'
const ID_CARD = '11204416541220243X'
const key = (byte: number) => ({ id: fingerprint(Buffer.alloc(32, byte)), key: Buffer.alloc(32, byte) })

/** A row as the engine stores it, every column, as text: what someone reading the database sees. */
async function rowText(db: Database, t: string): Promise<string> {
  return JSON.stringify(await db.queries.selectFrom('faceid_tokens').selectAll().where('token', '=', t).executeTakeFirstOrThrow())
}

/** Counts the INSERT statements into faceid_tokens that reach the database. */
/** Counts the statements executed that write rows (the batcher compiles each size of INSERT once, so compiling says nothing). */
function countInserts(): { plugin: KyselyPlugin; count(): number; reset(): void } {
  let n = 0
  return {
    plugin: {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => {
        if (result.numAffectedRows !== undefined) n += 1
        return result
      },
    },
    count: () => n,
    reset: () => {
      n = 0
    },
  }
}

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
    const rows = await db.queries.selectFrom('faceid_migrations').select('version').orderBy('version').execute()
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    // Versions only grow: a migration is never inserted before a shipped one.
    expect(MIGRATIONS.map((m) => m.version)).toEqual([...MIGRATIONS.map((m) => m.version)].sort((a, b) => a - b))
  })

  it('indexes tokens only where a query reads them: each index is one more page to write per issuance', async () => {
    const list =
      engine === 'postgres'
        ? sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'faceid_tokens'`
        : sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'faceid_tokens' AND sql IS NOT NULL`
    const names = (await list.execute(db.queries)).rows.map((r) => r.name).filter((n) => n !== 'faceid_tokens_pkey')
    // Owner reuse, the sweeper, key rotation and retention, Megvii H5 returns; the per-address limit counts in faceid_issue_slots.
    expect(names.sort()).toEqual(['faceid_tokens_open', 'faceid_tokens_result_key', 'faceid_tokens_return_nonce', 'faceid_tokens_sealed_fetched', 'faceid_tokens_user_issued'])
    // Only tokens with a return nonce (Megvii H5) are in that one: a Tencent issuance writes nothing to it.
    const nonceIndex =
      engine === 'postgres'
        ? sql<{ def: string }>`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'faceid_tokens_return_nonce'`
        : sql<{ def: string }>`SELECT sql AS def FROM sqlite_master WHERE name = 'faceid_tokens_return_nonce'`
    expect((await nonceIndex.execute(db.queries)).rows[0]?.def).toMatch(/WHERE \(?return_nonce IS NOT NULL\)?$/)
    if (engine === 'sqlite') {
      // The owner index ascends (appends are cheap); a user's newest token is still read from it, backwards, with no sort.
      const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT * FROM faceid_tokens WHERE user_id = 'alice' AND kind = 'face' AND final = 0 ORDER BY issued_at DESC LIMIT 1`.execute(db.queries)
      const details = plan.rows.map((r) => r.detail).join('; ')
      expect(details).toContain('USING INDEX faceid_tokens_user_issued')
      expect(details).not.toContain('TEMP B-TREE')
      const [owner] = (await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE name = 'faceid_tokens_user_issued'`.execute(db.queries)).rows
      expect(owner?.sql).not.toMatch(/desc/i)
    }
  })

  it('stores, reads back and scopes tokens to their owner', async () => {
    await ledger.insert({ token: token(1), kind: 'face', userId: 'alice', ruleId: '1', merchantId: 'm1', clientIp: '203.0.113.9', issuedAt: T0, expiresAt: new Date(T0.getTime() + 7_200_000), requestId: 'r1' })
    const record = await ledger.get(token(1))
    expect(record).toMatchObject({ token: token(1), kind: 'face', userId: 'alice', ruleId: '1', merchantId: 'm1', clientIp: '203.0.113.9', status: 'pending', final: false, fetchCount: 0, requestId: 'r1' })
    expect(record!.issuedAt.toISOString()).toBe(T0.toISOString())
    expect(record!.expiresAt.toISOString()).toBe(new Date(T0.getTime() + 7_200_000).toISOString())
    expect(await ledger.getForUser(token(1), 'alice')).toBeDefined()
    expect(await ledger.getForUser(token(1), 'mallory')).toBeUndefined()
    expect(await ledger.getForUser(token(1), 'alice', 'eid')).toBeUndefined()
    await expect(ledger.insert({ token: token(1), kind: 'face', userId: 'bob', issuedAt: T0, expiresAt: T0 })).rejects.toThrow()
    expect(await ledger.count()).toBe(1)
  })

  it('writes concurrent inserts as one statement, and a bad row fails only its own caller', async () => {
    const inserts = countInserts()
    const counting: Database = { ...db, queries: db.queries.withPlugin(inserts.plugin) }
    const batched = await Ledger.open(counting, { keyring: ledger.keyring })
    const rows = Array.from({ length: 30 }, (_, i) => ({ token: token(100 + i), kind: 'face' as const, userId: `u${i}`, issuedAt: T0, expiresAt: T0 }))
    await Promise.all(rows.map((r) => batched.insert(r)))
    expect(await ledger.count()).toBe(30)
    expect(inserts.count()).toBeGreaterThan(0)
    expect(inserts.count()).toBeLessThanOrEqual(2)

    // A duplicate token in the middle of a concurrent batch.
    inserts.reset()
    const next = Array.from({ length: 10 }, (_, i) => ({ token: token(200 + i), kind: 'eid' as const, userId: 'v', issuedAt: T0, expiresAt: T0 }))
    const outcomes = await Promise.allSettled([...next.slice(0, 5), { ...next[0]!, token: token(100) }, ...next.slice(5)].map((r) => batched.insert(r)))
    expect(outcomes.map((o) => o.status)).toEqual([...Array(5).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')])
    expect(await ledger.count()).toBe(40)
    expect((await ledger.get(token(100)))?.userId).toBe('u0')
  })

  it('waits for rows a turn of the event loop later on SQLite, where each commit runs on the event loop', async () => {
    const inserts = countInserts()
    const counting: Database = { ...db, queries: db.queries.withPlugin(inserts.plugin) }
    const batched = await Ledger.open(counting, { keyring: ledger.keyring })
    const row = (i: number) => ({ token: token(300 + i), kind: 'face' as const, userId: 'w', issuedAt: T0, expiresAt: T0 })
    const first = batched.insert(row(0))
    // The second row comes one turn after the first, like a response read in the next poll of the sockets.
    const second = new Promise<void>((resolve, reject) => setImmediate(() => void batched.insert(row(1)).then(resolve, reject)))
    await Promise.all([first, second])
    expect(await ledger.count()).toBe(2)
    // PostgreSQL does not wait: rows queue up anyway while an insert is out.
    expect(inserts.count()).toBe(engine === 'sqlite' ? 1 : 2)
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
    // Nor does the schema name the kinds.
    const checks =
      db.engine === 'postgres'
        ? (await sql<{ def: string }>`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'faceid_tokens'::regclass AND contype = 'c'`.execute(db.queries)).rows.map((r) => r.def)
        : (await sql<{ def: string }>`SELECT sql AS def FROM sqlite_master WHERE type = 'table' AND name = 'faceid_tokens'`.execute(db.queries)).rows.flatMap((r) => r.def.match(/CHECK\s*\([^)]*\)/gi) ?? [])
    expect(checks.length).toBeGreaterThan(0)
    expect(checks.filter((d) => /\bkind\b/.test(d))).toEqual([])
  })

  it('issuance slots count a rolling hour, are given back, and keys with no recent slot are forgotten', async () => {
    const t0 = T0.getTime()
    const at = (s: number) => new Date(t0 + s * 1000)
    const take = (l: Ledger, user: string, s: number) => l.takeIssueSlots([{ scope: 'user', key: user, limit: 2 }], at(s), at(s - 3600))
    expect(await take(ledger, 'alice', 0)).toEqual({ taken: true })
    expect(await take(ledger, 'alice', 10)).toEqual({ taken: true })
    expect(await take(ledger, 'alice', 20)).toEqual({ taken: false, scope: 'user', freesAt: at(3600) })
    await ledger.releaseIssueSlot('user', 'alice', at(10))
    expect(await ledger.issueSlots('user', 'alice')).toEqual([at(0)])
    expect(await take(ledger, 'alice', 30)).toEqual({ taken: true })
    expect(await take(ledger, 'alice', 40)).toEqual({ taken: false, scope: 'user', freesAt: at(3600) })
    // The first slot leaves the hour: it no longer counts and is dropped.
    expect(await take(ledger, 'alice', 3601)).toEqual({ taken: true })
    expect(await ledger.issueSlots('user', 'alice')).toEqual([at(30), at(3601)])
    // Another instance's first slot prunes rows whose slots all left the hour.
    expect(await take(await Ledger.open(await database.open()), 'bob', 3 * 3600)).toEqual({ taken: true })
    await expect.poll(() => ledger.issueSlots('user', 'alice')).toEqual([])
    expect(await ledger.issueSlots('user', 'bob')).toEqual([at(3 * 3600)])
  })

  it('issuance slots: all keys or none, and never more than the limit under concurrency from two instances', async () => {
    const at = (s: number) => new Date(T0.getTime() + s * 1000)
    const window = (s: number) => [at(s), at(s - 3600)] as const
    // A refusing key gives back what the others took.
    expect(await ledger.takeIssueSlots([{ scope: 'user', key: 'carol', limit: 1 }], ...window(0))).toEqual({ taken: true })
    expect(await ledger.takeIssueSlots([{ scope: 'user', key: 'dave', limit: 5 }, { scope: 'user', key: 'carol', limit: 1 }, { scope: 'ip', key: '203.0.113.7', limit: 5 }], ...window(1))).toEqual({
      taken: false,
      scope: 'user',
      freesAt: at(3600),
    })
    expect(await ledger.issueSlots('user', 'dave')).toEqual([])
    expect(await ledger.issueSlots('ip', '203.0.113.7')).toEqual([])

    const other = await Ledger.open(await database.open())
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? ledger : other).takeIssueSlots([{ scope: 'user', key: `u${i % 5}`, limit: 6 }, { scope: 'ip', key: '198.51.100.1', limit: 20 }], at(10 + (i % 7)), at(10 - 3600)),
      ),
    )
    expect(outcomes.filter((o) => o.taken)).toHaveLength(20)
    const perUser = await Promise.all([0, 1, 2, 3, 4].map((u) => ledger.issueSlots('user', `u${u}`)))
    expect(perUser.every((slots) => slots.length <= 6)).toBe(true)
    expect(perUser.reduce((n, slots) => n + slots.length, 0)).toBe(20)
    expect(await ledger.issueSlots('ip', '198.51.100.1')).toHaveLength(20)
  })

  it('re-seals every result under the current key; the old key is then no longer needed', async () => {
    const sealing = await Ledger.open(db, { keyring: new Keyring(key(1)) })
    await sealing.insert({ token: token(40), kind: 'face', userId: 'alice', issuedAt: T0, expiresAt: T0 })
    const raw: UpstreamResult = { Text: { ErrCode: 0, Name: NAME, IdCard: ID_CARD, LivenessDetail: [{ ReqTime: '1', IsNeedCharge: true }] } } as UpstreamResult
    await sealing.recordFetch(token(40), { result: { token: token(40), kind: 'face', status: 'passed', code: 0, updatedAt: T0.toISOString() }, raw, billableCount: 1, final: true }, T0)
    expect(await rowText(db, token(40))).not.toContain(NAME)
    // A row stored before encryption existed: a plain result, no key id.
    const plain = 'P'.repeat(36)
    await db.queries
      .insertInto('faceid_tokens')
      .values({ token: plain, kind: 'face', user_id: 'bob', issued_at: T0, expires_at: T0, status: 'passed', code: 0, final: true, fetched_at: T0, result: JSON.stringify({ Text: { ErrCode: 0, Name: '李四', IdCard: '110101199003074512', LivenessDetail: [{ IsNeedCharge: true }] } }) })
      .execute()
    // A row under a key nobody has any more.
    const lost = 'L'.repeat(36)
    await db.queries
      .insertInto('faceid_tokens')
      .values({ token: lost, kind: 'face', user_id: 'carol', issued_at: T0, expires_at: T0, final: false, result: '{}', result_sealed: new Keyring({ id: 'lost', key: Buffer.alloc(32, 5) }).seal('{}', lost).blob, result_key_id: 'lost' })
      .execute()

    const rotating = await Ledger.open(db, { keyring: new Keyring(key(2), [key(1)]) })
    const report = await rotating.rotateKeys({ batchSize: 1 })
    expect(report).toMatchObject({ currentKeyId: key(2).id, rotated: 1, sealedPlain: 1 })
    expect(report.failed).toEqual([{ token: lost, keyId: 'lost', reason: expect.stringMatching(/not configured/) }])
    expect(await rotating.rotateKeys()).toMatchObject({ rotated: 0, sealedPlain: 0 })

    const onlyNew = await Ledger.open(db, { keyring: new Keyring(key(2)) })
    expect((await onlyNew.get(token(40)))?.result?.Text?.Name).toBe(NAME)
    expect((await onlyNew.get(plain))?.result?.Text?.Name).toBe('李四')
    expect(await onlyNew.get(plain)).toMatchObject({ status: 'passed', code: 0, final: true })
    expect(await rowText(db, plain)).not.toContain('110101199003074512')
    expect(await rowText(db, plain)).not.toContain('李四')
    const onlyOld = await Ledger.open(db, { keyring: new Keyring(key(1)) })
    await expect(onlyOld.get(token(40))).rejects.toThrow(DataKeyError)
  })

  it('purges the personal part of old final results and keeps status and billing', async () => {
    const sealing = await Ledger.open(db, { keyring: new Keyring(key(1)) })
    const raw = { Text: { ErrCode: 0, Name: NAME, IdCard: ID_CARD, LivenessDetail: [{ ReqTime: '1', IsNeedCharge: true }] } } as UpstreamResult
    const passed = { result: { token: 'x', kind: 'face' as const, status: 'passed' as const, code: 0, updatedAt: T0.toISOString() }, raw, billableCount: 1, final: true }
    for (const i of [50, 51]) await sealing.insert({ token: token(i), kind: 'face', userId: 'alice', issuedAt: T0, expiresAt: T0 })
    await sealing.recordFetch(token(50), passed, T0)
    // Not final yet: the sweeper may still need it, so it is kept whatever its age.
    await sealing.recordFetch(token(51), { ...passed, result: { ...passed.result, status: 'pending' }, final: false }, T0)
    const plain = 'P'.repeat(36)
    await db.queries
      .insertInto('faceid_tokens')
      .values({ token: plain, kind: 'face', user_id: 'bob', issued_at: T0, expires_at: T0, status: 'failed', code: 2016, final: true, fetched_at: T0, result: JSON.stringify({ Text: { ErrCode: 2016, Name: '李四', IdCard: '110101199003074512' } }) })
      .execute()

    expect(await sealing.purgePersonalData(new Date(T0.getTime() - 1000))).toBe(0)
    const purgedAt = new Date(T0.getTime() + 86_400_000)
    expect(await sealing.purgePersonalData(new Date(T0.getTime() + 1000), purgedAt)).toBe(2)

    const record = (await sealing.get(token(50)))!
    expect(record).toMatchObject({ status: 'passed', code: 0, billableCount: 1, final: true, fetchedAt: T0 })
    expect(record.result?.Text?.ErrCode).toBe(0)
    expect(record.result?.Text?.LivenessDetail).toEqual([{ ReqTime: '1', IsNeedCharge: true }])
    expect(record.result?.Text?.Name).toBeUndefined()
    for (const t of [token(50), plain]) for (const personal of [NAME, ID_CARD, '李四', '110101199003074512']) expect(await rowText(db, t)).not.toContain(personal)
    const stamped = await db.queries.selectFrom('faceid_tokens').select(['token', 'personal_data_purged_at', 'result_sealed']).orderBy('token').execute()
    expect(stamped.map((r) => [r.token, r.personal_data_purged_at === null ? null : new Date(r.personal_data_purged_at).toISOString(), r.result_sealed === null])).toEqual([
      [token(50), purgedAt.toISOString(), true],
      [token(51), null, false],
      [plain, purgedAt.toISOString(), true],
    ])
    expect(await sealing.get(plain)).toMatchObject({ status: 'failed', code: 2016, final: true, result: null })
    // The open one still reads whole.
    expect((await sealing.get(token(51)))?.result?.Text?.Name).toBe(NAME)
    // Rotation leaves purged rows alone (only the open one is re-sealed); nothing is purged twice.
    expect(await Ledger.open(db, { keyring: new Keyring(key(2), [key(1)]) }).then((l) => l.rotateKeys())).toMatchObject({ rotated: 1, sealedPlain: 0, failed: [] })
    expect(await sealing.purgePersonalData(new Date(T0.getTime() + 1000))).toBe(0)
  })
})

describe.each(ENGINES)('migrating an existing ledger (%s)', (engine) => {
  it.runIf(engine === 'postgres')('from version 7: drops the kind constraint and keeps its tokens', async () => {
    const database = await createTestDatabase(engine)
    try {
      const db = await database.open()
      // The schema as version 7 left it, with a token in it.
      await db.transaction(async (tx) => {
        await sql`CREATE TABLE faceid_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(tx)
        for (const m of MIGRATIONS.filter((m) => m.version <= 7)) {
          await sql.raw(m.postgres).execute(tx)
          await tx.insertInto('faceid_migrations').values({ version: m.version, name: m.name, applied_at: new Date() }).execute()
        }
      })
      const row = (t: string, kind: string) => ({ token: t, kind, user_id: 'alice', issued_at: T0, expires_at: T0 })
      await db.queries.insertInto('faceid_tokens').values(row(token(1), 'face')).execute()
      await expect(db.queries.insertInto('faceid_tokens').values(row(token(2), 'h5')).execute()).rejects.toThrow(/check constraint/)

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

  it.runIf(engine === 'postgres')('from version 5: issuance slots start with the tokens of the last hour', async () => {
    const database = await createTestDatabase(engine)
    try {
      const db = await database.open()
      const ledger = await Ledger.open(db)
      // The ledger as it was before issuance slots existed, holding recent and older tokens.
      await db.transaction(async (tx) => {
        await sql`DROP TABLE faceid_issue_slots`.execute(tx)
        await tx.deleteFrom('faceid_migrations').where('version', '=', 6).execute()
      })
      const now = Date.now()
      for (const [i, user, ip, agoMinutes] of [[1, 'alice', '203.0.113.7', 10], [2, 'alice', '203.0.113.7', 50], [3, 'alice', null, 70], [4, 'bob', '203.0.113.7', 5]] as const) {
        const issuedAt = new Date(now - agoMinutes * 60_000)
        await ledger.insert({ token: token(i), kind: 'face', userId: user, clientIp: ip ?? undefined, issuedAt, expiresAt: issuedAt })
      }
      expect(await migrate(db)).toEqual([6])
      expect((await ledger.issueSlots('user', 'alice')).map((d) => Math.round((now - d.getTime()) / 60_000))).toEqual([50, 10])
      expect(await ledger.issueSlots('user', 'bob')).toHaveLength(1)
      expect(await ledger.issueSlots('ip', '203.0.113.7')).toHaveLength(3)
      expect(await ledger.takeIssueSlots([{ scope: 'user', key: 'alice', limit: 2 }], new Date(now), new Date(now - 3600_000))).toMatchObject({ taken: false })
    } finally {
      await database.drop()
    }
  }, 120_000)

  // SQLite ledgers have no older version: they start at a baseline holding every step at once.
  it.runIf(engine === 'sqlite')('a new SQLite ledger records every version at once, and migrating again changes nothing', async () => {
    const database = await createTestDatabase(engine)
    try {
      const db = await database.open()
      expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version))
      const rows = await db.queries.selectFrom('faceid_migrations').select(['version', 'name', 'applied_at']).orderBy('version').execute()
      expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]))
      expect(rows.every((r) => !Number.isNaN(new Date(r.applied_at).getTime()))).toBe(true)
      const schema = async () => JSON.stringify(await sql`SELECT type, name, sql FROM sqlite_master ORDER BY name`.execute(db.queries).then((r) => r.rows))
      const before = await schema()
      expect(await migrate(db)).toEqual([])
      expect(await Ledger.open(db).then(() => migrate(db))).toEqual([])
      expect(await db.queries.selectFrom('faceid_migrations').select('version').orderBy('version').execute()).toEqual(rows.map((r) => ({ version: r.version })))
      expect(await schema()).toBe(before)
      // What the later steps brought is there: any token kind (8), issuance slots (6), the mode mark (7).
      const ledger = await Ledger.open(db, { keyring: Keyring.dev(), kinds: ['face', 'h5'] })
      await ledger.insert({ token: token(1), kind: H5, userId: 'alice', issuedAt: T0, expiresAt: T0 })
      expect(await ledger.takeIssueSlots([{ scope: 'user', key: 'alice', limit: 1 }], T0, new Date(T0.getTime() - 3600_000))).toEqual({ taken: true })
      expect(await db.queries.selectFrom('faceid_ledger_mode').selectAll().execute()).toEqual([])
    } finally {
      await database.drop()
    }
  }, 120_000)
})

describe.runIf(POSTGRES_URL)('the SQLite baseline and the PostgreSQL migrations', () => {
  it('give the same tables and columns', async () => {
    const shapes = await Promise.all(
      (['sqlite', 'postgres'] as const).map(async (engine) => {
        const database = await createTestDatabase(engine)
        try {
          const db = await database.open()
          await migrate(db)
          const tables = (await db.queries.introspection.getTables()).filter((t) => t.name.startsWith('faceid_'))
          return Object.fromEntries(
            await Promise.all(
              tables.map(async (t) => {
                // SQLite reports an `integer PRIMARY KEY` (the row id, never null) as nullable.
                const keys = engine === 'sqlite' ? (await sql<{ name: string }>`SELECT name FROM pragma_table_info(${t.name}) WHERE pk > 0`.execute(db.queries)).rows.map((r) => r.name) : []
                return [t.name, t.columns.map((c) => [c.name, c.isNullable && !keys.includes(c.name)]).sort(([a], [b]) => String(a).localeCompare(String(b)))] as const
              }),
            ),
          )
        } finally {
          await database.drop()
        }
      }),
    )
    expect(Object.keys(shapes[0]!).sort()).toEqual(['faceid_bill_details', 'faceid_bill_pulls', 'faceid_checks', 'faceid_issue_slots', 'faceid_ledger_mode', 'faceid_migrations', 'faceid_tokens', 'faceid_webank_credentials', 'faceid_webhook_outbox'])
    expect(shapes[0]).toEqual(shapes[1])
  }, 120_000)
})

describe.runIf(POSTGRES_URL)('a PostgreSQL connection closed by the server', () => {
  it('is reported, discarded and replaced instead of crashing the process', async () => {
    const database = await createTestDatabase('postgres')
    const errors: Error[] = []
    const { openDatabase } = await import('../../src/store/database.js')
    const db = await openDatabase({ url: database.url, onConnectionError: (e) => errors.push(e) })
    try {
      const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db.queries)).rows[0]!.pid
      // What a server restart or an admin does to an idle pooled connection.
      const admin = await openDatabase({ url: POSTGRES_URL })
      await sql`SELECT pg_terminate_backend(${pid})`.execute(admin.queries)
      await admin.close()
      await expect.poll(() => errors.length).toBe(1)
      expect((errors[0] as Error & { code?: string }).code).toBe('57P01')
      expect((await sql<{ ok: number }>`SELECT 1 AS ok`.execute(db.queries)).rows).toEqual([{ ok: 1 }])
    } finally {
      await db.close()
      await database.drop()
    }
  })
})

describe.runIf(POSTGRES_URL)('the ping before an issuance (PostgreSQL)', () => {
  /** A ledger on a pool of ours, counting how often a connection is taken for a query. */
  async function counted() {
    const database = await createTestDatabase('postgres')
    const pool = new pg.Pool({ connectionString: database.url })
    let taken = 0
    pool.on('acquire', () => taken++)
    const { openDatabase } = await import('../../src/store/database.js')
    const db = await openDatabase({ pool })
    const dispose = async () => {
      await db.close()
      await pool.end().catch(() => undefined)
      await database.drop()
    }
    return { db, pool, taken: () => taken, dispose }
  }

  it('costs no round trip right after the server answered, and one once that answer is old', async () => {
    const { db, taken, dispose } = await counted()
    try {
      await sql`SELECT 1`.execute(db.queries)
      const before = taken()
      await db.ping()
      expect(taken()).toBe(before)
      await new Promise((r) => setTimeout(r, RECENT_ANSWER_MS + 15))
      await db.ping()
      expect(taken()).toBe(before + 1)
    } finally {
      await dispose()
    }
  })

  it('sends one ping for the requests that need one at the same moment', async () => {
    const { db, taken, dispose } = await counted()
    try {
      await sql`SELECT 1`.execute(db.queries)
      await new Promise((r) => setTimeout(r, RECENT_ANSWER_MS + 15))
      const before = taken()
      await Promise.all(Array.from({ length: 32 }, () => db.ping()))
      expect(taken()).toBe(before + 1)
    } finally {
      await dispose()
    }
  })

  it('fails every request waiting on a shared ping that fails, and pings anew after it', async () => {
    const database = await createTestDatabase('postgres')
    const pool = new pg.Pool({ connectionString: database.url })
    let failNext = false
    const connect = pool.connect.bind(pool)
    // The next connection the ping takes fails as an unreachable server does; later ones work.
    pool.connect = (async () => {
      if (failNext) {
        failNext = false
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
      }
      return connect()
    }) as typeof pool.connect
    const { openDatabase } = await import('../../src/store/database.js')
    const db = await openDatabase({ pool })
    try {
      await new Promise((r) => setTimeout(r, RECENT_ANSWER_MS + 15))
      failNext = true
      const pings = await Promise.allSettled(Array.from({ length: 8 }, () => db.ping()))
      expect(pings.map((p) => p.status)).toEqual(Array(8).fill('rejected'))
      for (const p of pings) expect((p as PromiseRejectedResult).reason).toBeInstanceOf(LedgerUnavailableError)
      await expect(db.ping()).resolves.toBeUndefined()
    } finally {
      await db.close()
      await pool.end().catch(() => undefined)
      await database.drop()
    }
  })

  it('asks the server again after a connection failed, however recent the last answer', async () => {
    const { db, pool, taken, dispose } = await counted()
    try {
      await sql`SELECT 1`.execute(db.queries)
      const before = taken()
      // What the pool reports when the server drops an idle connection.
      pool.emit('error', new Error('terminating connection due to administrator command'))
      await db.ping()
      expect(taken()).toBe(before + 1)
    } finally {
      await dispose()
    }
  })

  it('fails once a query found the server unreachable, however recent the last answer', async () => {
    const { db, pool, dispose } = await counted()
    try {
      await sql`SELECT 1`.execute(db.queries)
      await pool.end()
      await expect(sql`SELECT 1`.execute(db.queries)).rejects.toBeInstanceOf(LedgerUnavailableError)
      await expect(db.ping()).rejects.toBeInstanceOf(LedgerUnavailableError)
    } finally {
      await dispose()
    }
  })
})
