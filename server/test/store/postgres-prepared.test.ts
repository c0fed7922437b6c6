/**
 * PostgreSQL: the token INSERT of an issuance is a named prepared statement, parsed and planned
 * once per connection. A connection that does not hold the statement the client believes it
 * prepared (what a pooler in transaction mode does) still records the token, unnamed.
 */
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import { createTestDatabase, POSTGRES_URL } from '../support/postgres-db.js'

/** A ledger on a pool of one connection, so that the statements it holds can be listed. */
async function oneConnection(): Promise<{ db: Database; ledger: Ledger; dispose: () => Promise<void> }> {
  const database = await createTestDatabase('postgres')
  const pool = new pg.Pool({ connectionString: database.url, max: 1 })
  const db = await openDatabase({ pool })
  const ledger = await Ledger.open(db)
  const dispose = async () => {
    await db.close()
    await pool.end().catch(() => undefined)
    await database.drop()
  }
  return { db, ledger, dispose }
}

let serial = 0
function insert(ledger: Ledger): Promise<void> {
  const now = new Date()
  return ledger.insert({ token: `BEEF0000-0000-4000-8000-${String(++serial).padStart(12, '0')}`, kind: 'face', userId: 'u1', issuedAt: now, expiresAt: new Date(now.getTime() + 7_200_000) })
}

async function prepared(db: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(db.queries)
  return rows.map((r) => r.name)
}

describe.runIf(POSTGRES_URL)('the token INSERT on PostgreSQL', () => {
  it('is prepared once per connection and named by its number of rows', async () => {
    const { db, ledger, dispose } = await oneConnection()
    try {
      await insert(ledger)
      await insert(ledger)
      expect(await prepared(db)).toEqual(['faceid_insert_tokens_1'])
      await Promise.all([insert(ledger), insert(ledger), insert(ledger)])
      expect(await ledger.count()).toBe(5)
      // The three concurrent ones went as one statement of three rows (or fewer, never more names than sizes).
      expect((await prepared(db)).every((name) => /^faceid_insert_tokens_[1-3]$/.test(name))).toBe(true)
    } finally {
      await dispose()
    }
  })

  it('leaves the INSERT of a large batch (a burst) unprepared', async () => {
    const { db, ledger, dispose } = await oneConnection()
    try {
      // Added in one turn of the event loop, so written as one batch of 40.
      await Promise.all(Array.from({ length: 40 }, () => insert(ledger)))
      expect(await ledger.count()).toBe(40)
      expect(await prepared(db)).toEqual([])
    } finally {
      await dispose()
    }
  })

  it("still records tokens when the server's connection lost the statement, and names none afterwards", async () => {
    const { db, ledger, dispose } = await oneConnection()
    try {
      await insert(ledger)
      // The client believes the statement prepared; the connection behind it no longer has it
      // (26000), as when a pooler hands the client another server connection.
      await sql`DEALLOCATE ALL`.execute(db.queries)
      await insert(ledger)
      await insert(ledger)
      expect(await ledger.count()).toBe(3)
      expect(await prepared(db)).toEqual([])
    } finally {
      await dispose()
    }
  })

  it('still records tokens when the name is taken on the server connection', async () => {
    const { db, ledger, dispose } = await oneConnection()
    try {
      // Another client of a pooler prepared the name on this server connection (42P05).
      await sql`PREPARE faceid_insert_tokens_1 AS SELECT 1`.execute(db.queries)
      await insert(ledger)
      await insert(ledger)
      expect(await ledger.count()).toBe(2)
      const { rows } = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db.queries)
      expect(rows.map((r) => r.statement)).toEqual(['PREPARE faceid_insert_tokens_1 AS SELECT 1'])
    } finally {
      await dispose()
    }
  })
})
