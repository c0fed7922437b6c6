import type { Database } from './database.js'
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

/** Issuance slots in `faceid_issue_slots`: one row per limited user or client IP. */
export class IssueSlots {
  private nextPrune = 0

  constructor(private readonly db: Database) {}

  async take(wanted: readonly IssueSlotRequest[], at: Date, since: Date): Promise<IssueSlotOutcome> {
    if (wanted.length === 0) return { taken: true }
    this.prune(since)
    const params: unknown[] = [at, since]
    // Keys in a fixed order (users before addresses): concurrent statements lock rows in the same order.
    const ctes = wanted.map((w, n) => {
      params.push(w.scope, w.key, w.limit)
      const [scope, key, limit] = [params.length - 2, params.length - 1, params.length]
      return `s${n} AS (
        INSERT INTO faceid_issue_slots AS s (scope, key, taken, last_taken) VALUES ($${scope}, $${key}, ARRAY[$1::timestamptz], $1)
        ON CONFLICT (scope, key) DO UPDATE
           SET taken = ARRAY(SELECT t FROM unnest(s.taken) AS t WHERE t > $2 ORDER BY t) || $1::timestamptz,
               last_taken = GREATEST(s.last_taken, $1)
         WHERE (SELECT count(*) FROM unnest(s.taken) AS t WHERE t > $2) < $${limit}
        RETURNING 1)`
    })
    const { rows } = await this.db.query<Record<string, number>>(
      `WITH ${ctes.join(',\n')}
       SELECT ${wanted.map((_, n) => `(SELECT count(*) FROM s${n})::int AS s${n}`).join(', ')}`,
      params,
    )
    const taken = wanted.map((_, n) => rows[0]?.[`s${n}`] === 1)
    const refused = taken.indexOf(false)
    if (refused < 0) return { taken: true }
    // Refused (the rare path): give back what was taken, and find the slot that frees first.
    for (const [n, w] of wanted.entries()) if (taken[n]) await this.release(w.scope, w.key, at).catch(() => undefined)
    const { scope, key, limit } = wanted[refused]!
    const { rows: held } = await this.db.query<{ limiting: Date | string | null }>(
      `SELECT (SELECT t FROM unnest(taken) AS t WHERE t > $3 ORDER BY t DESC OFFSET $4 LIMIT 1) AS limiting
         FROM faceid_issue_slots WHERE scope = $1 AND key = $2`,
      [scope, key, since, limit - 1],
    )
    const limiting = held[0]?.limiting
    return { taken: false, scope, freesAt: limiting ? new Date(toDate(limiting).getTime() + (at.getTime() - since.getTime())) : at }
  }

  async release(scope: IssueSlotScope, key: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE faceid_issue_slots
          SET taken = taken[:array_position(taken, $3::timestamptz) - 1] || taken[array_position(taken, $3::timestamptz) + 1:]
        WHERE scope = $1 AND key = $2 AND $3::timestamptz = ANY(taken)`,
      [scope, key, at],
    )
  }

  async list(scope: IssueSlotScope, key: string): Promise<Date[]> {
    const { rows } = await this.db.query<{ t: Date | string }>(
      'SELECT t FROM faceid_issue_slots, unnest(taken) AS t WHERE scope = $1 AND key = $2 ORDER BY t',
      [scope, key],
    )
    return rows.map((r) => toDate(r.t))
  }

  /** Now and then (off the request's path) deletes the rows of keys with no slot left in the window. */
  private prune(since: Date): void {
    const now = Date.now()
    if (now < this.nextPrune) return
    this.nextPrune = now + SLOT_PRUNE_INTERVAL_MS
    this.db.query('DELETE FROM faceid_issue_slots WHERE last_taken <= $1', [since]).catch(() => undefined)
  }
}
