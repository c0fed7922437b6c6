import { LedgerUnavailableError } from '../../errors/index.js'

/** Socket errors of a server that is down, restarting or out of reach. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * SQLSTATEs of a server that cannot serve now, as opposed to a wrong query: connection
 * exceptions (08), insufficient resources (53: too many connections, disk full), shutdown and
 * restart (57P01-57P03), a cancelled statement (57014: statement_timeout), and a read-only
 * server (25006: a failover left us on a standby).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53)...$|^57P0[123]$|^57014$|^25006$/

/**
 * SQLite's primary result codes of a file that cannot serve now: BUSY and LOCKED (another
 * process holds the write lock past the busy timeout), READONLY, IOERR, CORRUPT, FULL (disk
 * full), CANTOPEN. better-sqlite3 names them (`SQLITE_IOERR_WRITE`); node:sqlite numbers them.
 */
const SQLITE_UNAVAILABLE = new Map([
  [5, 'SQLITE_BUSY'],
  [6, 'SQLITE_LOCKED'],
  [8, 'SQLITE_READONLY'],
  [10, 'SQLITE_IOERR'],
  [11, 'SQLITE_CORRUPT'],
  [13, 'SQLITE_FULL'],
  [14, 'SQLITE_CANTOPEN'],
])
const SQLITE_UNAVAILABLE_NAME = /^(SQLITE_(BUSY|LOCKED|READONLY|IOERR|CORRUPT|FULL|CANTOPEN))(_|$)/

/** What `pg`, `pg-pool` and the SQLite drivers say when the connection is gone. */
const UNAVAILABLE_MESSAGE: ReadonlyArray<[RegExp, string]> = [
  [/^Connection terminated|connection error and is not queryable|^Client was closed|^Cannot use a pool after calling end/, 'connection lost'],
  [/^timeout exceeded when trying to connect|^Query read timeout|^timeout expired/, 'timeout'],
  [/^The database connection is not open|^database is not open|^driver has already been destroyed/i, 'closed'],
]

/** A short, log-safe reason when `error` means the database cannot be reached; else undefined. */
export function unavailableReason(error: unknown): string | undefined {
  if (error instanceof LedgerUnavailableError) return error.reason
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as { code?: unknown; errcode?: unknown; message?: unknown; errors?: unknown }
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return e.code
  if (typeof e.code === 'string') {
    const name = SQLITE_UNAVAILABLE_NAME.exec(e.code)?.[1]
    if (name) return name
  }
  // node:sqlite: `code: 'ERR_SQLITE_ERROR'` with the (extended) result code in `errcode`.
  if (typeof e.errcode === 'number') {
    const name = SQLITE_UNAVAILABLE.get(e.errcode & 0xff)
    if (name) return name
  }
  const message = typeof e.message === 'string' ? e.message : ''
  for (const [pattern, reason] of UNAVAILABLE_MESSAGE) if (pattern.test(message)) return reason
  // Node reports a failed connection to every address of a host as one AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0) return unavailableReason(e.errors[0])
  return undefined
}

/** The same error, or a `LedgerUnavailableError` (503, `ledger_unavailable`) when the database is out of reach. */
export function classify(error: unknown): unknown {
  if (error instanceof LedgerUnavailableError) return error
  const reason = unavailableReason(error)
  return reason === undefined ? error : new LedgerUnavailableError(reason, error)
}

export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw classify(error)
  }
}
