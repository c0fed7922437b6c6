/**
 * Test databases on both engines. SQLite always; PostgreSQL when TEST_DATABASE_URL (or
 * DATABASE_URL) names a server whose user may create databases — CI sets it (.ci/start-postgres).
 * Each PostgreSQL test database is created fresh and dropped afterwards, so test files running
 * in parallel never see each other's tokens.
 */
import crypto from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { openDatabase, type Database } from '../../src/store/database.js'

export const POSTGRES_URL = process.env['TEST_DATABASE_URL'] || process.env['DATABASE_URL'] || undefined

if (!POSTGRES_URL) {
  console.warn('[faceid-kit] TEST_DATABASE_URL is not set: PostgreSQL variants of the ledger/sweeper tests are skipped (CI runs them).')
}

export interface TestDatabase {
  engine: Engine
  /** Opens a new connection (pool) to the same database: a second "instance". */
  open(): Promise<Database>
  /** For child processes: `postgres://…`, or undefined for the in-memory SQLite. */
  url: string | undefined
  drop(): Promise<void>
}

export type Engine = Database['engine']

/** Engines to run on here; the PostgreSQL entry is present only when a server is configured. */
export const ENGINES: Engine[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite']

/**
 * A fresh, empty database. SQLite is in memory, so `open()` returns the one shared instance (a
 * second connection in the same thread would wait on the first one's lock while blocking it).
 */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const db = await openDatabase({ dataDir: 'memory' })
    return { engine, open: async () => db, url: undefined, drop: () => db.close() }
  }
  if (!POSTGRES_URL) throw new Error('No PostgreSQL configured')
  const name = `faceid_t_${crypto.randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  const opened: Database[] = []
  return {
    engine,
    url: url.toString(),
    async open() {
      const db = await openDatabase({ url: url.toString() })
      opened.push(db)
      return db
    },
    async drop() {
      for (const db of opened) await db.close().catch(() => undefined)
      const c = new pg.Client({ connectionString: POSTGRES_URL })
      await c.connect()
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
            break
          } catch (error) {
            // 42501: a backend we may not end is in the database, such as an autovacuum worker
            // analysing the rows a test just wrote; it leaves within moments.
            if ((error as { code?: string }).code !== '42501' || attempt >= 50) throw error
            await new Promise((r) => setTimeout(r, 100))
          }
        }
      } finally {
        await c.end()
      }
    },
  }
}

/**
 * A fresh database on `engine` for the enclosing `describe`: created before its tests, dropped
 * after them. The handle may be passed around at once; it resolves when the tests run.
 */
export function useTestDatabase(engine: Engine): TestDatabase {
  let current: TestDatabase | undefined
  beforeAll(async () => {
    current = await createTestDatabase(engine)
  }, 120_000)
  afterAll(async () => {
    await current?.drop()
  })
  const ready = (): TestDatabase => {
    if (!current) throw new Error('useTestDatabase: the database exists only while the tests of its describe run')
    return current
  }
  return {
    engine,
    open: () => ready().open(),
    get url() {
      return ready().url
    },
    drop: () => ready().drop(),
  }
}

/** Empties every faceid table but the migrations (tests share one database per file). */
export async function resetDatabase(db: Database): Promise<void> {
  const tables = (await db.queries.introspection.getTables()).map((t) => t.name).filter((name) => name.startsWith('faceid_') && name !== 'faceid_migrations')
  await db.transaction(async (tx) => {
    for (const name of tables) await sql`DELETE FROM ${sql.table(name)}`.execute(tx)
  })
}
