import { sql } from 'kysely'
import type { Database, LedgerQueries } from './database.js'
import { toDate } from './rows.js'

export type IssueSlotScope = 'user' | 'ip'

/** One limit to hold: at most `limit` slots of `key` in the window. */
export interface IssueSlotRequest {
  scope: IssueSlotScope
  key: string
  limit: number
}

/** Every slot taken, or none, with the refusing key and when its first slot leaves the window. */
export type IssueSlotOutcome = { taken: true } | { taken: false; scope: IssueSlotScope; freesAt: Date }

/** How often an instance deletes rows of users and addresses with no recent slot. */
const SLOT_PRUNE_INTERVAL_MS = 10 * 60_000

/**
 * Issuance slots in `faceid_issue_slots`: one row per limited user or client IP, holding the
 * times of its slots. On PostgreSQL one statement upserts every key's row, and the row locks
 * order concurrent requests of any number of instances. On SQLite the same is a transaction
 * under the file's write lock, with the times as a JSON array.
 */
export class IssueSlots {
  private nextPrune = 0

  constructor(private readonly db: Database) {}

  async take(wanted: readonly IssueSlotRequest[], at: Date, since: Date): Promise<IssueSlotOutcome> {
    if (wanted.length === 0) return { taken: true }
    this.prune(since)
    const taken = this.db.engine === 'postgres' ? await this.takePostgres(wanted, at, since) : await this.takeSqlite(wanted, at, since)
    const refused = taken.indexOf(false)
    if (refused < 0) return { taken: true }
    // Refused (the rare path): give back what was taken, and find the slot that frees first.
    // Only PostgreSQL's statement took the other keys' slots; SQLite's transaction wrote none, and
    // a release there would remove another request's slot taken at the same instant.
    if (this.db.engine === 'postgres') for (const [n, w] of wanted.entries()) if (taken[n]) await this.release(w.scope, w.key, at).catch(() => undefined)
    const { scope, key, limit } = wanted[refused]!
    const inWindow = (await this.list(scope, key)).filter((t) => t > since)
    // The slot whose leaving the window lets one more in: the limit-th newest.
    const limiting = inWindow[inWindow.length - limit]
    return { taken: false, scope, freesAt: limiting ? new Date(limiting.getTime() + (at.getTime() - since.getTime())) : at }
  }

  private async takePostgres(wanted: readonly IssueSlotRequest[], at: Date, since: Date): Promise<boolean[]> {
    // Keys in a fixed order (users before addresses): concurrent statements lock rows in the same order.
    const ctes = wanted.map(
      (w, n) => sql`${sql.id(`s${n}`)} AS (
        INSERT INTO faceid_issue_slots AS s (scope, key, taken, last_taken) VALUES (${w.scope}, ${w.key}, ARRAY[${at}::timestamptz], ${at})
        ON CONFLICT (scope, key) DO UPDATE
           SET taken = ARRAY(SELECT t FROM unnest(s.taken) AS t WHERE t > ${since} ORDER BY t) || ${at}::timestamptz,
               last_taken = GREATEST(s.last_taken, ${at})
         WHERE (SELECT count(*) FROM unnest(s.taken) AS t WHERE t > ${since}) < ${w.limit}
        RETURNING 1)`,
    )
    const counts = wanted.map((_, n) => sql`(SELECT count(*) FROM ${sql.id(`s${n}`)})::int AS ${sql.id(`s${n}`)}`)
    const { rows } = await sql<Record<string, number>>`WITH ${sql.join(ctes, sql`,\n`)} SELECT ${sql.join(counts)}`.execute(this.db.queries)
    return wanted.map((_, n) => rows[0]?.[`s${n}`] === 1)
  }

  private takeSqlite(wanted: readonly IssueSlotRequest[], at: Date, since: Date): Promise<boolean[]> {
    return this.db.transaction(async (tx) => {
      const held = await Promise.all(wanted.map((w) => this.read(tx, w.scope, w.key)))
      const inWindow = held.map((times) => (times ?? []).filter((t) => t > since))
      const taken = wanted.map((w, n) => inWindow[n]!.length < w.limit)
      // All or none: nothing is written when a key refuses.
      if (taken.includes(false)) return taken
      for (const [n, w] of wanted.entries()) {
        const times = JSON.stringify([...inWindow[n]!, at].map((t) => t.toISOString()))
        const last = held[n] && held[n]!.length > 0 ? new Date(Math.max(at.getTime(), ...held[n]!.map((t) => t.getTime()))) : at
        await sql`INSERT INTO faceid_issue_slots (scope, key, taken, last_taken) VALUES (${w.scope}, ${w.key}, ${times}, ${last})
                  ON CONFLICT (scope, key) DO UPDATE SET taken = excluded.taken, last_taken = excluded.last_taken`.execute(tx)
      }
      return taken
    })
  }

  async release(scope: IssueSlotScope, key: string, at: Date): Promise<void> {
    if (this.db.engine === 'postgres') {
      await sql`UPDATE faceid_issue_slots
                   SET taken = taken[:array_position(taken, ${at}::timestamptz) - 1] || taken[array_position(taken, ${at}::timestamptz) + 1:]
                 WHERE scope = ${scope} AND key = ${key} AND ${at}::timestamptz = ANY(taken)`.execute(this.db.queries)
      return
    }
    await this.db.transaction(async (tx) => {
      const times = await this.read(tx, scope, key)
      const index = times?.findIndex((t) => t.getTime() === at.getTime()) ?? -1
      if (!times || index < 0) return
      times.splice(index, 1)
      await tx
        .updateTable('faceid_issue_slots')
        .set({ taken: sql`${JSON.stringify(times.map((t) => t.toISOString()))}` })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute()
    })
  }

  /** The slot times a key holds, oldest first. */
  async list(scope: IssueSlotScope, key: string): Promise<Date[]> {
    return (await this.read(this.db.queries, scope, key)) ?? []
  }

  private async read(q: LedgerQueries, scope: IssueSlotScope, key: string): Promise<Date[] | undefined> {
    const row = await q.selectFrom('faceid_issue_slots').select('taken').where('scope', '=', scope).where('key', '=', key).executeTakeFirst()
    if (!row) return undefined
    const times = typeof row.taken === 'string' ? (JSON.parse(row.taken) as string[]) : row.taken
    return times.map(toDate).sort((a, b) => a.getTime() - b.getTime())
  }

  /** Now and then (off the request's path) deletes the rows of keys with no slot left in the window. */
  private prune(since: Date): void {
    const now = Date.now()
    if (now < this.nextPrune) return
    this.nextPrune = now + SLOT_PRUNE_INTERVAL_MS
    this.db.queries.deleteFrom('faceid_issue_slots').where('last_taken', '<=', since).execute().catch(() => undefined)
  }
}
