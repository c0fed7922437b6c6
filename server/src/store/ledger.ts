/**
 * The `Ledger` facade: every caller uses this class and these types. Each concern lives in its
 * own module (rows, insert-batcher, tokens, retention, issue-slots, rotation, leases,
 * reconciliation-queries); the methods here hold the contract and delegate.
 */
import { FLOWS, type TokenKind } from '@faceid-kit/shared'
import type { Database, LedgerQueries } from './database.js'
import { Keyring } from '../privacy/data-keys.js'
import { ConfigurationError } from '../errors/index.js'
import { migrate } from './migrations/index.js'
import type { NewToken, TokenRecord } from './rows.js'
import { InsertBatcher, insertRows } from './insert-batcher.js'
import * as tokens from './tokens.js'
import type { FetchOutcome, FullResult } from './tokens.js'
import * as retention from './retention.js'
import { IssueSlots, type IssueSlotOutcome, type IssueSlotRequest, type IssueSlotScope } from './issue-slots.js'
import * as rotation from './rotation.js'
import type { RotationReport } from './rotation.js'
import * as leases from './leases.js'
import type { ClaimedToken, ClaimRequest, SweepCounts } from './leases.js'
import * as reconciliation from './reconciliation-queries.js'
import * as outbox from './outbox.js'
import type { EndpointHealth } from './outbox.js'
import type { OutboxEvent } from '../webhooks/events.js'
import type { ReconciliationRecord } from './reconciliation-queries.js'

export type { NewToken, TokenRecord } from './rows.js'
export type { FetchOutcome, FullResult } from './tokens.js'
export type { IssueSlotOutcome, IssueSlotRequest, IssueSlotScope } from './issue-slots.js'
export type { RotationReport } from './rotation.js'
export type { ClaimedToken, ClaimRequest, SweepCounts } from './leases.js'
export type { ReconciliationRecord } from './reconciliation-queries.js'
export type { EndpointHealth } from './outbox.js'

/** The token kinds a ledger stores unless told otherwise: one per flow of the shared `FLOWS`. */
export const DEFAULT_TOKEN_KINDS: readonly string[] = Object.keys(FLOWS)

export interface LedgerOptions {
  /** Keys that seal personal data. Default: the public sandbox key (tests and the sandbox only; `createFaceidKit` refuses it in live mode). */
  keyring?: Keyring
  /**
   * The token kinds this ledger stores (one per registered flow); `insert` refuses any other.
   * Checked in code, not in SQL, so a new flow needs no migration. Default `['face', 'eid']`.
   */
  kinds?: readonly string[]
  /**
   * Ids of the webhook endpoints that get an event when a token turns final (written in the
   * same transaction as the final result) or when `recordEvents` is called. Default none: no
   * events are written.
   */
  webhookEndpoints?: readonly string[]
}

/** The source of truth for every token issued: written before a client ever sees a token. */
export class Ledger {
  readonly keyring: Keyring
  /** The token kinds `insert` accepts. */
  readonly kinds: readonly string[]
  /** The webhook endpoints (ids) events are written for; empty when webhooks are off. */
  readonly webhookEndpoints: readonly string[]
  private readonly kindSet: ReadonlySet<string>
  private readonly inserts: InsertBatcher
  private readonly slots: IssueSlots

  private constructor(
    readonly db: Database,
    keyring: Keyring,
    kinds: readonly string[],
    webhookEndpoints: readonly string[],
  ) {
    this.keyring = keyring
    this.kinds = Object.freeze([...kinds])
    this.webhookEndpoints = Object.freeze([...new Set(webhookEndpoints)])
    this.kindSet = new Set(kinds)
    this.inserts = new InsertBatcher(db)
    this.slots = new IssueSlots(db)
  }

  /** Opens the ledger, applying schema migrations first. */
  static async open(db: Database, options: LedgerOptions = {}): Promise<Ledger> {
    const kinds = options.kinds ?? DEFAULT_TOKEN_KINDS
    if (kinds.length === 0 || kinds.some((k) => typeof k !== 'string' || k.trim() === '' || k.trim() !== k)) {
      throw new ConfigurationError(`Ledger kinds must be a non-empty list of non-empty names, got ${JSON.stringify(kinds)}`)
    }
    const keyring = options.keyring ?? Keyring.dev()
    await migrate(db)
    return new Ledger(db, keyring, kinds, options.webhookEndpoints ?? [])
  }

  /**
   * Records a new token; resolves once it is committed. Inserts that arrive together (concurrent
   * requests) are written as one multi-row statement: one round trip and one commit instead of
   * one each. A failing batch is retried row by row, so one bad row fails only its own caller.
   * Inside a transaction (`q` given) the row is written at once, as part of it.
   * A kind this ledger was not opened with is refused (`ConfigurationError`) before any write.
   */
  insert(t: NewToken, q?: LedgerQueries): Promise<void> {
    if (!this.kindSet.has(t.kind)) {
      return Promise.reject(new ConfigurationError(`Token kind ${JSON.stringify(t.kind)} is not registered with the ledger (known: ${this.kinds.join(', ')})`))
    }
    if (q) return insertRows(q, [t])
    return this.inserts.add(t)
  }

  get(token: string, q: LedgerQueries = this.db.queries): Promise<TokenRecord | undefined> {
    return tokens.getToken(this, token, q)
  }

  /** A token only as its owner may see it: another user's token does not exist for them. */
  async getForUser(token: string, userId: string, kind?: TokenKind): Promise<TokenRecord | undefined> {
    const record = await this.get(token)
    if (!record || record.userId !== userId || (kind && record.kind !== kind)) return undefined
    return record
  }

  /**
   * The tokens of `kind` issued with the return nonce `nonce`: the candidates of a web return
   * whose provider does not name the token (see `WebFlow.tokenFromState`).
   */
  byReturnNonce(kind: TokenKind, nonce: string): Promise<TokenRecord[]> {
    return tokens.byReturnNonce(this, kind, nonce)
  }

  /**
   * Tokens of `kind` issued between `from` and `to`, newest first, at most `limit`: the
   * candidates of a tokenless web return whose state holds no nonce (made before version 14 of
   * the ledger).
   */
  issuedBetween(kind: TokenKind, from: Date, to: Date, limit: number): Promise<TokenRecord[]> {
    return tokens.issuedBetween(this, kind, from, to, limit)
  }

  /**
   * Records that the browser of a web flow came back, once: true for the first return, false for
   * a replay (or an unknown token), which leaves the row as it was.
   */
  async recordReturn(token: string, at: Date): Promise<boolean> {
    const result = await this.db.queries
      .updateTable('faceid_tokens')
      .set({ returned_at: at })
      .where('token', '=', token)
      .where('returned_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /**
   * Stores one fetch; `fetch_count` counts upstream result calls per token. A final result is
   * never overwritten: a slower concurrent fetch (route and sweeper) may finish after it.
   * The raw result is sealed whole; `result` keeps only its non-personal part.
   */
  recordFetch(token: string, outcome: FetchOutcome, fetchedAt: Date, q: LedgerQueries = this.db.queries): Promise<void> {
    return tokens.recordFetch(this, token, outcome, fetchedAt, q)
  }

  /** The decrypted full result of a token, for the partner's server; undefined when unknown. */
  readFullResult(token: string): Promise<FullResult | undefined> {
    return tokens.readFullResult(this, token)
  }

  /**
   * Retention: deletes the sealed personal part (names, ID numbers, media) of final results
   * fetched before `before`. Status, codes and billing stay. Returns how many rows were purged.
   */
  purgePersonalData(before: Date, now: Date = new Date()): Promise<number> {
    return retention.purgePersonalData(this, before, now)
  }

  /** One round trip that proves the database answers (before paying Tencent when no limit applies). */
  ping(): Promise<void> {
    return this.db.ping()
  }

  /**
   * Takes one issuance slot of each key at `at`, for those with fewer than their `limit` taken
   * since `since`. One statement and one commit for all keys: each upsert locks its key's row, so
   * concurrent requests on any number of instances are counted one after the other and at most
   * `limit` get a slot. When a key refuses, the slots taken from the others are given back and
   * the answer says when the refusing key's first slot leaves the window.
   */
  takeIssueSlots(wanted: readonly IssueSlotRequest[], at: Date, since: Date): Promise<IssueSlotOutcome> {
    return this.slots.take(wanted, at, since)
  }

  /** Gives back a slot taken at `at` (no token was bought with it). */
  releaseIssueSlot(scope: IssueSlotScope, key: string, at: Date): Promise<void> {
    return this.slots.release(scope, key, at)
  }

  /** The slot times a key holds (all of them, also those past the window): for tests and operators. */
  issueSlots(scope: IssueSlotScope, key: string): Promise<Date[]> {
    return this.slots.list(scope, key)
  }

  /** A user's newest token of a kind that no result has touched yet and that lives past `aliveAt`. */
  findReusable(userId: string, kind: TokenKind, aliveAt: Date): Promise<TokenRecord | undefined> {
    return tokens.findReusable(this, userId, kind, aliveAt)
  }

  /**
   * Re-seals every stored result not under the current key (and seals plain results stored
   * before encryption), in batches. Safe while servers run: a row changed meanwhile is skipped
   * by the compare-and-set and picked up by the next pass.
   */
  rotateKeys(options: { batchSize?: number } = {}): Promise<RotationReport> {
    return rotation.rotateKeys(this, options.batchSize ?? 200)
  }

  /**
   * Claims up to `limit` due tokens for one sweeper: oldest first (nearest Tencent's 3-day
   * retention end). `FOR UPDATE SKIP LOCKED` keeps two instances from claiming the same row at
   * the same moment (on SQLite the file's write lock does); the lease keeps them apart while the
   * claimant fetches.
   */
  claimDue(c: ClaimRequest): Promise<ClaimedToken[]> {
    return leases.claimDue(this, c)
  }

  /**
   * Ends a lease. `attempted` counts a sweeper attempt and sets when to try next (`null`: as
   * soon as due, e.g. a final token, which is never claimed again anyway).
   */
  releaseClaim(token: string, owner: string, next: { attempted: boolean; nextAttemptAt: Date | null; error?: string | null }): Promise<void> {
    return leases.releaseClaim(this, token, owner, next)
  }

  /**
   * Makes a token final without a result: only for tokens past Tencent's retention, where no
   * fetch can ever succeed. A pending token becomes `expired`; a stored failure stays as it is.
   */
  giveUp(token: string, owner: string, reason: string): Promise<void> {
    return leases.giveUp(this, token, owner, reason)
  }

  sweepCounts(now: Date, firstFetchAfterMs: number): Promise<SweepCounts> {
    return leases.sweepCounts(this, now, firstFetchAfterMs)
  }

  /** Tokens issued in [from, to), and any listed in `alsoTokens`, for reconciliation (clear part of results only). */
  listForReconciliation(from: Date, to: Date, alsoTokens: readonly string[] = []): Promise<ReconciliationRecord[]> {
    return reconciliation.listForReconciliation(this, from, to, alsoTokens)
  }

  /**
   * Writes webhook events to the outbox, once per configured endpoint; an event already written
   * (same id) is left alone. Pass `q` to write them inside your own transaction.
   */
  async recordEvents(events: readonly OutboxEvent[], q?: LedgerQueries): Promise<void> {
    if (this.webhookEndpoints.length === 0 || events.length === 0) return
    await (q ? outbox.enqueue(q, this.webhookEndpoints, events) : this.db.transaction((tx) => outbox.enqueue(tx, this.webhookEndpoints, events)))
  }

  /** How deliveries to each configured endpoint stand (pending, delivered, given up, last error). */
  webhookHealth(): Promise<EndpointHealth[]> {
    return outbox.health(this.db, this.webhookEndpoints)
  }

  count(where: { userId?: string } = {}): Promise<number> {
    return tokens.countTokens(this, where)
  }
}
