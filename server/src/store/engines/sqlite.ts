/**
 * The embedded engine: SQLite in one file, through Node's built-in `node:sqlite` where the
 * runtime has it (Node ≥ 22.13) and `better-sqlite3` otherwise (Node 20). Both are synchronous:
 * a statement runs to completion on the event loop, so within the process every statement is
 * atomic, and Kysely's single connection serialises transactions. Other processes on the same
 * file (the sweep and reconcile commands) are kept apart by SQLite's file lock: transactions
 * begin IMMEDIATE, and a waiting writer retries for `busy_timeout`.
 */
import { createRequire } from 'node:module'
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely'
import { ConfigurationError } from '../../errors/index.js'
import { FALLBACK_AUTOCHECKPOINT_PAGES, SAFETY_NET_AUTOCHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js'

/** Which library runs SQLite. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3'

/**
 * How hard a commit waits for the disk. `normal` (default, WAL mode): the log is flushed at
 * checkpoints, so a commit survives a crash or kill of the process, but the last commits may
 * roll back if the machine loses power. `full`: flushed on every commit, which survives a power
 * cut too; the drivers are synchronous, so each flush (about 2 ms here) stalls the event loop.
 */
export type SqliteSynchronous = 'full' | 'normal'

export interface SqliteOptions {
  /** A file path, or `':memory:'`. */
  file: string
  /** Default: `node:sqlite` when the runtime has it, else `better-sqlite3`. */
  driver?: SqliteDriverName | undefined
  synchronous?: SqliteSynchronous | undefined
  /** How long a writer waits for another process's lock before `SQLITE_BUSY`. Default 5000 ms. */
  busyTimeoutMs?: number | undefined
  /**
   * Whether a worker thread checkpoints the write-ahead log (default), so that no commit of the
   * server's blocks the event loop copying it. `false`: SQLite's default, the connection whose
   * commit fills the log checkpoints it.
   */
  backgroundCheckpoints?: boolean | undefined
}

/** The surface both libraries share (better-sqlite3 also takes arrays; node:sqlite only spreads). */
interface NativeStatement {
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  iterate(...params: unknown[]): IterableIterator<unknown>
  /** better-sqlite3: whether the statement returns rows. */
  readonly reader?: boolean
  /** node:sqlite: the result columns (none for a statement that returns no rows). */
  columns?(): unknown[]
}

interface NativeDatabase {
  prepare(sql: string): NativeStatement
  exec(sql: string): unknown
  close(): void
}

export interface SqliteConnection {
  driver: SqliteDriverName
  /** What Kysely's SQLite dialect takes: statements prepared once, values converted. */
  dialect: SqliteDialect
  /** Whether a worker thread checkpoints the log (see `backgroundCheckpoints`). */
  backgroundCheckpoints: boolean
  /** Stops what runs beside the connection (the checkpoint worker); the dialect closes the connection itself. */
  close(): Promise<void>
}

/** Whether a statement returns rows, for node:sqlite before 22.16 (no `columns()`). */
const RETURNS_ROWS = /^\s*(select|with|pragma|values)\b|\breturning\b/i

/** The page cache, in KiB: SQLite's own default, whichever library built it. */
const PAGE_CACHE_KIB = 2000

/** What the write-ahead log file is truncated to after a restart (the worker restarts it near 16 MB). */
const WAL_SIZE_LIMIT_BYTES = 32 * 1024 * 1024

/** Statements kept prepared; the ledger has a few dozen distinct ones. */
const STATEMENT_CACHE_MAX = 256

export async function openSqlite(options: SqliteOptions): Promise<SqliteConnection> {
  const { name, open, modulePath } = await loadDriver(options.driver)
  const native = open(options.file)
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))
  let checkpointer: Checkpointer | undefined
  try {
    const synchronous = options.synchronous ?? 'normal'
    if (synchronous !== 'full' && synchronous !== 'normal') throw new ConfigurationError(`sqlite synchronous must be 'full' or 'normal', got ${JSON.stringify(synchronous)}`)
    native.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
    if (options.file !== ':memory:') native.exec('PRAGMA journal_mode = WAL')
    native.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`)
    // better-sqlite3 is built with a 16 MB page cache (SQLite's own default is 2 MB), which a scan
    // of a large ledger fills for good. The ledger's hot pages are its indexes; the operating
    // system caches the rest of the file outside the process.
    native.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`)
    if (options.file !== ':memory:' && options.backgroundCheckpoints !== false) {
      native.exec(`PRAGMA wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`)
      // A log that grew under a burst is cut back to this size when it starts again.
      native.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
      checkpointer = await startCheckpointer({ file: options.file, driver: name, modulePath, busyTimeoutMs }).catch(() => {
        // No worker (a locked-down runtime): the connection checkpoints, as SQLite does by default.
        native.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`)
        return undefined
      })
    }
  } catch (error) {
    native.close()
    throw error
  }
  return {
    driver: name,
    dialect: new SqliteDialect({ database: adapt(native) }),
    backgroundCheckpoints: checkpointer !== undefined,
    close: async () => checkpointer?.stop(),
  }
}

/** Dates are stored as ISO-8601 UTC text (which sorts and compares in time order), flags as 0/1. */
function toSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value === undefined) return null
  return value
}

function adapt(native: NativeDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => native.close(),
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql)
      if (cached) return cached
      const stmt = native.prepare(sql)
      const reader = typeof stmt.reader === 'boolean' ? stmt.reader : stmt.columns ? stmt.columns().length > 0 : RETURNS_ROWS.test(sql)
      const bind = (params: ReadonlyArray<unknown>): unknown[] => params.map(toSqlite)
      const statement: SqliteStatement = {
        reader,
        all: (params) => stmt.all(...bind(params)),
        run: (params) => stmt.run(...bind(params)),
        iterate: (params) => stmt.iterate(...bind(params)),
      }
      if (cache.size >= STATEMENT_CACHE_MAX) cache.delete(cache.keys().next().value as string)
      cache.set(sql, statement)
      return statement
    },
  }
}

interface LoadedDriver {
  name: SqliteDriverName
  open(file: string): NativeDatabase
  /** better-sqlite3's entry point, for the checkpoint worker. */
  modulePath?: string
}

async function loadDriver(wanted: SqliteDriverName | undefined): Promise<LoadedDriver> {
  if (wanted !== undefined && wanted !== 'node:sqlite' && wanted !== 'better-sqlite3') {
    throw new ConfigurationError(`sqlite driver must be 'node:sqlite' or 'better-sqlite3', got ${JSON.stringify(wanted)}`)
  }
  const errors: string[] = []
  if (wanted !== 'better-sqlite3') {
    try {
      return await loadNodeSqlite()
    } catch (error) {
      errors.push(`node:sqlite: ${error instanceof Error ? error.message : String(error)}`)
      if (wanted === 'node:sqlite') throw new ConfigurationError(`The embedded ledger was asked to use node:sqlite, which this Node.js ${process.version} does not offer (Node.js ≥ 22.13 has it).`, { cause: error })
    }
  }
  try {
    return await loadBetterSqlite3()
  } catch (error) {
    errors.push(`better-sqlite3: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    throw new ConfigurationError(
      `The embedded ledger needs SQLite. Node.js ≥ 22.13 has it built in; on Node.js ${process.version}, install it with \`npm install better-sqlite3@12\`. ` +
        `Or set DATABASE_URL to use PostgreSQL. (${errors.join('; ')})`,
      { cause: error },
    )
  }
}

// The specifiers are variables so that neither TypeScript nor a bundler resolves them: both
// libraries are optional, and only the one in use is loaded.
const NODE_SQLITE = 'node:sqlite'
const BETTER_SQLITE3 = 'better-sqlite3'

async function loadNodeSqlite(): Promise<LoadedDriver> {
  const mod = (await import(NODE_SQLITE)) as { DatabaseSync: new (file: string) => NativeDatabase }
  return { name: 'node:sqlite', open: (file) => new mod.DatabaseSync(file) }
}

async function loadBetterSqlite3(): Promise<LoadedDriver> {
  const mod = (await import(BETTER_SQLITE3)) as { default: new (file: string) => NativeDatabase }
  const Database = mod.default
  // Its native part loads on first use: an addon built for another Node.js fails here, with the
  // advice above, rather than at the first query.
  new Database(':memory:').close()
  return { name: 'better-sqlite3', open: (file) => new Database(file), modulePath: createRequire(import.meta.url).resolve(BETTER_SQLITE3) }
}
