import type { Database, LedgerQueries } from './database.js'
import type { NewToken } from './rows.js'

/** Rows per multi-row INSERT (10 parameters each, far below PostgreSQL's 65535 and SQLite's 32766). */
const INSERT_BATCH_MAX = 500

/** Writes `rows` in one multi-row INSERT. */
export async function insertRows(q: LedgerQueries, rows: readonly NewToken[]): Promise<void> {
  await q
    .insertInto('faceid_tokens')
    .values(
      rows.map((t) => ({
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
      })),
    )
    .execute()
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
    // One turn of the event loop lets the requests already in flight join the batch.
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
