import { sql } from 'kysely'
import type { VerificationStatus } from '@faceid-kit/shared'
import { fromRow, notFinal, toDate, type LedgerContext, type TokenRecord } from './rows.js'

/** A token a sweeper holds a lease on. */
export interface ClaimedToken extends TokenRecord {
  /** Sweeper fetches so far (successful or not). */
  sweepAttempts: number
  leaseUntil: Date
}

export interface ClaimRequest {
  /** Who claims: unique per sweeper instance. */
  owner: string
  now: Date
  leaseMs: number
  limit: number
  /** A token never scheduled yet is due this long after it was issued (the user is still busy). */
  firstFetchAfterMs: number
}

export interface SweepCounts {
  /** Not final. */
  open: number
  /** Not final, due now and not leased. */
  due: number
  /** Under a live lease. */
  leased: number
}

export async function claimDue(ledger: LedgerContext, c: ClaimRequest): Promise<ClaimedToken[]> {
  const { db } = ledger
  const leaseUntil = new Date(c.now.getTime() + c.leaseMs)
  const firstDue = new Date(c.now.getTime() - c.firstFetchAfterMs)
  // PostgreSQL: SKIP LOCKED keeps two instances from claiming the same row at the same moment.
  // SQLite: the statement runs under the file's write lock, so no two processes interleave.
  let due = db.queries
    .selectFrom('faceid_tokens')
    .select('token')
    .where(notFinal)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', c.now)]))
    .where((eb) => eb.or([eb('next_attempt_at', '<=', c.now), eb.and([eb('next_attempt_at', 'is', null), eb('issued_at', '<=', firstDue)])]))
    .orderBy('issued_at')
    .orderBy('token')
    .limit(c.limit)
  if (db.engine === 'postgres') due = due.forUpdate().skipLocked()
  const rows = await db.queries
    .updateTable('faceid_tokens')
    .set({ lease_owner: c.owner, lease_until: leaseUntil })
    .where('token', 'in', due)
    .returningAll()
    .execute()
  return rows
    .map((row) => ({ ...fromRow(row, ledger.keyring), sweepAttempts: row.sweep_attempts, leaseUntil: toDate(row.lease_until ?? leaseUntil) }))
    .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime() || (a.token < b.token ? -1 : 1))
}

export async function releaseClaim(
  ledger: LedgerContext,
  token: string,
  owner: string,
  next: { attempted: boolean; nextAttemptAt: Date | null; error?: string | null },
): Promise<void> {
  const release = ledger.db.queries.updateTable('faceid_tokens').where('token', '=', token).where('lease_owner', '=', owner)
  await (next.attempted
    ? release.set((eb) => ({
        lease_owner: null,
        lease_until: null,
        next_attempt_at: next.nextAttemptAt,
        last_error: next.error ?? null,
        sweep_attempts: eb('sweep_attempts', '+', 1),
      }))
    : release.set({ lease_owner: null, lease_until: null })
  ).execute()
}

export async function giveUp(ledger: LedgerContext, token: string, owner: string, reason: string): Promise<void> {
  await ledger.db.queries
    .updateTable('faceid_tokens')
    .set((eb) => ({
      final: true,
      status: sql<VerificationStatus>`CASE WHEN status = 'pending' THEN 'expired' ELSE status END`,
      lease_owner: null,
      lease_until: null,
      next_attempt_at: null,
      last_error: reason,
      sweep_attempts: eb('sweep_attempts', '+', 1),
    }))
    .where('token', '=', token)
    .where('lease_owner', '=', owner)
    .where(notFinal)
    .execute()
}

export async function sweepCounts(ledger: LedgerContext, now: Date, firstFetchAfterMs: number): Promise<SweepCounts> {
  const firstDue = new Date(now.getTime() - firstFetchAfterMs)
  const row = await ledger.db.queries
    .selectFrom('faceid_tokens')
    .select((eb) => [
      eb.fn.countAll().as('open'),
      eb.fn.sum<number | string | null>(
        eb.case()
          .when(eb.and([
            eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]),
            eb.or([eb('next_attempt_at', '<=', now), eb.and([eb('next_attempt_at', 'is', null), eb('issued_at', '<=', firstDue)])]),
          ]))
          .then(1)
          .else(0)
          .end(),
      ).as('due'),
      eb.fn.sum<number | string | null>(eb.case().when('lease_until', '>', now).then(1).else(0).end()).as('leased'),
    ])
    .where(notFinal)
    .executeTakeFirst()
  return { open: Number(row?.open ?? 0), due: Number(row?.due ?? 0), leased: Number(row?.leased ?? 0) }
}
