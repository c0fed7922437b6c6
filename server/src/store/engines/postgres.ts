import { PostgresDialect, type Dialect } from 'kysely'
import pg from 'pg'
import { preparing } from './postgres-prepared.js'

export interface PostgresConnection {
  dialect: Dialect
  /** Ends the pool when it is ours; for a pool handed in, only stops listening to it. */
  close(): Promise<void>
}

const CONNECT_TIMEOUT_MS = 5000

/**
 * A PostgreSQL server through a `pg` pool, for one instance or several. A pool handed in stays
 * the caller's: closing the ledger leaves it open.
 */
export async function openPostgres(source: string | pg.Pool, onConnectionError: (error: Error) => void = () => undefined): Promise<PostgresConnection> {
  // A bounded wait for a connection: an unreachable server answers 503 after 5 s instead of
  // holding requests for the operating system's TCP timeout; keep-alive notices dead peers.
  const owned = typeof source === 'string'
  const pool = owned ? new pg.Pool({ connectionString: source, max: 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true }) : source
  // Without a listener, an idle connection closed by the server is an uncaught error that ends the process.
  pool.on('error', onConnectionError)
  // Fail at start, not at the first request, when the server is unreachable.
  try {
    const client = await pool.connect()
    client.release()
  } catch (error) {
    pool.off('error', onConnectionError)
    if (owned) await pool.end().catch(() => undefined)
    throw error
  }
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    if (owned) await pool.end()
    else pool.off('error', onConnectionError)
  }
  // Kysely ends the pool it is given when destroyed; ending is ours to decide.
  const facade = { connect: preparing(() => pool.connect()), end: close }
  return { dialect: new PostgresDialect({ pool: facade }), close }
}
