/**
 * The ledger's tables as the query layer (Kysely) sees them, on both engines. A column's select
 * type is what either engine hands back: PostgreSQL gives `Date`s, booleans and parsed JSON;
 * SQLite gives ISO strings, 0/1 and JSON text. Writes always pass `Date`, boolean and JSON text;
 * the SQLite connection turns dates into ISO strings and booleans into 0/1.
 */
import type { ColumnType, Generated } from 'kysely'
import type { UpstreamResult, VerificationStatus } from '@faceid-kit/shared'

/** A point in time: written as a `Date`, read as a `Date` (PostgreSQL) or an ISO string (SQLite). */
export type Timestamp = ColumnType<Date | string, Date, Date>
export type NullableTimestamp = ColumnType<Date | string | null, Date | null | undefined, Date | null>
/** A flag: read as a boolean (PostgreSQL) or 0/1 (SQLite). */
export type Flag = ColumnType<boolean | number, boolean | undefined, boolean>
/** A JSON document: written as JSON text, read parsed (PostgreSQL `jsonb`) or as text (SQLite). */
export type Json<T> = ColumnType<T | string, string, string>
export type NullableJson<T> = ColumnType<T | string | null, string | null | undefined, string | null>

export interface TokensTable {
  token: string
  kind: string
  user_id: string
  rule_id: string | null
  merchant_id: string | null
  client_ip: string | null
  issued_at: Timestamp
  expires_at: Timestamp
  status: ColumnType<VerificationStatus, VerificationStatus | undefined, VerificationStatus>
  code: number | null
  message: string | null
  billable_count: Generated<number>
  final: Flag
  /** The non-personal part of the last result; the whole of it is sealed in `result_sealed`. */
  result: NullableJson<UpstreamResult>
  fetched_at: NullableTimestamp
  fetch_count: Generated<number>
  request_id: string | null
  next_attempt_at: NullableTimestamp
  lease_owner: string | null
  lease_until: NullableTimestamp
  sweep_attempts: Generated<number>
  last_error: string | null
  result_sealed: string | null
  result_key_id: string | null
  personal_data_purged_at: NullableTimestamp
  /** Web flows: when the browser first came back through the return route. */
  returned_at: NullableTimestamp
  /** Web flows whose provider does not name the token on return: the nonce of its return URL. */
  return_nonce: string | null
}

export interface BillDetailsTable {
  /** `YYYY-MM-DD`, the Beijing day of the bill (PostgreSQL `date`). */
  bill_date: ColumnType<Date | string, string, string>
  token: string
  rule_id: string
  charge_count: number
  attempts: number
  charge_details: Json<unknown[]>
  pulled_at: Timestamp
}

export interface BillPullsTable {
  bill_date: ColumnType<Date | string, string, string>
  rule_id: string
  pulled_at: Timestamp
  pages: number
  tokens: number
  charge_count: number
}

export interface IssueSlotsTable {
  scope: 'user' | 'ip'
  key: string
  /** The times of the slots taken: a `timestamptz[]` on PostgreSQL, a JSON array of ISO strings on SQLite. */
  taken: ColumnType<Array<Date | string> | string, never, never>
  last_taken: Timestamp
}

export interface LedgerModeTable {
  only_row: ColumnType<boolean | number, boolean | undefined, never>
  mode: 'live' | 'sandbox'
  marked_by: string
  marked_at: ColumnType<Date | string, Date, never>
}

export interface MigrationsTable {
  version: number
  name: string
  applied_at: ColumnType<Date | string, Date, never>
}

/** One webhook event for one endpoint (migration 10). */
export interface WebhookOutboxTable {
  /** Insertion order: a token's events are delivered in this order. A `bigint` on PostgreSQL (read as a string). */
  id: Generated<number | string>
  /** The event's stable id, the same for every endpoint and every attempt: receivers deduplicate on it. */
  event_id: string
  /** The endpoint's id (its `id` option, else its URL). */
  endpoint: string
  type: string
  /** The token the event is about; null for events about no token. */
  token: string | null
  /** The exact JSON body sent and signed. */
  body: string
  created_at: Timestamp
  state: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | 'delivered' | 'failed' | undefined, 'pending' | 'delivered' | 'failed'>
  attempts: Generated<number>
  next_attempt_at: Timestamp
  lease_owner: string | null
  lease_until: NullableTimestamp
  last_attempt_at: NullableTimestamp
  last_error: string | null
  delivered_at: NullableTimestamp
}

/** One identity-factor check (checks/, migration 11): kind, user, outcome and billing in clear, inputs and answer sealed. */
export interface ChecksTable {
  id: string
  kind: string
  user_id: string | null
  /** An `IdentityCheckOutcome`, or `pending` (call out or interrupted) / `upstream_error`. */
  outcome: string
  /** Tencent's `Result`. */
  code: string | null
  billable: Flag
  requested_at: Timestamp
  answered_at: NullableTimestamp
  request_id: string | null
  /** The error code of a failed call. */
  error: string | null
  /** `{ input, response }` sealed with the ledger's keyring, the row id as additional data. */
  sealed: string | null
  key_id: string | null
}

/** WeBank's access token and SIGN ticket per WBappid, refreshed by one instance at a time (migration 12). */
export interface WebankCredentialsTable {
  app_id: string
  /** Grows by one with every refresh. */
  generation: ColumnType<number, number | undefined, number>
  access_token: string | null
  token_expires_at: NullableTimestamp
  sign_ticket: string | null
  ticket_expires_at: NullableTimestamp
  /** The SIGN ticket before the last refresh, accepted until `previous_ticket_until` (WeBank's overlap minute). */
  previous_sign_ticket: string | null
  previous_ticket_until: NullableTimestamp
  refreshed_at: NullableTimestamp
  lease_owner: string | null
  lease_until: NullableTimestamp
}

/** Every table of the ledger. */
export interface LedgerTables {
  faceid_tokens: TokensTable
  faceid_bill_details: BillDetailsTable
  faceid_bill_pulls: BillPullsTable
  faceid_issue_slots: IssueSlotsTable
  faceid_ledger_mode: LedgerModeTable
  faceid_migrations: MigrationsTable
  faceid_webhook_outbox: WebhookOutboxTable
  faceid_checks: ChecksTable
  faceid_webank_credentials: WebankCredentialsTable
}
