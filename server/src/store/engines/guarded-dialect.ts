import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult, type TransactionSettings } from 'kysely'
import { LedgerUnavailableError } from '../../errors/index.js'
import { classify, guarded } from './unavailable.js'

export interface GuardOptions {
  /** The statement that opens a transaction, when not the driver's own (SQLite: `begin immediate`). */
  begin?: string
  /** Told each time the database answers a query (the ledger's proof that it is reachable). */
  onAnswer?: () => void
  /** Told each time a step fails because the database cannot be reached. */
  onUnreachable?: () => void
}

/**
 * A dialect whose every database step turns "cannot reach the database" into a
 * `LedgerUnavailableError` (503 with Retry-After), whatever the engine. A failed rollback does
 * not hide the error that caused it: the driver has already discarded that connection.
 */
export function guardedDialect(dialect: Dialect, options: GuardOptions = {}): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => guardedDriver(dialect.createDriver(), options),
  }
}

function guardedDriver(driver: Driver, options: GuardOptions): Driver {
  const { onAnswer, onUnreachable } = options
  // Without listeners (SQLite), a step is the guard alone: no promise more per query.
  const step = onUnreachable
    ? <T>(fn: () => Promise<T>): Promise<T> =>
        guarded(fn).catch((error: unknown) => {
          if (error instanceof LedgerUnavailableError) onUnreachable()
          throw error
        })
    : guarded
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const unwrap = (c: DatabaseConnection): DatabaseConnection => inner.get(c) ?? c
  // Set by `destroy`: a query after close is the ledger being unavailable (503), not a bug.
  let closed = false
  const wrap = (c: DatabaseConnection): DatabaseConnection => {
    let w = wrapped.get(c)
    if (!w) {
      w = {
        executeQuery: onAnswer
          ? async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
              const result = await step(() => c.executeQuery<R>(q))
              onAnswer()
              return result
            }
          : <R>(q: CompiledQuery): Promise<QueryResult<R>> => step(() => c.executeQuery<R>(q)),
        async *streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
          try {
            yield* c.streamQuery<R>(q, chunkSize)
          } catch (error) {
            throw classify(error)
          }
        },
      }
      wrapped.set(c, w)
      inner.set(w, c)
    }
    return w
  }
  const guardedDriver: Driver = {
    init: () => step(() => driver.init()),
    acquireConnection: () =>
      step(async () => {
        if (closed) throw new LedgerUnavailableError('closed')
        return wrap(await driver.acquireConnection())
      }),
    beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) =>
      step(() => (options.begin ? unwrap(c).executeQuery(CompiledQuery.raw(options.begin)).then(() => undefined) : driver.beginTransaction(unwrap(c), settings))),
    commitTransaction: (c) => step(() => driver.commitTransaction(unwrap(c))),
    rollbackTransaction: async (c) => {
      await driver.rollbackTransaction(unwrap(c)).catch(() => undefined)
    },
    releaseConnection: (c) => driver.releaseConnection(unwrap(c)),
    destroy: () => {
      closed = true
      return driver.destroy()
    },
  }
  return guardedDriver
}
