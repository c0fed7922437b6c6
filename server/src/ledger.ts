import type { TokenKind, UpstreamResult, VerificationResult, VerificationStatus } from '@faceid-kit/shared'
import type { Database, Queryable } from './database.js'
import { migrate } from './migrations.js'

/** One issued token and what the server last learnt about it. */
export interface TokenRecord {
  token: string
  kind: TokenKind
  userId: string
  ruleId: string | null
  merchantId: string | null
  clientIp: string | null
  issuedAt: Date
  expiresAt: Date
  status: VerificationStatus
  code: number | null
  message: string | null
  billableCount: number
  /** Nothing more will change: passed, or past its lifetime with the last fetch stored. */
  final: boolean
  /** The last raw result from Tencent. */
  result: UpstreamResult | null
  fetchedAt: Date | null
  fetchCount: number
  requestId: string | null
}

export interface NewToken {
  token: string
  kind: TokenKind
  userId: string
  ruleId?: string | undefined
  merchantId?: string | undefined
  clientIp?: string | undefined
  issuedAt: Date
  expiresAt: Date
  requestId?: string | undefined
}

export interface FetchOutcome {
  result: VerificationResult
  raw: UpstreamResult | null
  billableCount: number
  final: boolean
}

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

interface TokenRow {
  token: string
  kind: TokenKind
  user_id: string
  rule_id: string | null
  merchant_id: string | null
  client_ip: string | null
  issued_at: Date | string
  expires_at: Date | string
  status: VerificationStatus
  code: number | null
  message: string | null
  billable_count: number
  final: boolean
  result: UpstreamResult | string | null
  fetched_at: Date | string | null
  fetch_count: number
  request_id: string | null
}

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v))

function fromRow(row: TokenRow): TokenRecord {
  return {
    token: row.token,
    kind: row.kind,
    userId: row.user_id,
    ruleId: row.rule_id,
    merchantId: row.merchant_id,
    clientIp: row.client_ip,
    issuedAt: toDate(row.issued_at),
    expiresAt: toDate(row.expires_at),
    status: row.status,
    code: row.code,
    message: row.message,
    billableCount: row.billable_count,
    final: row.final,
    result: typeof row.result === 'string' ? (JSON.parse(row.result) as UpstreamResult) : row.result,
    fetchedAt: row.fetched_at === null ? null : toDate(row.fetched_at),
    fetchCount: row.fetch_count,
    requestId: row.request_id,
  }
}

/** The source of truth for every token issued: written before a client ever sees a token. */
export class Ledger {
  private constructor(readonly db: Database) {}

  /** Opens the ledger, applying schema migrations first. */
  static async open(db: Database): Promise<Ledger> {
    await migrate(db)
    return new Ledger(db)
  }

  async insert(t: NewToken, q: Queryable = this.db): Promise<void> {
    await q.query(
      `INSERT INTO faceid_tokens (token, kind, user_id, rule_id, merchant_id, client_ip, issued_at, expires_at, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [t.token, t.kind, t.userId, t.ruleId ?? null, t.merchantId ?? null, t.clientIp ?? null, t.issuedAt, t.expiresAt, t.requestId ?? null],
    )
  }

  async get(token: string, q: Queryable = this.db): Promise<TokenRecord | undefined> {
    const { rows } = await q.query<TokenRow>('SELECT * FROM faceid_tokens WHERE token = $1', [token])
    return rows[0] ? fromRow(rows[0]) : undefined
  }

  /** A token only as its owner may see it: another user's token does not exist for them. */
  async getForUser(token: string, userId: string, kind?: TokenKind): Promise<TokenRecord | undefined> {
    const record = await this.get(token)
    if (!record || record.userId !== userId || (kind && record.kind !== kind)) return undefined
    return record
  }

  /**
   * Stores one fetch; `fetch_count` counts upstream result calls per token. A final result is
   * never overwritten: a slower concurrent fetch (route and sweeper) may finish after it.
   */
  async recordFetch(token: string, outcome: FetchOutcome, fetchedAt: Date, q: Queryable = this.db): Promise<void> {
    await q.query(
      `UPDATE faceid_tokens
          SET status = $2, code = $3, message = $4, billable_count = $5, final = $6,
              result = COALESCE($7::jsonb, result), fetched_at = $8, fetch_count = fetch_count + 1
        WHERE token = $1 AND NOT final`,
      [
        token,
        outcome.result.status,
        outcome.result.code ?? null,
        outcome.result.message ?? null,
        outcome.billableCount,
        outcome.final,
        outcome.raw === null ? null : JSON.stringify(outcome.raw),
        fetchedAt,
      ],
    )
  }

  /**
   * Claims up to `limit` due tokens for one sweeper: oldest first (nearest Tencent's 3-day
   * retention end). `FOR UPDATE SKIP LOCKED` keeps two instances from claiming the same row at
   * the same moment; the lease keeps them apart while the claimant fetches.
   */
  async claimDue(c: ClaimRequest): Promise<ClaimedToken[]> {
    const leaseUntil = new Date(c.now.getTime() + c.leaseMs)
    const { rows } = await this.db.query<TokenRow & { sweep_attempts: number; lease_until: Date | string }>(
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
      .map((row) => ({ ...fromRow(row), sweepAttempts: row.sweep_attempts, leaseUntil: toDate(row.lease_until) }))
      .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime() || (a.token < b.token ? -1 : 1))
  }

  /**
   * Ends a lease. `attempted` counts a sweeper attempt and sets when to try next (`null`: as
   * soon as due, e.g. a final token, which is never claimed again anyway).
   */
  async releaseClaim(token: string, owner: string, next: { attempted: boolean; nextAttemptAt: Date | null; error?: string | null }): Promise<void> {
    await this.db.query(
      next.attempted
        ? `UPDATE faceid_tokens SET lease_owner = NULL, lease_until = NULL, next_attempt_at = $3, last_error = $4,
                  sweep_attempts = sweep_attempts + 1
            WHERE token = $1 AND lease_owner = $2`
        : `UPDATE faceid_tokens SET lease_owner = NULL, lease_until = NULL WHERE token = $1 AND lease_owner = $2`,
      next.attempted ? [token, owner, next.nextAttemptAt, next.error ?? null] : [token, owner],
    )
  }

  /**
   * Makes a token final without a result: only for tokens past Tencent's retention, where no
   * fetch can ever succeed. A pending token becomes `expired`; a stored failure stays as it is.
   */
  async giveUp(token: string, owner: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE faceid_tokens
          SET final = true, status = CASE WHEN status = 'pending' THEN 'expired' ELSE status END,
              lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL, last_error = $3,
              sweep_attempts = sweep_attempts + 1
        WHERE token = $1 AND lease_owner = $2 AND NOT final`,
      [token, owner, reason],
    )
  }

  async sweepCounts(now: Date, firstFetchAfterMs: number): Promise<SweepCounts> {
    const { rows } = await this.db.query<{ open: string | number; due: string | number; leased: string | number }>(
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

  /** Tokens issued in [from, to), and any listed in `alsoTokens`, for reconciliation. */
  async listForReconciliation(from: Date, to: Date, alsoTokens: readonly string[] = []): Promise<TokenRecord[]> {
    const { rows } = await this.db.query<TokenRow>(
      `SELECT * FROM faceid_tokens WHERE (issued_at >= $1 AND issued_at < $2) OR token = ANY($3::text[]) ORDER BY issued_at, token`,
      [from, to, [...alsoTokens]],
    )
    return rows.map(fromRow)
  }

  async count(where: { userId?: string } = {}): Promise<number> {
    const { rows } = where.userId
      ? await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens WHERE user_id = $1', [where.userId])
      : await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens')
    return Number(rows[0]?.n ?? 0)
  }
}
