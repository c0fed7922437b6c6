import fs from 'node:fs'
import path from 'node:path'
import { CompiledQuery, Kysely, type Dialect, type Driver } from 'kysely'
import type pg from 'pg'
import { ConfigurationError, LedgerUnavailableError } from '../errors/index.js'
import { guardedDialect, type GuardOptions } from './engines/guarded-dialect.js'
import { openPostgres } from './engines/postgres.js'
import { openSqlite, type SqliteDriverName, type SqliteOptions } from './engines/sqlite.js'
import type { LedgerTables } from './schema.js'

export { unavailableReason } from './engines/unavailable.js'
export type { SqliteDriverName, SqliteSynchronous } from './engines/sqlite.js'
export type { LedgerTables } from './schema.js'

/** The ledger's engines: SQLite embedded in the process (one instance), or a PostgreSQL server (any number). */
export type DatabaseEngine = 'sqlite' | 'postgres'

/** The typed query builder over the ledger's tables, or a transaction of it. */
export type LedgerQueries = Kysely<LedgerTables>

/**
 * The ledger's database on either engine. Queries are written once with the query builder;
 * where the engines' SQL must differ (locks, arrays), a query module branches on `engine`.
 */
export interface Database {
  readonly engine: DatabaseEngine
  /** The library under it: `node:sqlite` or `better-sqlite3` for SQLite, `pg` for PostgreSQL. */
  readonly driver: SqliteDriverName | 'pg'
  readonly queries: LedgerQueries
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: LedgerQueries) => Promise<T>): Promise<T>
  /**
   * Proves the ledger answers; throws `LedgerUnavailableError` when it cannot. PostgreSQL: one
   * round trip, unless the server answered a query in the last `RECENT_ANSWER_MS` and no
   * connection has failed since (under load, issuance then costs no extra round trip). SQLite
   * lives in this process, where `SELECT 1` could only fail on a closed database (it reads no
   * page), so the check is that it is open.
   */
  ping(): Promise<void>
  close(): Promise<void>
}

/** The SQLite file inside a data directory. */
export const SQLITE_FILE = 'ledger.sqlite'

export interface OpenDatabaseOptions {
  /** `postgres://…`; when set, PostgreSQL is used. */
  url?: string | undefined
  /** An existing `pg.Pool` to use instead of `url`: the caller owns it, so `close()` leaves it open. */
  pool?: pg.Pool | undefined
  /** The embedded engine's directory (the ledger is `ledger.sqlite` in it), or `'memory'` for a throwaway database. Default `./.data`. */
  dataDir?: string | undefined
  /** The embedded engine's settings. */
  sqlite?: Omit<SqliteOptions, 'file'> | undefined
  /**
   * Told when PostgreSQL drops an idle connection (a restart, a failover, an admin command).
   * The pool discards that connection and opens a new one on the next query.
   */
  onConnectionError?: ((error: Error) => void) | undefined
}

/**
 * A data directory written by the embedded engine of faceid-kit 0.1 (PGlite) and not yet
 * copied into SQLite: refused, with the one command that copies it, so that nothing is lost.
 */
export class LegacyLedgerError extends ConfigurationError {
  constructor(readonly dataDir: string) {
    super(
      `${dataDir} holds a ledger written by the PGlite engine of faceid-kit 0.1, which is no longer the embedded engine. ` +
        `Copy it into SQLite once with \`npx faceid-kit-import-pglite ${dataDir}\` (\`npm run import-pglite -- ${dataDir}\` in the faceid-kit repository), then start again. ` +
        'Nothing has been changed.',
    )
  }
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.pool || options.url) {
    const proof = new AnswerProof()
    const onConnectionError = (error: Error): void => {
      proof.forget()
      options.onConnectionError?.(error)
    }
    const { dialect, close } = await openPostgres((options.pool ?? options.url)!, onConnectionError)
    return wrap('postgres', 'pg', dialect, close, { onAnswer: proof.record, onUnreachable: proof.forget }, proof)
  }
  const file = sqliteFile(options.dataDir ?? './.data')
  const { driver, dialect, close } = await openSqlite({ file, ...options.sqlite })
  return wrap('sqlite', driver, dialect, close, { begin: 'begin immediate' })
}

/**
 * How recent an answer of PostgreSQL proves it reachable for the ping before an issuance: short
 * enough that an outage noticed by nothing else costs at most this long of buying tokens that
 * cannot be recorded (they fail with 503 and are never shown), long enough that under load
 * the answers to other requests' queries make the ping's own round trip rare.
 */
export const RECENT_ANSWER_MS = 25

/** When PostgreSQL last answered; forgotten when a connection fails. */
class AnswerProof {
  private at = Number.NEGATIVE_INFINITY
  readonly record = (): void => {
    this.at = performance.now()
  }
  readonly forget = (): void => {
    this.at = Number.NEGATIVE_INFINITY
  }
  fresh(): boolean {
    return performance.now() - this.at < RECENT_ANSWER_MS
  }
}

/** The SQLite file for a data directory (created when missing); refuses an unconverted PGlite directory. */
export function sqliteFile(dataDir: string): string {
  if (dataDir === 'memory') return ':memory:'
  const dir = path.resolve(dataDir)
  const file = path.join(dir, SQLITE_FILE)
  if (!fs.existsSync(file) && fs.existsSync(path.join(dir, 'PG_VERSION'))) throw new LegacyLedgerError(dataDir)
  fs.mkdirSync(dir, { recursive: true })
  return file
}

function wrap(engine: DatabaseEngine, driver: Database['driver'], dialect: Dialect, closeSource: () => Promise<void>, guard: GuardOptions, proof?: AnswerProof): Database {
  const guarded = guardedDialect(dialect, guard)
  // Closing ends the driver under Kysely, not Kysely itself: a query after close then fails as
  // the ledger being unavailable (503), where a destroyed Kysely throws a bare Error (500).
  let engineDriver: Driver | undefined
  const queries = new Kysely<LedgerTables>({ dialect: { ...guarded, createDriver: () => (engineDriver = guarded.createDriver()) } })
  let closing: Promise<void> | undefined
  let pinging: Promise<void> | undefined
  return {
    engine,
    driver,
    queries,
    transaction: (fn) => queries.transaction().execute(fn),
    ping: proof
      ? async () => {
          if (closing) throw new LedgerUnavailableError('closed')
          if (proof.fresh()) return
          // One ping at a time, shared by every request that needs one meanwhile: when answers
          // pause (PostgreSQL slow for a moment), the requests in flight would otherwise each send
          // their own, and the pool would open connections for them just when the server is slow.
          pinging ??= queries
            .executeQuery(PING)
            .then(() => undefined)
            .finally(() => {
              pinging = undefined
            })
          await pinging
        }
      : async () => {
          if (closing) throw new LedgerUnavailableError('closed')
        },
    close: () => (closing ??= Promise.resolve(engineDriver?.destroy()).then(closeSource)),
  }
}

/** Compiled once: the ping runs before issuances without limits. */
const PING = CompiledQuery.raw('select 1')
