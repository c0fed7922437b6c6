import { CompiledQuery, type Insertable } from 'kysely'
import type { Database, LedgerQueries } from './database.js'
import type { TokensTable } from './schema.js'
import type { NewToken } from './rows.js'

/** Rows per multi-row INSERT (10 parameters each, far below PostgreSQL's 65535 and SQLite's 32766). */
const INSERT_BATCH_MAX = 500

/** One row's values, in the column order of `insertSql`. */
function valuesOf(t: NewToken): Insertable<TokensTable> {
  return {
    token: t.token,
    kind: t.kind,
    user_id: t.userId,
    rule_id: t.ruleId ?? null,
    merchant_id: t.merchantId ?? null,
    client_ip: t.clientIp ?? null,
    issued_at: t.issuedAt,
    expires_at: t.expiresAt,
    request_id: t.requestId ?? null,
    final: false,
  }
}

/** The INSERT of `n` rows as the query builder writes it for this engine, built once per size (issuance is the hot path). */
const compiledInserts = new WeakMap<object, Map<number, string>>()

function insertSql(q: LedgerQueries, sample: Insertable<TokensTable>, n: number): string {
  const adapter = q.getExecutor().adapter
  let bySize = compiledInserts.get(adapter)
  if (!bySize) compiledInserts.set(adapter, (bySize = new Map()))
  let text = bySize.get(n)
  if (text === undefined) {
    text = q.insertInto('faceid_tokens').values(Array.from({ length: n }, () => sample)).compile().sql
    bySize.set(n, text)
  }
  return text
}

/** Writes `rows` in one multi-row INSERT. */
export async function insertRows(q: LedgerQueries, rows: readonly NewToken[]): Promise<void> {
  const values = rows.map(valuesOf)
  const params = values.flatMap((v) => Object.values(v))
  await q.executeQuery(CompiledQuery.raw(insertSql(q, values[0]!, values.length), params))
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
    // One turn of the event loop lets the requests already in flight join the batch: on SQLite,
    // where a statement runs on the event loop, a commit per row costs more than the wait.
    setImmediate(() => {
      void this.drain().finally(() => {
        this.inserting = false
        if (this.queue.length > 0) this.flush()
      })
    })
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
