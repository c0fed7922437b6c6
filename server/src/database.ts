import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
}

/**
 * One SQL surface over two engines: PGlite (PostgreSQL compiled to WASM, in-process) for a
 * single machine, and a PostgreSQL server through `pg` when users outgrow it. The SQL is the same.
 */
export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres'
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** `postgres://…`; when set, PostgreSQL is used. */
  url?: string
  /** PGlite data directory, or `'memory'` for a throwaway database. Default `./.data`. */
  dataDir?: string
  /**
   * Told when PostgreSQL drops an idle connection (a restart, a failover, an admin command).
   * The pool discards that connection and opens a new one on the next query.
   */
  onConnectionError?: (error: Error) => void
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.onConnectionError)
  return openPglite(options.dataDir ?? './.data')
}

async function openPglite(dataDir: string): Promise<Database> {
  let db: PGlite
  if (dataDir === 'memory') {
    db = new PGlite()
  } else {
    fs.mkdirSync(path.resolve(dataDir), { recursive: true })
    db = new PGlite(path.resolve(dataDir))
  }
  await db.waitReady
  const run = async <T>(q: Pick<PGlite, 'query'>, sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
    const r = await q.query<T>(sql, params as unknown[] | undefined)
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length }
  }
  return {
    engine: 'pglite',
    query: (sql, params) => run(db, sql, params),
    exec: async (sql) => void (await db.exec(sql)),
    transaction: (fn) =>
      db.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params), exec: async (sql) => void (await tx.exec(sql)) })),
    close: () => db.close(),
  }
}

async function openPostgres(url: string, onConnectionError: (error: Error) => void = () => undefined): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // Without a listener, an idle connection closed by the server is an uncaught error that ends the process.
  pool.on('error', onConnectionError)
  // Fail at start, not at the first request, when the server is unreachable.
  const client = await pool.connect()
  client.release()
  const run = async <T>(q: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
    const r = await q.query(sql, params)
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length }
  }
  return {
    engine: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => void (await pool.query(sql)),
    async transaction(fn) {
      const c = await pool.connect()
      try {
        await c.query('BEGIN')
        const result = await fn({ query: (sql, params) => run(c, sql, params), exec: async (sql) => void (await c.query(sql)) })
        await c.query('COMMIT')
        return result
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        c.release()
      }
    },
    close: () => pool.end(),
  }
}
