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

  /** Stores one fetch; `fetch_count` counts upstream result calls per token. */
  async recordFetch(token: string, outcome: FetchOutcome, fetchedAt: Date, q: Queryable = this.db): Promise<void> {
    await q.query(
      `UPDATE faceid_tokens
          SET status = $2, code = $3, message = $4, billable_count = $5, final = $6,
              result = COALESCE($7::jsonb, result), fetched_at = $8, fetch_count = fetch_count + 1
        WHERE token = $1`,
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

  async count(where: { userId?: string } = {}): Promise<number> {
    const { rows } = where.userId
      ? await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens WHERE user_id = $1', [where.userId])
      : await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens')
    return Number(rows[0]?.n ?? 0)
  }
}
