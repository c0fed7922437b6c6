/**
 * A sandbox instance next to production: same SESSION_SECRET, same database. The sandbox must
 * not mint sessions production accepts, must not open the live ledger (its sweeper would end
 * real verifications), and a live instance must not open a ledger of emulator tokens. On a
 * SQLite data directory (one instance at a time) and on PostgreSQL (both at once).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../src/store/database.js'
import { DEV_KEY_ID } from '../../src/privacy/data-keys.js'
import { openCliContext } from '../../bin/common.js'
import { createEmulator, type Emulator } from '../../emulator/index.js'
import { Ledger } from '../../src/store/ledger.js'
import { claimLedgerMode, LedgerModeError } from '../../src/store/ledger-mode.js'
import { createSessions } from '../../src/http/sessions.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'
import { POSTGRES_URL, useTestDatabase, type Engine } from '../support/postgres-db.js'

const SESSION_SECRET = 'production-session-secret-'.padEnd(48, 'x')
const DATA_KEY = Buffer.alloc(32, 9).toString('base64')
const credential = { secretId: 'AKIDlive000000000000000000000000000', secretKey: 'live-secret' }

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close().catch(() => undefined)
})

async function tencent(): Promise<string> {
  const emulator: Emulator = createEmulator({ credentials: [credential], logger: false })
  opened.push(emulator)
  return (await emulator.listen(0, '127.0.0.1')).url
}

/** Where both instances keep their ledger: DATABASE_URL, or one SQLite data directory. */
type Place = { env: Record<string, string>; dataDir?: string }

async function live(place: Place, endpoint: string): Promise<RunningServer> {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logger: false,
    ...(place.dataDir && { dataDir: place.dataDir }),
    env: {
      ...place.env,
      FACEID_SECRET_ID: credential.secretId,
      FACEID_SECRET_KEY: credential.secretKey,
      FACEID_ENDPOINT: endpoint,
      FACEID_RULE_ID: '1',
      SESSION_SECRET,
      FACEID_DATA_KEY: DATA_KEY,
      FACEID_SWEEP_INTERVAL_SECONDS: '0',
    },
  })
  opened.push(server)
  return server
}

/** A sandbox started by mistake with production's secret and database (NODE_ENV unset). */
async function sandbox(place: Place): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', logger: false, ...(place.dataDir && { dataDir: place.dataDir }), env: { ...place.env, SESSION_SECRET } })
  opened.push(server)
  return server
}

async function call(base: string, method: string, route: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {}
  if (token) headers['authorization'] = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(base + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

async function closeLast(): Promise<void> {
  await opened.pop()!.close()
}

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-mode-'))

const postgres = POSTGRES_URL ? useTestDatabase('postgres') : undefined

const SHARED: Array<[label: string, engine: Engine]> = [['an SQLite data directory', 'sqlite']]
if (POSTGRES_URL) SHARED.push(['PostgreSQL', 'postgres'])

describe.each(SHARED)('a sandbox next to production, on %s', (_label, engine) => {
  const place = async (): Promise<Place> => {
    if (engine === 'postgres') {
      // A fresh ledger for each test: empty the shared test database.
      const db = await postgres!.open()
      const tables = (await db.queries.introspection.getTables()).map((t) => t.name).filter((name) => name.startsWith('faceid_'))
      if (tables.length > 0) await sql`DROP TABLE ${sql.join(tables.map((name) => sql.table(name)))}`.execute(db.queries)
      return { env: { DATABASE_URL: postgres!.url! } }
    }
    return { env: {}, dataDir: tempDir() }
  }
  // Two instances in this one process would block each other on the SQLite file's write lock
  // (a waiting writer blocks the thread the lock holder needs): the first stops before the second starts.
  const together = engine === 'postgres'

  it('the sandbox refuses to open the live ledger; the live token is untouched', async () => {
    const where = await place()
    const prod = await live(where, await tencent())
    const victim = await createSessions(SESSION_SECRET).issue('victim')
    const issued = await call(prod.url, 'POST', '/faceid/biz-token', victim)
    expect(issued.status).toBe(201)
    if (!together) await closeLast()

    await expect(sandbox(where)).rejects.toThrow(LedgerModeError)
    await expect(sandbox(where)).rejects.toThrow(/Refusing to open the ledger in sandbox mode: the database is marked as a live ledger/)

    // Production goes on serving the victim.
    if (together) expect((await call(prod.url, 'GET', `/faceid/biz-token/${issued.body.token}`, victim)).body).toMatchObject({ status: 'pending' })
    // The token is as production left it: no sandbox sweeper ended it.
    const db = await inspect(where)
    const rows = await db.queries.selectFrom('faceid_tokens').select(['status', 'final']).where('token', '=', issued.body.token).execute()
    expect(rows.map((r) => ({ status: r.status, final: Boolean(r.final) }))).toEqual([{ status: 'pending', final: false }])
  })

  it('a live instance refuses a ledger holding sandbox tokens', async () => {
    const where = await place()
    const dev = await sandbox(where)
    const session = (await call(dev.url, 'POST', '/auth/dev-login', undefined, { userId: 'demo' })).body.token as string
    expect((await call(dev.url, 'POST', '/faceid/biz-token', session)).status).toBe(201)
    if (!together) await closeLast()
    await expect(live(where, await tencent())).rejects.toThrow(/Refusing to open the ledger in live mode: the database is marked as a sandbox ledger/)
  })

  it('a sandbox session is never accepted by a live instance, though both share SESSION_SECRET', async () => {
    const dev = await sandbox({ env: {}, dataDir: tempDir() })
    const forged = (await call(dev.url, 'POST', '/auth/dev-login', undefined, { userId: 'victim' })).body.token as string
    expect((await call(dev.url, 'POST', '/faceid/biz-token', forged)).status).toBe(201)

    const prod = await live(await place(), await tencent())
    const victim = await createSessions(SESSION_SECRET).issue('victim')
    const real = await call(prod.url, 'POST', '/faceid/biz-token', victim)
    expect(real.status).toBe(201)
    expect(await call(prod.url, 'GET', `/faceid/biz-token/${real.body.token}`, forged)).toEqual({ status: 401, body: { error: { code: 'unauthenticated', message: expect.any(String) } } })
    expect((await call(prod.url, 'POST', '/faceid/biz-token', forged)).status).toBe(401)
    // …and the other way round.
    expect((await call(dev.url, 'POST', '/faceid/eid-token', victim)).status).toBe(401)
  })

  /** The ledger as it is now. */
  async function inspect(where: Place): Promise<Database> {
    const db = await openDatabase(where.env['DATABASE_URL'] ? { url: where.env['DATABASE_URL'] } : { dataDir: where.dataDir })
    opened.push(db)
    return db
  }
}, 120_000)

describe.runIf(POSTGRES_URL)('command-line tools (npm run sweep, reconcile) in sandbox mode', () => {
  const database = useTestDatabase('postgres')

  it('refuse the live ledger, and run on their own', async () => {
    const db = await database.open()
    await Ledger.open(db)
    expect(await claimLedgerMode(db, 'live')).toBe('created')
    const emulator = createEmulator({ logger: false })
    opened.push(emulator)
    const { url } = await emulator.listen(0, '127.0.0.1')
    // No credentials, an emulator endpoint, production's database: a sandbox sweep.
    await expect(openCliContext({ FACEID_ENDPOINT: url, DATABASE_URL: database.url! })).rejects.toThrow(LedgerModeError)
    const live = await openCliContext({ FACEID_ENDPOINT: url, DATABASE_URL: database.url!, FACEID_SECRET_ID: credential.secretId, FACEID_SECRET_KEY: credential.secretKey, FACEID_DATA_KEY: DATA_KEY })
    await live.close()
  })
})

describe('ledgers written before the mode mark', () => {
  async function unmarkedLedger(rows: Array<{ keyId: string | null }>): Promise<Database> {
    const { db, ledger } = await freshDatabase()
    const now = new Date()
    for (const [i, row] of rows.entries()) {
      const token = `T${String(i).padStart(35, '0')}`
      await ledger.insert({ token, kind: 'face', userId: `u${i}`, issuedAt: now, expiresAt: new Date(now.getTime() + 7200_000) })
      if (row.keyId) await db.queries.updateTable('faceid_tokens').set({ result_sealed: 'x', result_key_id: row.keyId, result: '{}' }).where('token', '=', token).execute()
    }
    return db
  }

  it('are marked by the first open when empty', async () => {
    const db = await unmarkedLedger([])
    expect(await claimLedgerMode(db, 'sandbox')).toBe('created')
    expect(await claimLedgerMode(db, 'sandbox')).toBe('marked')
    await expect(claimLedgerMode(db, 'live')).rejects.toMatchObject({ wanted: 'live', found: 'sandbox' })
  })

  it('are judged by the key that sealed their results: the public sandbox key means sandbox', async () => {
    const db = await unmarkedLedger([{ keyId: null }, { keyId: DEV_KEY_ID }])
    await expect(claimLedgerMode(db, 'live')).rejects.toMatchObject({ found: 'sandbox' })
    expect(await claimLedgerMode(db, 'sandbox')).toBe('inferred')
    await expect(claimLedgerMode(db, 'live')).rejects.toThrow(/marked as a sandbox ledger/)
  })

  it('any other key means live', async () => {
    const db = await unmarkedLedger([{ keyId: 'k2025' }, { keyId: null }])
    await expect(claimLedgerMode(db, 'sandbox')).rejects.toMatchObject({ found: 'live' })
    expect(await claimLedgerMode(db, 'live')).toBe('inferred')
  })

  it('both kinds of key: refused by either mode', async () => {
    const db = await unmarkedLedger([{ keyId: 'k2025' }, { keyId: DEV_KEY_ID }])
    await expect(claimLedgerMode(db, 'sandbox')).rejects.toMatchObject({ found: 'mixed' })
    await expect(claimLedgerMode(db, 'live')).rejects.toMatchObject({ found: 'mixed' })
  })

  it('nothing sealed (only pending tokens): live adopts it, a sandbox refuses it', async () => {
    let db = await unmarkedLedger([{ keyId: null }])
    await expect(claimLedgerMode(db, 'sandbox')).rejects.toMatchObject({ found: 'unknown' })
    expect(await claimLedgerMode(db, 'live')).toBe('adopted')
    db = await unmarkedLedger([{ keyId: null }])
    expect(await claimLedgerMode(db, 'live')).toBe('adopted')
    await expect(claimLedgerMode(db, 'sandbox')).rejects.toBeInstanceOf(LedgerModeError)
  })

  it('two instances opening one unmarked, empty ledger at once agree on one mark', async () => {
    const db = await unmarkedLedger([])
    const results = await Promise.allSettled([claimLedgerMode(db, 'live'), claimLedgerMode(db, 'sandbox')])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(await db.queries.selectFrom('faceid_ledger_mode').select('mode').execute()).toEqual([{ mode: results.find((r) => r.status === 'fulfilled') === results[0] ? 'live' : 'sandbox' }])
  })
})
