import { CompiledQuery, type Insertable } from 'kysely'
import type { Database, LedgerQueries } from './database.js'
import type { TokensTable } from './schema.js'
import type { NewToken } from './rows.js'
import { prepareStatement } from './engines/postgres-prepared.js'

/** Rows per multi-row INSERT (11 parameters each, far below PostgreSQL's 65535 and SQLite's 32766). */
const INSERT_BATCH_MAX = 500

/**
 * PostgreSQL: batches of up to this many rows (those under steady load) run as prepared
 * statements; every size prepared keeps its plan in each connection's memory, and a burst's
 * larger batches are rare enough to be parsed each time.
 */
const PREPARED_BATCH_MAX = 32

/** The inserted columns, in order, each with how a new token gives its value. */
const COLUMNS: ReadonlyArray<readonly [keyof TokensTable, (t: NewToken) => unknown]> = [
  ['token', (t) => t.token],
  ['kind', (t) => t.kind],
  ['user_id', (t) => t.userId],
  ['rule_id', (t) => t.ruleId ?? null],
  ['merchant_id', (t) => t.merchantId ?? null],
  ['client_ip', (t) => t.clientIp ?? null],
  // ISO-8601 UTC text, which both engines take for their time columns (and pg's own conversion
  // of a Date, through local time, costs more).
  ['issued_at', (t) => t.issuedAt.toISOString()],
  ['expires_at', (t) => t.expiresAt.toISOString()],
  ['request_id', (t) => t.requestId ?? null],
  ['final', () => false],
  ['return_nonce', (t) => t.returnNonce ?? null],
]

/** One row's values, in the order of `COLUMNS`: what the query builder writes the INSERT from. */
function valuesOf(t: NewToken): Record<string, unknown> {
  return Object.fromEntries(COLUMNS.map(([column, value]) => [column, value(t)]))
}

/** Any row with every column set: only the shape of its values matters to the query builder. */
const SAMPLE: NewToken = { token: '', kind: 'face', userId: '', ruleId: '', merchantId: '', clientIp: '', issuedAt: new Date(0), expiresAt: new Date(0), requestId: '', returnNonce: '' }

/** The INSERT of `n` rows as the query builder writes it for this engine, built once per size (issuance is the hot path). */
const compiledInserts = new WeakMap<object, Map<number, string>>()

function insertSql(q: LedgerQueries, n: number): string {
  const adapter = q.getExecutor().adapter
  let bySize = compiledInserts.get(adapter)
  if (!bySize) compiledInserts.set(adapter, (bySize = new Map()))
  let text = bySize.get(n)
  if (text === undefined) {
    const sample = valuesOf(SAMPLE)
    text = q
      .insertInto('faceid_tokens')
      .values(Array.from({ length: n }, () => sample as Insertable<TokensTable>))
      .compile().sql
    bySize.set(n, text)
    // PostgreSQL: parsed and planned once per connection for each batch size.
    if (n <= PREPARED_BATCH_MAX) prepareStatement(text, `faceid_insert_tokens_${n}`)
  }
  return text
}

/** Writes `rows` in one multi-row INSERT. */
export async function insertRows(q: LedgerQueries, rows: readonly NewToken[]): Promise<void> {
  // The parameters straight from the rows, in the column order (issuance is the hot path).
  const params: unknown[] = []
  for (const t of rows) for (const [, value] of COLUMNS) params.push(value(t))
  await q.executeQuery(CompiledQuery.raw(insertSql(q, rows.length), params))
}

/**
 * Inserts that arrive together (concurrent requests) are written as one multi-row statement:
 * one round trip and one commit instead of one each. A failing batch is retried row by row,
 * so one bad row fails only its own caller.
 */
export class InsertBatcher {
  private readonly queue: Array<{ row: NewToken; resolve: () => void; reject: (error: unknown) => void }> = []
  private inserting = false

  constructor(private readonly db: Database) {}

  /** Resolves once `row` is committed. */
  add(row: NewToken): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject })
      this.flush()
    })
  }

  private flush(): void {
    if (this.inserting) return
    this.inserting = true
    const drain = (): void => {
      void this.drain().finally(() => {
        this.inserting = false
        if (this.queue.length > 0) this.flush()
      })
    }
    // Turns of the event loop let the requests already in flight join the batch. PostgreSQL: one,
    // since rows queue up anyway while an insert is out. SQLite, where a commit runs on the event
    // loop and writes its shared pages (table, indexes) once whatever the rows: two, which under
    // load gathers about 9 rows a commit instead of 6 for the cost of one more poll of the
    // sockets (nothing when idle, where both turns come at once).
    if (this.db.engine === 'sqlite') setImmediate(() => setImmediate(drain))
    else setImmediate(drain)
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, INSERT_BATCH_MAX)
      try {
        await insertRows(this.db.queries, batch.map((b) => b.row))
        for (const b of batch) b.resolve()
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error)
        else for (const b of batch) await insertRows(this.db.queries, [b.row]).then(b.resolve, b.reject)
      }
    }
  }
}
