/**
 * The ledger (the database) going away under the routes: a real PostgreSQL server stopped and
 * started mid-test, an SQLite ledger closed under the router, a connection killed while a token is
 * being recorded. Every answer is a JSON 503 `ledger_unavailable` with `Retry-After`; Tencent
 * is not paid for a token while the ledger cannot be reached (the emulator counts the calls);
 * a token is never shown before it is committed; the log gets one concise line per failure
 * class, not a stack trace per request.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, unavailableReason, type Database } from '../../src/store/database.js'
import { createLogger } from '../../src/privacy/logging.js'
import { LedgerUnavailableError, UpstreamError } from '../../src/errors/index.js'
import { errorReporter } from '../../src/http/error-body.js'
import type { IssueLimits } from '../../src/verification/issuance-limits.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js'
import { resetDatabase } from '../support/postgres-db.js'
import { POSTGRES_BIN, startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js'
import { captureLog } from '../support/log-capture.js'

const opened: Harness[] = []
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close()
})

async function harness(options: HarnessOptions): Promise<Harness> {
  const h = await startHarness(options)
  opened.push(h)
  return h
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Tokens Tencent issued (the emulator's count of token calls) against tokens in the ledger. */
async function boughtAndRecorded(h: Harness, db: Database): Promise<{ bought: number; recorded: number }> {
  const calls = h.emulator.stats().calls
  const { n } = await db.queries.selectFrom('faceid_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  return { bought: (calls['DetectAuth'] ?? 0) + (calls['GetEidToken'] ?? 0), recorded: Number(n) }
}

function expectLedgerUnavailable(res: { status: number; body: any; headers: Headers }): void {
  expect(res.status).toBe(503)
  expect(res.headers.get('content-type')).toMatch(/application\/json/)
  expect(res.body).toEqual({ error: { code: 'ledger_unavailable', message: expect.any(String) } })
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  // Nothing about where the database is.
  expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|ECONN|sqlite|postgres/i)
}

/** What clients do during an outage: both kinds of token, and results of tokens issued before. */
async function outageTraffic(h: Harness, before: { face: string; eid: string }) {
  return Promise.all([
    ...Array.from({ length: 12 }, (_, i) => h.call('POST', '/faceid/biz-token', { user: `user-${i % 4}` })),
    ...Array.from({ length: 6 }, (_, i) => h.call('POST', '/faceid/eid-token', { user: `user-${i % 3}` })),
    h.call('GET', `/faceid/biz-token/${before.face}`, { user: 'alice' }),
    h.call('GET', `/faceid/eid-token/${before.eid}`, { user: 'alice' }),
  ])
}

interface NativeSqlite {
  exec(sql: string): unknown
  prepare(sql: string): unknown
  close(): void
}

type SqliteLibrary = { open(file: string): NativeSqlite } | undefined

/** Both SQLite libraries the embedded engine runs on; one this runtime lacks is undefined (its test is skipped). */
const SQLITE_DRIVERS: Array<[string, SqliteLibrary]> = await Promise.all(
  ([
  [
    'node:sqlite',
    async () => {
      const specifier = 'node:sqlite'
      const mod = (await import(specifier).catch(() => undefined)) as { DatabaseSync: new (file: string) => NativeSqlite } | undefined
      return mod && { open: (file) => new mod.DatabaseSync(file) }
    },
  ],
  [
    'better-sqlite3',
    async () => {
      const specifier = 'better-sqlite3'
      const mod = (await import(specifier).catch(() => undefined)) as { default: new (file: string) => NativeSqlite } | undefined
      // Its native part loads on first use: one built for another Node.js fails only then.
      try {
        mod && new mod.default(':memory:').close()
      } catch {
        return undefined
      }
      return mod && { open: (file) => new mod.default(file) }
    },
  ],
  ] satisfies Array<[string, () => Promise<SqliteLibrary>]>).map(async ([name, load]) => [name, await load()] as [string, SqliteLibrary]),
)

const LIMITS: Array<[string, IssueLimits | undefined]> = [
  ['without limits', undefined],
  ['with limits', { perUserPerHour: 20, perIpPerHour: 200 }],
]

describe.skipIf(!POSTGRES_BIN)('a PostgreSQL server stopped and started mid-test', () => {
  let cluster: ThrowawayPostgres
  beforeAll(async () => {
    cluster = await startThrowawayPostgres()
  }, 120_000)
  afterAll(async () => {
    await cluster?.destroy()
  })

  it.each(LIMITS)('%s: 503 ledger_unavailable for every request, nothing bought from Tencent, then recovery', async (_label, limits) => {
    const db = await openDatabase({ url: cluster.url, onConnectionError: () => undefined })
    try {
      const out = captureLog()
      const log = createLogger({ destination: out.stream })
      const h = await harness({ database: db, router: { limits, onError: errorReporter(log) } })
      await resetDatabase(db)
      const face = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
      const eid = await h.call('POST', '/faceid/eid-token', { user: 'alice' })
      expect([face.status, eid.status]).toEqual([201, 201])
      const before = await boughtAndRecorded(h, db)
      expect(before).toEqual({ bought: 2, recorded: 2 })
      const callsBefore = h.emulator.stats().calls

      await cluster.stop()
      const during = await outageTraffic(h, { face: face.body.token, eid: eid.body.token })
      for (const res of during) expectLedgerUnavailable(res)
      // Not one token bought, not one result fetched while the ledger was away.
      expect(h.emulator.stats().calls).toEqual(callsBefore)
      // One concise line for the whole outage, not a stack trace (or two) per request.
      const failures = out.entries().filter((e) => e['msg'] === 'request failed')
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatchObject({ code: 'ledger_unavailable', status: 503 })
      expect(out.text()).not.toMatch(/"stack"|\\n\s+at /)

      await cluster.start()
      const after = await h.call('POST', '/faceid/biz-token', { user: 'bob' })
      expect(after.status).toBe(201)
      expect((await h.call('GET', `/faceid/biz-token/${after.body.token}`, { user: 'bob' })).status).toBe(200)
      expect((await h.call('GET', `/faceid/eid-token/${eid.body.token}`, { user: 'alice' })).status).toBe(200)
      // Every token Tencent issued is in the ledger.
      expect(await boughtAndRecorded(h, db)).toEqual({ bought: 3, recorded: 3 })
    } finally {
      await cluster.start()
      await db.close()
    }
  })

  it('a ledger that stops while Tencent issues the token: 503 ledger_unavailable, the token never shown', async () => {
    const db = await openDatabase({ url: cluster.url, onConnectionError: () => undefined })
    try {
      const h = await harness({ database: db, emulator: { faults: { slowRate: 1, slowMs: 1500 } }, router: { limits: { perUserPerHour: 5 } } })
      await resetDatabase(db)
      const pending = h.call('POST', '/faceid/biz-token', { user: 'alice' })
      // Tencent has the request (the token is being paid for); now the database goes.
      await expect.poll(() => h.emulator.stats().calls['DetectAuth'] ?? 0, { timeout: 10_000 }).toBe(1)
      await cluster.stop()
      expectLedgerUnavailable(await pending)
    } finally {
      await cluster.start()
      await db.close()
    }
  })
})

describe('an SQLite ledger closed under the router', () => {
  it.each(LIMITS)('%s: 503 ledger_unavailable for every request, nothing bought from Tencent', async (_label, limits) => {
    const db = await openDatabase({ dataDir: 'memory' })
    const h = await harness({ database: db, router: { limits } })
    const face = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    const eid = await h.call('POST', '/faceid/eid-token', { user: 'alice' })
    expect([face.status, eid.status]).toEqual([201, 201])
    const callsBefore = h.emulator.stats().calls

    await db.close()
    const during = await outageTraffic(h, { face: face.body.token, eid: eid.body.token })
    for (const res of during) expectLedgerUnavailable(res)
    expect(h.emulator.stats().calls).toEqual(callsBefore)
  })

  it('closed while Tencent issues the token: 503 ledger_unavailable', async () => {
    const db = await openDatabase({ dataDir: 'memory' })
    const h = await harness({ database: db, emulator: { faults: { slowRate: 1, slowMs: 1000 } } })
    const pending = h.call('POST', '/faceid/eid-token', { user: 'alice' })
    await expect.poll(() => h.emulator.stats().calls['GetEidToken'] ?? 0, { timeout: 10_000 }).toBe(1)
    await db.close()
    expectLedgerUnavailable(await pending)
  })
})

/**
 * A fire-and-forget insert (answering before the ledger insert commits) fails these: the table is
 * locked so the insert cannot commit, and the test looks at the ledger the moment the client
 * gets its answer.
 */
describe.skipIf(!POSTGRES_BIN)('recorded before the client sees it (PostgreSQL)', () => {
  let cluster: ThrowawayPostgres
  beforeAll(async () => {
    cluster = await startThrowawayPostgres()
  }, 120_000)
  afterAll(async () => {
    await cluster?.destroy()
  })

  /** Locks the token table against inserts (reads still work), as a long migration or backup would. */
  async function lockInserts(): Promise<{ blockedInsertPid(): Promise<number | undefined>; kill(pid: number): Promise<void>; release(): Promise<void> }> {
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await admin.query('BEGIN')
    await admin.query('LOCK TABLE faceid_tokens IN EXCLUSIVE MODE')
    const probe = new pg.Client({ connectionString: cluster.url })
    await probe.connect()
    return {
      async blockedInsertPid() {
        const { rows } = await probe.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ~* '^\\s*insert into \"?faceid_tokens\"?\\s'",
        )
        return rows[0]?.pid
      },
      async kill(pid) {
        await probe.query('SELECT pg_terminate_backend($1)', [pid])
      },
      async release() {
        await admin.query('ROLLBACK').catch(() => undefined)
        await admin.end()
        await probe.end()
      },
    }
  }

  it('answers only once the token is committed', async () => {
    const db = await openDatabase({ url: cluster.url, onConnectionError: () => undefined })
    const reader = await openDatabase({ url: cluster.url })
    try {
      const h = await harness({ database: db, router: { limits: { perUserPerHour: 5 } } })
      await resetDatabase(db)
      const lock = await lockInserts()
      let seenAtAnswer: unknown = 'not answered'
      const pending = h.call('POST', '/faceid/biz-token', { user: 'alice' }).then(async (res) => {
        // What the ledger holds at the moment the client has its token (another connection, as another instance).
        const rows = await reader.queries.selectFrom('faceid_tokens').select('token').where('token', '=', res.body?.token ?? '').execute()
        seenAtAnswer = rows.length === 1 ? 'recorded' : 'missing'
        return res
      })
      try {
        await expect.poll(() => lock.blockedInsertPid(), { timeout: 10_000 }).toBeDefined()
        // Time for an early answer to arrive, if the code gave one.
        await sleep(500)
      } finally {
        await lock.release()
      }
      const res = await pending
      expect(res.status).toBe(201)
      expect(seenAtAnswer).toBe('recorded')
    } finally {
      await reader.close()
      await db.close()
    }
  })

  it('answers 503 ledger_unavailable when the insert fails after Tencent issued the token', async () => {
    const db = await openDatabase({ url: cluster.url, onConnectionError: () => undefined })
    try {
      const h = await harness({ database: db, router: { limits: { perUserPerHour: 5 } } })
      await resetDatabase(db)
      const lock = await lockInserts()
      const pending = h.call('POST', '/faceid/eid-token', { user: 'alice' })
      try {
        let pid: number | undefined
        await expect.poll(async () => (pid = await lock.blockedInsertPid()), { timeout: 10_000 }).toBeDefined()
        // The connection recording the token dies (a failover, an administrator).
        await lock.kill(pid!)
      } finally {
        await lock.release()
      }
      expectLedgerUnavailable(await pending)
      expect(await boughtAndRecorded(h, db)).toEqual({ bought: 1, recorded: 0 })
      // That token was paid for: it keeps counting against the user's limit.
      expect(await h.ledger.issueSlots('user', 'alice')).toHaveLength(1)
    } finally {
      await db.close()
    }
  })
})

describe('the standalone server through an outage', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('logs one concise line per failure class, not a stack trace per request', async () => {
    const db = await openDatabase({ dataDir: 'memory' })
    const out = captureLog()
    server = await startServer({ port: 0, host: '127.0.0.1', database: db, logDestination: out.stream, env: { FACEID_SWEEP_INTERVAL_SECONDS: '0' } })
    const login = await fetch(`${server.url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"alice"}' })
    const session = ((await login.json()) as { token: string }).token
    const post = () => fetch(`${server!.url}/faceid/biz-token`, { method: 'POST', headers: { authorization: `Bearer ${session}` } })
    const issued = await post()
    expect(issued.status).toBe(201)
    const { token } = (await issued.json()) as { token: string }

    await db.close()
    const answers = await Promise.all([
      ...Array.from({ length: 30 }, post),
      ...Array.from({ length: 10 }, () => fetch(`${server!.url}/faceid/biz-token/${token}`, { headers: { authorization: `Bearer ${session}` } })),
    ])
    for (const res of answers) {
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ledger_unavailable')
    }
    const failures = out.entries().filter((e) => e['msg'] === 'request failed')
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ code: 'ledger_unavailable', status: 503 })
    expect(out.text()).not.toMatch(/"stack"|\\n\s+at /)
    // Each request still has its access line.
    expect(out.entries().filter((e) => e['msg'] === 'request' && e['status'] === 503)).toHaveLength(40)
  })
})

describe('what counts as the ledger being unavailable', () => {
  it('a closed or unreachable database is; a wrong query is not (it stays a 500 bug)', async () => {
    const db = await openDatabase({ dataDir: 'memory' })
    const wrong = await sql.raw('SELEC 1').execute(db.queries).catch((e: unknown) => e)
    expect(wrong).not.toBeInstanceOf(LedgerUnavailableError)
    expect(unavailableReason(wrong)).toBeUndefined()
    await db.close()
    const closed = await sql`SELECT 1`.execute(db.queries).catch((e: unknown) => e)
    expect(closed).toBeInstanceOf(LedgerUnavailableError)
    expect(closed).toMatchObject({ status: 503, code: 'ledger_unavailable', reason: 'closed', headers: { 'Retry-After': expect.stringMatching(/^\d+$/) } })
    // At start-up the driver's own error is kept (it names the address for the operator); it is of the unavailable kind.
    const refused = await openDatabase({ url: 'postgres://nobody@127.0.0.1:1/none' }).catch((e: unknown) => e)
    expect(unavailableReason(refused)).toBe('ECONNREFUSED')
    for (const code of ['57P01', '57P03', '08006', '53300', '25006']) expect(unavailableReason(Object.assign(new Error('x'), { code }))).toBe(code)
    for (const code of ['42601', '23505', '22021']) expect(unavailableReason(Object.assign(new Error('x'), { code }))).toBeUndefined()
  })

  for (const [name, driver] of SQLITE_DRIVERS) {
    it.skipIf(!driver)(`${name}: a closed database and a file that cannot serve are; a constraint or syntax error is not`, () => {
      const sqlite = driver!
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-sqlite-'))
      const errorOf = (run: () => unknown): unknown => {
        try {
          run()
        } catch (error) {
          return error
        }
        throw new Error('expected an error')
      }
      try {
        const file = path.join(dir, 'ledger.sqlite')
        const native = sqlite.open(file)
        native.exec('CREATE TABLE t (k text PRIMARY KEY)')
        native.exec("INSERT INTO t VALUES ('a')")
        expect(unavailableReason(errorOf(() => native.exec("INSERT INTO t VALUES ('a')")))).toBeUndefined()
        expect(unavailableReason(errorOf(() => native.exec('SELEC 1')))).toBeUndefined()
        // Another process holding the write lock past the busy timeout.
        const other = sqlite.open(file)
        other.exec('PRAGMA busy_timeout = 0')
        native.exec('BEGIN IMMEDIATE')
        expect(unavailableReason(errorOf(() => other.exec("INSERT INTO t VALUES ('b')")))).toBe('SQLITE_BUSY')
        native.exec('ROLLBACK')
        other.close()
        native.close()
        expect(unavailableReason(errorOf(() => native.exec('SELECT 1')))).toBe('closed')
        expect(unavailableReason(errorOf(() => native.prepare('SELECT 1')))).toBe('closed')
        // A directory where the file should be: it cannot be opened.
        expect(unavailableReason(errorOf(() => sqlite.open(dir).exec('SELECT * FROM sqlite_master')))).toBe('SQLITE_CANTOPEN')
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  }
})

describe('errorReporter', () => {
  const ctx = (route: string) => ({ method: 'POST', _matchedRoute: route }) as never
  const upstream = (tencentCode: string) =>
    new UpstreamError({ action: 'DetectAuth', tencentCode, retryable: true, status: 502, code: 'upstream_error', message: `Tencent DetectAuth failed: ${tencentCode}` })

  it('logs one concise line per failure class per interval, counting the rest', () => {
    const lines: Array<Record<string, any>> = []
    let now = 0
    const report = errorReporter({ error: (obj) => lines.push(obj as Record<string, any>) }, { intervalMs: 60_000, now: () => now })
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })
    for (let i = 0; i < 500; i += 1) report(new LedgerUnavailableError('ECONNREFUSED', cause), ctx('/faceid/biz-token'))
    report(upstream('InternalError'), ctx('/faceid/biz-token'))
    report(upstream('InternalError'), ctx('/faceid/eid-token'))
    report(upstream('HTTP500'), ctx('/faceid/biz-token'))
    expect(lines).toHaveLength(3)
    expect(lines[0]).toEqual({
      code: 'ledger_unavailable',
      status: 503,
      reason: 'ECONNREFUSED',
      method: 'POST',
      route: '/faceid/biz-token',
      err: { type: 'LedgerUnavailableError', message: expect.any(String), cause: { type: 'Error', code: 'ECONNREFUSED', message: cause.message } },
    })
    expect(JSON.stringify(lines)).not.toMatch(/\bat .*\(|stack/)
    expect(lines.map((l) => l['tencentCode'])).toEqual([undefined, 'InternalError', 'HTTP500'])

    now += 60_000
    report(new LedgerUnavailableError('57P01'), ctx('/faceid/biz-token/:token'))
    expect(lines).toHaveLength(4)
    expect(lines[3]).toMatchObject({ code: 'ledger_unavailable', reason: '57P01', suppressed: 499 })
  })

  it('keeps the stack of an unexpected error (a bug), once per interval per place', () => {
    const lines: Array<Record<string, any>> = []
    const report = errorReporter({ error: (obj) => lines.push(obj as Record<string, any>) })
    const bug = () => {
      try {
        ;(undefined as unknown as { x: number }).x
      } catch (error) {
        return error
      }
    }
    for (let i = 0; i < 3; i += 1) report(bug(), ctx('/faceid/biz-token'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ code: 'internal_error', status: 500 })
    expect(lines[0]!['err']).toBeInstanceOf(TypeError)
    expect((lines[0]!['err'] as Error).stack).toContain('ledger-outage.test.ts')
  })
})
