import { sql, type Selectable } from 'kysely'
import type { TokenKind, UpstreamResult, VerificationStatus } from '@faceid-kit/shared'
import type { TokensTable } from './schema.js'
import type { Database } from './database.js'
import type { Keyring } from '../privacy/data-keys.js'

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
  /** The last raw result from Tencent, personal data included (decrypted on read). */
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
  /** The nonce in the token's return URL, when its provider does not name the token on return (Megvii H5). */
  returnNonce?: string | undefined
}

/** A `faceid_tokens` row as either engine returns it (PostgreSQL gives dates and booleans, SQLite ISO strings and 0/1). */
export type TokenRow = Selectable<TokensTable>

/** What the query modules need of a ledger: its database and the keys that seal results. */
export interface LedgerContext {
  readonly db: Database
  readonly keyring: Keyring
  /**
   * Webhook endpoints (ids) that get an outbox event when a token turns final, written in the
   * same transaction. Empty: no events are written.
   */
  readonly webhookEndpoints?: readonly string[]
}

/** `WHERE NOT final`, written so that both engines' flags (boolean, 0/1) compare. */
export const notFinal = sql<boolean>`NOT final`
/** `WHERE final`. */
export const isFinal = sql<boolean>`final`

export const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v))

export function fromRow(row: TokenRow, keyring: Keyring): TokenRecord {
  return {
    token: row.token,
    kind: row.kind as TokenKind,
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
    final: Boolean(row.final),
    result: resultOf(row, keyring),
    fetchedAt: row.fetched_at === null ? null : toDate(row.fetched_at),
    fetchCount: row.fetch_count,
    requestId: row.request_id,
  }
}

/** The sealed full result when there is one; else the clear column (rows from before sealing). */
export function resultOf(row: TokenRow, keyring: Keyring): UpstreamResult | null {
  if (row.result_sealed) return JSON.parse(keyring.open({ keyId: row.result_key_id ?? '', blob: row.result_sealed }, row.token)) as UpstreamResult
  return typeof row.result === 'string' ? (JSON.parse(row.result) as UpstreamResult) : row.result
}
