import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { LedgerUnavailableError } from '../errors/index.js'

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
  /** An existing `pg.Pool` to use instead of `url`: the caller owns it, so `close()` leaves it open. */
  pool?: pg.Pool
  /** PGlite data directory, or `'memory'` for a throwaway database. Default `./.data`. */
  dataDir?: string
  /**
   * Told when PostgreSQL drops an idle connection (a restart, a failover, an admin command).
   * The pool discards that connection and opens a new one on the next query.
   */
  onConnectionError?: (error: Error) => void
}

/** Socket errors of a server that is down, restarting or out of reach. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * SQLSTATEs of a server that cannot serve now, as opposed to a wrong query: connection
 * exceptions (08), insufficient resources (53: too many connections, disk full), shutdown and
 * restart (57P01-57P03), a cancelled statement (57014: statement_timeout), and a read-only
 * server (25006: a failover left us on a standby).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53)...$|^57P0[123]$|^57014$|^25006$/

/** What `pg`, `pg-pool` and PGlite say when the connection is gone. */
const UNAVAILABLE_MESSAGE: ReadonlyArray<[RegExp, string]> = [
  [/^Connection terminated|connection error and is not queryable|^Client was closed|^Cannot use a pool after calling end/, 'connection lost'],
  [/^timeout exceeded when trying to connect|^Query read timeout|^timeout expired/, 'timeout'],
  [/^PGlite is closed/, 'closed'],
]

/** A short, log-safe reason when `error` means the database cannot be reached; else undefined. */
export function unavailableReason(error: unknown): string | undefined {
  if (error instanceof LedgerUnavailableError) return error.reason
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as { code?: unknown; message?: unknown; errors?: unknown }
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return e.code
  const message = typeof e.message === 'string' ? e.message : ''
  for (const [pattern, reason] of UNAVAILABLE_MESSAGE) if (pattern.test(message)) return reason
  // Node reports a failed connection to every address of a host as one AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0) return unavailableReason(e.errors[0])
  return undefined
}

/** The same error, or a `LedgerUnavailableError` (503, `ledger_unavailable`) when the database is out of reach. */
function classify(error: unknown): unknown {
  if (error instanceof LedgerUnavailableError) return error
  const reason = unavailableReason(error)
  return reason === undefined ? error : new LedgerUnavailableError(reason, error)
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw classify(error)
  }
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.pool) return openPostgres(options.pool, options.onConnectionError)
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
    query: (sql, params) => guarded(() => run(db, sql, params)),
    exec: (sql) => guarded(async () => void (await db.exec(sql))),
    transaction: (fn) =>
      guarded(() => db.transaction((tx) => fn({ query: (sql, params) => guarded(() => run(tx, sql, params)), exec: (sql) => guarded(async () => void (await tx.exec(sql))) }))),
    close: () => db.close(),
  }
}

const CONNECT_TIMEOUT_MS = 5000

async function openPostgres(source: string | pg.Pool, onConnectionError: (error: Error) => void = () => undefined): Promise<Database> {
  // A bounded wait for a connection: an unreachable server answers 503 after 5 s instead of
  // holding requests for the operating system's TCP timeout; keep-alive notices dead peers.
  const owned = typeof source === 'string'
  const pool = owned ? new pg.Pool({ connectionString: source, max: 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true }) : source
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
    query: (sql, params) => guarded(() => run(pool, sql, params)),
    exec: (sql) => guarded(async () => void (await pool.query(sql))),
    async transaction(fn) {
      const c = await guarded(() => pool.connect())
      let broken: unknown
      try {
        await guarded(() => c.query('BEGIN'))
        const result = await fn({ query: (sql, params) => guarded(() => run(c, sql, params)), exec: (sql) => guarded(async () => void (await c.query(sql))) })
        await guarded(() => c.query('COMMIT'))
        return result
      } catch (error) {
        await c.query('ROLLBACK').catch((e: unknown) => (broken = e))
        throw classify(error)
      } finally {
        // A connection that could not even roll back is not given to the next caller.
        c.release(broken instanceof Error ? broken : undefined)
      }
    },
    close: async () => {
      if (owned) await pool.end()
      else pool.off('error', onConnectionError)
    },
  }
}
