import type { TokenKind, UpstreamResult, VerificationResult, VerificationStatus } from '@faceid-kit/shared'
import type { LedgerQueries } from './database.js'
import { clearPartOf } from '../privacy/personal-data.js'
import { fromRow, notFinal, type LedgerContext, type TokenRecord } from './rows.js'
import { enqueue } from './outbox.js'
import { verificationEvent } from '../webhooks/events.js'

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

export async function getToken(ledger: LedgerContext, token: string, q: LedgerQueries = ledger.db.queries): Promise<TokenRecord | undefined> {
  const row = await q.selectFrom('faceid_tokens').selectAll().where('token', '=', token).executeTakeFirst()
  return row ? fromRow(row, ledger.keyring) : undefined
}

/**
 * Stores one fetch: the raw result sealed whole, `result` only its non-personal part; a final row
 * is left alone. When this fetch makes the row final and webhooks are configured, the event is
 * written in the same transaction (the outbox): committed together or not at all.
 */
export async function recordFetch(ledger: LedgerContext, token: string, outcome: FetchOutcome, fetchedAt: Date, q: LedgerQueries = ledger.db.queries): Promise<void> {
  const stored =
    outcome.raw === null
      ? {}
      : (() => {
          const sealed = ledger.keyring.seal(JSON.stringify(outcome.raw), token)
          return { result: JSON.stringify(clearPartOf(outcome.raw)), result_sealed: sealed.blob, result_key_id: sealed.keyId }
        })()
  const update = (tx: LedgerQueries) =>
    tx
      .updateTable('faceid_tokens')
      .set((eb) => ({
        status: outcome.result.status,
        code: outcome.result.code ?? null,
        message: outcome.result.message ?? null,
        billable_count: outcome.billableCount,
        final: outcome.final,
        fetched_at: fetchedAt,
        fetch_count: eb('fetch_count', '+', 1),
        ...stored,
      }))
      .where('token', '=', token)
      .where(notFinal)
  const endpoints = ledger.webhookEndpoints ?? []
  if (!outcome.final || endpoints.length === 0) {
    await update(q).execute()
    return
  }
  const write = async (tx: LedgerQueries): Promise<void> => {
    // Only the fetch that turns the row final gets a row back, so only it writes the event.
    const row = await update(tx).returning(['token', 'kind', 'user_id', 'status', 'code', 'message', 'billable_count']).executeTakeFirst()
    if (!row) return
    const event = verificationEvent(
      { token: row.token, kind: row.kind, userId: row.user_id, status: row.status, code: row.code, message: row.message, billableCount: row.billable_count, identity: outcome.result.identity },
      fetchedAt,
    )
    await enqueue(tx, endpoints, [event])
  }
  // A caller's own transaction (`q` given) already holds both writes together.
  await (q === ledger.db.queries ? ledger.db.transaction(write) : write(q))
}

export async function readFullResult(ledger: LedgerContext, token: string): Promise<FullResult | undefined> {
  const record = await getToken(ledger, token)
  if (!record) return undefined
  const { kind, userId, status, final, fetchedAt, result } = record
  return { token, kind, userId, status, final, fetchedAt, result }
}

export async function findReusable(ledger: LedgerContext, userId: string, kind: TokenKind, aliveAt: Date): Promise<TokenRecord | undefined> {
  const row = await ledger.db.queries
    .selectFrom('faceid_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where(notFinal)
    .where('status', '=', 'pending')
    .where('result', 'is', null)
    .where('expires_at', '>', aliveAt)
    .orderBy('issued_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? fromRow(row, ledger.keyring) : undefined
}

/** Tokens of `kind` whose return URL holds `nonce` (one, unless a nonce repeated). */
export async function byReturnNonce(ledger: LedgerContext, kind: TokenKind, nonce: string): Promise<TokenRecord[]> {
  const rows = await ledger.db.queries.selectFrom('faceid_tokens').selectAll().where('return_nonce', '=', nonce).where('kind', '=', kind).limit(2).execute()
  return rows.map((row) => fromRow(row, ledger.keyring))
}

export async function issuedBetween(ledger: LedgerContext, kind: TokenKind, from: Date, to: Date, limit: number): Promise<TokenRecord[]> {
  const rows = await ledger.db.queries
    .selectFrom('faceid_tokens')
    .selectAll()
    .where('kind', '=', kind)
    .where('issued_at', '>=', from)
    .where('issued_at', '<=', to)
    .orderBy('issued_at', 'desc')
    .limit(limit)
    .execute()
  return rows.map((row) => fromRow(row, ledger.keyring))
}

export async function countTokens(ledger: LedgerContext, where: { userId?: string }): Promise<number> {
  let query = ledger.db.queries.selectFrom('faceid_tokens').select((eb) => eb.fn.countAll().as('n'))
  if (where.userId) query = query.where('user_id', '=', where.userId)
  const row = await query.executeTakeFirst()
  return Number(row?.n ?? 0)
}
