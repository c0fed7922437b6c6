/**
 * The webhook outbox (migration 10): events written in the same transaction as what they
 * report, then delivered by `jobs/webhook-delivery.ts` under leases, as the sweeper claims tokens.
 */
import { sql } from 'kysely'
import type { Database, LedgerQueries } from './database.js'
import type { OutboxEvent } from '../webhooks/events.js'
import { toDate } from './rows.js'

export type OutboxState = 'pending' | 'delivered' | 'failed'

/** One event for one endpoint, claimed for delivery. */
export interface OutboxDelivery {
  id: number
  eventId: string
  endpoint: string
  type: string
  token: string | null
  body: string
  createdAt: Date
  /** Attempts made before this one. */
  attempts: number
}

/** Writes `event` once per endpoint, inside the caller's transaction; an event already there is left alone. */
export async function enqueue(q: LedgerQueries, endpoints: readonly string[], events: readonly OutboxEvent[]): Promise<void> {
  if (endpoints.length === 0 || events.length === 0) return
  const rows = events.flatMap((e) =>
    endpoints.map((endpoint) => ({ event_id: e.eventId, endpoint, type: e.type, token: e.token, body: e.body, created_at: e.createdAt, next_attempt_at: e.createdAt })),
  )
  await q
    .insertInto('faceid_webhook_outbox')
    .values(rows)
    .onConflict((oc) => oc.columns(['event_id', 'endpoint']).doNothing())
    .execute()
}

export interface OutboxClaim {
  owner: string
  now: Date
  leaseMs: number
  limit: number
  /** Endpoints this instance delivers to (ids). */
  endpoints: readonly string[]
}

/**
 * Claims due events, oldest first. An event waits while an earlier event of the same token and
 * endpoint is still pending, so a token's events arrive in order. PostgreSQL: SKIP LOCKED keeps
 * two instances from claiming one row at the same moment; SQLite: the file's write lock does.
 */
export async function claim(db: Database, c: OutboxClaim): Promise<OutboxDelivery[]> {
  if (c.endpoints.length === 0) return []
  const leaseUntil = new Date(c.now.getTime() + c.leaseMs)
  let due = db.queries
    .selectFrom('faceid_webhook_outbox as o')
    .select('o.id')
    .where('o.state', '=', 'pending')
    .where('o.endpoint', 'in', [...c.endpoints])
    .where('o.next_attempt_at', '<=', c.now)
    .where((eb) => eb.or([eb('o.lease_until', 'is', null), eb('o.lease_until', '<=', c.now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('faceid_webhook_outbox as p')
            .select(sql<number>`1`.as('one'))
            .whereRef('p.endpoint', '=', 'o.endpoint')
            .whereRef('p.token', '=', 'o.token')
            .where('p.state', '=', 'pending')
            .whereRef('p.id', '<', 'o.id'),
        ),
      ),
    )
    .orderBy('o.id')
    .limit(c.limit)
  if (db.engine === 'postgres') due = due.forUpdate().skipLocked()
  const rows = await db.queries
    .updateTable('faceid_webhook_outbox')
    .set({ lease_owner: c.owner, lease_until: leaseUntil })
    .where('id', 'in', due)
    .returningAll()
    .execute()
  return rows
    .map((r) => ({
      id: Number(r.id),
      eventId: r.event_id,
      endpoint: r.endpoint,
      type: r.type,
      token: r.token,
      body: r.body,
      createdAt: toDate(r.created_at),
      attempts: r.attempts,
    }))
    .sort((a, b) => a.id - b.id)
}

/**
 * Extends a lease right before an attempt; false when it is no longer ours (it lapsed and
 * another instance took the event over), and then nothing must be sent.
 */
export async function renew(db: Database, id: number, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const result = await db.queries
    .updateTable('faceid_webhook_outbox')
    .set({ lease_until: new Date(now.getTime() + leaseMs) })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('lease_until', '>', now)
    .where('state', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Ends an attempt: delivered, failed for good, or pending again at `nextAttemptAt`. Only the lease owner's word counts. */
export async function settle(
  db: Database,
  id: number,
  owner: string,
  at: Date,
  outcome: { state: 'delivered' } | { state: 'failed'; error: string } | { state: 'pending'; error: string; nextAttemptAt: Date },
): Promise<boolean> {
  const result = await db.queries
    .updateTable('faceid_webhook_outbox')
    .set((eb) => ({
      state: outcome.state,
      attempts: eb('attempts', '+', 1),
      lease_owner: null,
      lease_until: null,
      last_attempt_at: at,
      ...(outcome.state === 'delivered' ? { delivered_at: at, last_error: null } : { last_error: outcome.error }),
      ...(outcome.state === 'pending' ? { next_attempt_at: outcome.nextAttemptAt } : {}),
    }))
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('state', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Hands a claim back untried (stopping). */
export async function release(db: Database, id: number, owner: string): Promise<void> {
  await db.queries.updateTable('faceid_webhook_outbox').set({ lease_owner: null, lease_until: null }).where('id', '=', id).where('lease_owner', '=', owner).execute()
}

/** How one endpoint's deliveries stand, from the outbox (the same on every instance). */
export interface EndpointHealth {
  endpoint: string
  /** Events not delivered yet (waiting, or being retried). */
  pending: number
  delivered: number
  /** Events given up after the delivery window. */
  failed: number
  /** Attempts already made for the oldest pending event: several in a row means the endpoint keeps failing. */
  oldestPendingAttempts: number
  oldestPendingAt: Date | null
  lastDeliveredAt: Date | null
  lastFailedAttemptAt: Date | null
  /** The last error of a pending or failed event (an HTTP status or a network error, never a body). */
  lastError: string | null
}

export async function health(db: Database, endpoints: readonly string[]): Promise<EndpointHealth[]> {
  if (endpoints.length === 0) return []
  const rows = await db.queries
    .selectFrom('faceid_webhook_outbox')
    .select((eb) => [
      'endpoint',
      'state',
      eb.fn.countAll().as('n'),
      eb.fn.min('created_at').as('oldest'),
      eb.fn.max('delivered_at').as('last_delivered'),
    ])
    .where('endpoint', 'in', [...endpoints])
    .groupBy(['endpoint', 'state'])
    .execute()
  const out: EndpointHealth[] = []
  for (const endpoint of endpoints) {
    const mine = rows.filter((r) => r.endpoint === endpoint)
    const count = (state: OutboxState) => Number(mine.find((r) => r.state === state)?.n ?? 0)
    const oldestRaw = mine.find((r) => r.state === 'pending')?.oldest
    const deliveredRaw = mine.find((r) => r.state === 'delivered')?.last_delivered
    const oldestPending = await db.queries
      .selectFrom('faceid_webhook_outbox')
      .select(['attempts'])
      .where('endpoint', '=', endpoint)
      .where('state', '=', 'pending')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    const lastFailure = await db.queries
      .selectFrom('faceid_webhook_outbox')
      .select(['last_error', 'last_attempt_at'])
      .where('endpoint', '=', endpoint)
      .where('state', '!=', 'delivered')
      .where('last_error', 'is not', null)
      .orderBy('last_attempt_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    out.push({
      endpoint,
      pending: count('pending'),
      delivered: count('delivered'),
      failed: count('failed'),
      oldestPendingAttempts: oldestPending?.attempts ?? 0,
      oldestPendingAt: oldestRaw ? toDate(oldestRaw as Date | string) : null,
      lastDeliveredAt: deliveredRaw ? toDate(deliveredRaw as Date | string) : null,
      lastFailedAttemptAt: lastFailure?.last_attempt_at ? toDate(lastFailure.last_attempt_at) : null,
      lastError: lastFailure?.last_error ?? null,
    })
  }
  return out
}

/** Deletes delivered and given-up events created before `before`; returns how many. */
export async function purgeFinished(db: Database, before: Date): Promise<number> {
  const result = await db.queries.deleteFrom('faceid_webhook_outbox').where('state', '!=', 'pending').where('created_at', '<', before).executeTakeFirst()
  return Number(result.numDeletedRows)
}
