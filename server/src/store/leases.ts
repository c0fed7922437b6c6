import { sql } from 'kysely'
import { normalizeResult, type MaskedIdentity, type VerificationStatus } from '@faceid-kit/shared'
import type { LedgerQueries } from './database.js'
import { enqueue } from './outbox.js'
import { fromRow, notFinal, resultOf, toDate, type LedgerContext, type TokenRecord, type TokenRow } from './rows.js'
import { verificationEvent } from '../webhooks/events.js'

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

/**
 * Makes a token final without a new result. With webhooks configured, its final event is written
 * in the same transaction; the identity in it comes from the stored result, masked.
 */
export async function giveUp(ledger: LedgerContext, token: string, owner: string, reason: string, at: Date = new Date()): Promise<void> {
  const update = (tx: LedgerQueries) =>
    tx
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
  const endpoints = ledger.webhookEndpoints ?? []
  if (endpoints.length === 0) {
    await update(ledger.db.queries).execute()
    return
  }
  await ledger.db.transaction(async (tx) => {
    const row = await update(tx).returningAll().executeTakeFirst()
    if (!row) return
    await enqueue(tx, endpoints, [
      verificationEvent(
        { token: row.token, kind: row.kind, userId: row.user_id, status: row.status, code: row.code, message: row.message, billableCount: row.billable_count, identity: storedIdentity(ledger, row) },
        at,
      ),
    ])
  })
}

/** The masked identity of a row's stored result, if it names anyone (and can still be read). */
function storedIdentity(ledger: LedgerContext, row: TokenRow): MaskedIdentity | null {
  try {
    const result = resultOf(row, ledger.keyring)
    if (!result) return null
    const record = fromRow(row, ledger.keyring)
    return normalizeResult(result, { token: row.token, kind: record.kind, expiresAt: record.expiresAt, fetchedAt: record.fetchedAt ?? record.expiresAt }).identity ?? null
  } catch {
    // A purged or unreadable result: the event goes out without an identity rather than not at all.
    return null
  }
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
