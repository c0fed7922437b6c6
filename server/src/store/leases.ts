import { fromRow, toDate, type LedgerContext, type TokenRecord, type TokenRow } from './rows.js'

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
  const leaseUntil = new Date(c.now.getTime() + c.leaseMs)
  const { rows } = await ledger.db.query<TokenRow & { sweep_attempts: number; lease_until: Date | string }>(
    `WITH due AS (
       SELECT token FROM faceid_tokens
        WHERE NOT final
          AND (lease_until IS NULL OR lease_until <= $1)
          AND (next_attempt_at <= $1 OR (next_attempt_at IS NULL AND issued_at <= $2))
        ORDER BY issued_at, token
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
     UPDATE faceid_tokens t
        SET lease_owner = $4, lease_until = $5
       FROM due
      WHERE t.token = due.token
     RETURNING t.*`,
    [c.now, new Date(c.now.getTime() - c.firstFetchAfterMs), c.limit, c.owner, leaseUntil],
  )
  return rows
    .map((row) => ({ ...fromRow(row, ledger.keyring), sweepAttempts: row.sweep_attempts, leaseUntil: toDate(row.lease_until) }))
    .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime() || (a.token < b.token ? -1 : 1))
}

export async function releaseClaim(
  ledger: LedgerContext,
  token: string,
  owner: string,
  next: { attempted: boolean; nextAttemptAt: Date | null; error?: string | null },
): Promise<void> {
  await ledger.db.query(
    next.attempted
      ? `UPDATE faceid_tokens SET lease_owner = NULL, lease_until = NULL, next_attempt_at = $3, last_error = $4,
                sweep_attempts = sweep_attempts + 1
          WHERE token = $1 AND lease_owner = $2`
      : `UPDATE faceid_tokens SET lease_owner = NULL, lease_until = NULL WHERE token = $1 AND lease_owner = $2`,
    next.attempted ? [token, owner, next.nextAttemptAt, next.error ?? null] : [token, owner],
  )
}

export async function giveUp(ledger: LedgerContext, token: string, owner: string, reason: string): Promise<void> {
  await ledger.db.query(
    `UPDATE faceid_tokens
        SET final = true, status = CASE WHEN status = 'pending' THEN 'expired' ELSE status END,
            lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL, last_error = $3,
            sweep_attempts = sweep_attempts + 1
      WHERE token = $1 AND lease_owner = $2 AND NOT final`,
    [token, owner, reason],
  )
}

export async function sweepCounts(ledger: LedgerContext, now: Date, firstFetchAfterMs: number): Promise<SweepCounts> {
  const { rows } = await ledger.db.query<{ open: string | number; due: string | number; leased: string | number }>(
    `SELECT count(*) AS open,
            count(*) FILTER (WHERE (lease_until IS NULL OR lease_until <= $1)
                             AND (next_attempt_at <= $1 OR (next_attempt_at IS NULL AND issued_at <= $2))) AS due,
            count(*) FILTER (WHERE lease_until > $1) AS leased
       FROM faceid_tokens WHERE NOT final`,
    [now, new Date(now.getTime() - firstFetchAfterMs)],
  )
  const r = rows[0]
  return { open: Number(r?.open ?? 0), due: Number(r?.due ?? 0), leased: Number(r?.leased ?? 0) }
}
