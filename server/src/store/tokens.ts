import type { TokenKind, UpstreamResult, VerificationResult, VerificationStatus } from '@faceid-kit/shared'
import type { Queryable } from './database.js'
import { clearPartOf } from '../privacy/personal-data.js'
import { fromRow, type LedgerContext, type TokenRecord, type TokenRow } from './rows.js'

export interface FetchOutcome {
  result: VerificationResult
  raw: UpstreamResult | null
  billableCount: number
  final: boolean
}

/** The full stored result of one token, for the partner's own server (never for the mini-program). */
export interface FullResult {
  token: string
  kind: TokenKind
  userId: string
  status: VerificationStatus
  final: boolean
  fetchedAt: Date | null
  /** Tencent's last answer, names, ID numbers and any media included; null before the first result. */
  result: UpstreamResult | null
}

export async function getToken(ledger: LedgerContext, token: string, q: Queryable = ledger.db): Promise<TokenRecord | undefined> {
  const { rows } = await q.query<TokenRow>('SELECT * FROM faceid_tokens WHERE token = $1', [token])
  return rows[0] ? fromRow(rows[0], ledger.keyring) : undefined
}

/** Stores one fetch: the raw result sealed whole, `result` only its non-personal part; a final row is left alone. */
export async function recordFetch(ledger: LedgerContext, token: string, outcome: FetchOutcome, fetchedAt: Date, q: Queryable = ledger.db): Promise<void> {
  const sealed = outcome.raw === null ? null : ledger.keyring.seal(JSON.stringify(outcome.raw), token)
  await q.query(
    `UPDATE faceid_tokens
        SET status = $2, code = $3, message = $4, billable_count = $5, final = $6,
            result = COALESCE($7::jsonb, result), fetched_at = $8, fetch_count = fetch_count + 1,
            result_sealed = COALESCE($9, result_sealed), result_key_id = COALESCE($10, result_key_id)
      WHERE token = $1 AND NOT final`,
    [
      token,
      outcome.result.status,
      outcome.result.code ?? null,
      outcome.result.message ?? null,
      outcome.billableCount,
      outcome.final,
      outcome.raw === null ? null : JSON.stringify(clearPartOf(outcome.raw)),
      fetchedAt,
      sealed?.blob ?? null,
      sealed?.keyId ?? null,
    ],
  )
}

export async function readFullResult(ledger: LedgerContext, token: string): Promise<FullResult | undefined> {
  const record = await getToken(ledger, token)
  if (!record) return undefined
  const { kind, userId, status, final, fetchedAt, result } = record
  return { token, kind, userId, status, final, fetchedAt, result }
}

export async function findReusable(ledger: LedgerContext, userId: string, kind: TokenKind, aliveAt: Date): Promise<TokenRecord | undefined> {
  const { rows } = await ledger.db.query<TokenRow>(
    `SELECT * FROM faceid_tokens
      WHERE user_id = $1 AND kind = $2 AND NOT final AND status = 'pending' AND result IS NULL AND expires_at > $3
      ORDER BY issued_at DESC LIMIT 1`,
    [userId, kind, aliveAt],
  )
  return rows[0] ? fromRow(rows[0], ledger.keyring) : undefined
}

export async function countTokens(ledger: LedgerContext, where: { userId?: string }): Promise<number> {
  const { rows } = where.userId
    ? await ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens WHERE user_id = $1', [where.userId])
    : await ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens')
  return Number(rows[0]?.n ?? 0)
}
