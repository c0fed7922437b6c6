/**
 * Named prepared statements for the ledger's hottest SQL (the multi-row token INSERT): PostgreSQL
 * parses and plans such a statement once per connection instead of on every issuance, which
 * took about a third of PostgreSQL's own CPU per inserted token in our measurements.
 *
 * Only statements registered here are named; everything else runs as before. Connection poolers
 * in transaction mode (PgBouncer before 1.21, or without `max_prepared_statements`) hand each
 * transaction a different server connection, where a statement prepared on another does not
 * exist: the first such failure turns naming off for the pool, and the query runs again unnamed.
 * (Inside a transaction that retry cannot help, PostgreSQL having aborted it: the issuance path
 * inserts outside one.)
 */
import type { PostgresCursor, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import type pg from 'pg'

/** SQL text → the name it is prepared under. */
const names = new Map<string, string>()

/** Prepares `sql` under `name` on each connection the first time it runs there. */
export function prepareStatement(sql: string, name: string): void {
  names.set(sql, name)
}

/** PostgreSQL's answers when a named statement is not the one the client believes it prepared. */
const NOT_PREPARED_HERE = new Set(['26000', '42P05'])

/**
 * Wraps a pool's `connect` so that its clients run registered statements by name. The wrapper
 * of a client is made once and kept with it, since the driver keeps its own state per client.
 */
export function preparing(connect: () => Promise<pg.PoolClient>): () => Promise<PostgresPoolClient> {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  let naming = true
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const run = async (text: string, values: unknown[]): Promise<pg.QueryResult> => {
      const name = naming ? names.get(text) : undefined
      if (name === undefined) return client.query(text, values)
      try {
        return await client.query({ name, text, values })
      } catch (error) {
        if (!NOT_PREPARED_HERE.has((error as { code?: unknown }).code as string)) throw error
        naming = false
        return client.query(text, values)
      }
    }
    function query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
    function query<R>(what: string | PostgresCursor<R>, parameters?: readonly unknown[]): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
      // A cursor (streamed reads) goes to the client as it is.
      if (typeof what !== 'string') return client.query(what as unknown as pg.Submittable) as unknown as PostgresCursor<R>
      // The rows are whatever the statement returns; the caller's R says what it expects.
      return run(what, parameters as unknown[]) as Promise<unknown> as Promise<PostgresQueryResult<R>>
    }
    return { query, release: () => client.release() }
  }
  return async () => {
    const client = await connect()
    let wrapper = wrappers.get(client)
    if (!wrapper) wrappers.set(client, (wrapper = wrap(client)))
    return wrapper
  }
}
