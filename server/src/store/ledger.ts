import type { TokenKind, UpstreamResult, VerificationResult, VerificationStatus } from '@faceid-kit/shared'
import type { Database, Queryable } from './database.js'
import { Keyring } from '../privacy/data-keys.js'
import { migrate } from './migrations.js'
import { clearPartOf } from '../privacy/personal-data.js'

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
  result_sealed?: string | null
  result_key_id?: string | null
}

/** What rotation did: rows re-sealed under the current key, and rows it could not open. */
export interface RotationReport {
  currentKeyId: string
  rotated: number
  /** Rows stored before encryption existed (plain results), now sealed. */
  sealedPlain: number
  failed: Array<{ token: string; keyId: string | null; reason: string }>
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

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v))

function fromRow(row: TokenRow, keyring: Keyring): TokenRecord {
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
    result: resultOf(row, keyring),
    fetchedAt: row.fetched_at === null ? null : toDate(row.fetched_at),
    fetchCount: row.fetch_count,
    requestId: row.request_id,
  }
}

/** The sealed full result when there is one; else the clear column (rows from before sealing). */
function resultOf(row: TokenRow, keyring: Keyring): UpstreamResult | null {
  if (row.result_sealed) return JSON.parse(keyring.open({ keyId: row.result_key_id ?? '', blob: row.result_sealed }, row.token)) as UpstreamResult
  return typeof row.result === 'string' ? (JSON.parse(row.result) as UpstreamResult) : row.result
}

export interface LedgerOptions {
  /** Keys that seal personal data. Default `Keyring.fromEnv(process.env)` (the sandbox key when none is set). */
  keyring?: Keyring
}

export type IssueSlotScope = 'user' | 'ip'

/** One limit to hold: at most `limit` slots of `key` in the window. */
export interface IssueSlotRequest {
  scope: IssueSlotScope
  key: string
  limit: number
}

/** Every slot taken, or none, with the refusing key and when its first slot leaves the window. */
export type IssueSlotOutcome = { taken: true } | { taken: false; scope: IssueSlotScope; freesAt: Date }

/** How often an instance deletes rows of users and addresses with no recent slot. */
const SLOT_PRUNE_INTERVAL_MS = 10 * 60_000

/** Rows per multi-row INSERT (9 parameters each, far below PostgreSQL's 65535). */
const INSERT_BATCH_MAX = 500

/** The source of truth for every token issued: written before a client ever sees a token. */
export class Ledger {
  readonly keyring: Keyring

  private constructor(
    readonly db: Database,
    keyring: Keyring,
  ) {
    this.keyring = keyring
  }

  /** Opens the ledger, applying schema migrations first. */
  static async open(db: Database, options: LedgerOptions = {}): Promise<Ledger> {
    const keyring = options.keyring ?? Keyring.fromEnv(process.env)
    await migrate(db)
    return new Ledger(db, keyring)
  }

  /**
   * Records a new token; resolves once it is committed. Inserts that arrive together (concurrent
   * requests) are written as one multi-row statement: one round trip and one commit instead of
   * one each. A failing batch is retried row by row, so one bad row fails only its own caller.
   * Inside a transaction (`q` given) the row is written at once, as part of it.
   */
  insert(t: NewToken, q?: Queryable): Promise<void> {
    if (q) return this.insertRows([t], q)
    return new Promise<void>((resolve, reject) => {
      this.insertQueue.push({ row: t, resolve, reject })
      this.flushInserts()
    })
  }

  private readonly insertQueue: Array<{ row: NewToken; resolve: () => void; reject: (error: unknown) => void }> = []
  private inserting = false

  private flushInserts(): void {
    if (this.inserting) return
    this.inserting = true
    // One turn of the event loop lets the requests already in flight join the batch.
    setImmediate(() => {
      void this.drainInserts().finally(() => {
        this.inserting = false
        if (this.insertQueue.length > 0) this.flushInserts()
      })
    })
  }

  private async drainInserts(): Promise<void> {
    while (this.insertQueue.length > 0) {
      const batch = this.insertQueue.splice(0, INSERT_BATCH_MAX)
      try {
        await this.insertRows(batch.map((b) => b.row))
        for (const b of batch) b.resolve()
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error)
        else for (const b of batch) await this.insertRows([b.row]).then(b.resolve, b.reject)
      }
    }
  }

  private async insertRows(rows: readonly NewToken[], q: Queryable = this.db): Promise<void> {
    const params: unknown[] = []
    const tuples = rows.map((t) => {
      const at = params.length
      params.push(t.token, t.kind, t.userId, t.ruleId ?? null, t.merchantId ?? null, t.clientIp ?? null, t.issuedAt, t.expiresAt, t.requestId ?? null)
      return `(${Array.from({ length: 9 }, (_, i) => `$${at + i + 1}`).join(', ')})`
    })
    await q.query(
      `INSERT INTO faceid_tokens (token, kind, user_id, rule_id, merchant_id, client_ip, issued_at, expires_at, request_id)
       VALUES ${tuples.join(', ')}`,
      params,
    )
  }

  async get(token: string, q: Queryable = this.db): Promise<TokenRecord | undefined> {
    const { rows } = await q.query<TokenRow>('SELECT * FROM faceid_tokens WHERE token = $1', [token])
    return rows[0] ? fromRow(rows[0], this.keyring) : undefined
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
   * The raw result is sealed whole; `result` keeps only its non-personal part.
   */
  async recordFetch(token: string, outcome: FetchOutcome, fetchedAt: Date, q: Queryable = this.db): Promise<void> {
    const sealed = outcome.raw === null ? null : this.keyring.seal(JSON.stringify(outcome.raw), token)
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

  /** The decrypted full result of a token, for the partner's server; undefined when unknown. */
  async readFullResult(token: string): Promise<FullResult | undefined> {
    const record = await this.get(token)
    if (!record) return undefined
    const { kind, userId, status, final, fetchedAt, result } = record
    return { token, kind, userId, status, final, fetchedAt, result }
  }

  /**
   * Retention: deletes the sealed personal part (names, ID numbers, media) of final results
   * fetched before `before`. Status, codes and billing stay. Returns how many rows were purged.
   */
  async purgePersonalData(before: Date, now: Date = new Date()): Promise<number> {
    const { rowCount } = await this.db.query(
      // A plain result stored before sealing existed cannot be split in SQL: it goes whole.
      `UPDATE faceid_tokens
          SET result = CASE WHEN result_sealed IS NULL THEN NULL ELSE result END,
              result_sealed = NULL, result_key_id = NULL, personal_data_purged_at = $2
        WHERE final AND fetched_at < $1 AND (result_sealed IS NOT NULL OR (result IS NOT NULL AND personal_data_purged_at IS NULL))`,
      [before, now],
    )
    return rowCount
  }

  /** One round trip that proves the database answers (before paying Tencent when no limit applies). */
  async ping(): Promise<void> {
    await this.db.query('SELECT 1')
  }

  /**
   * Takes one issuance slot of each key at `at`, for those with fewer than their `limit` taken
   * since `since`. One statement and one commit for all keys: each upsert locks its key's row, so
   * concurrent requests on any number of instances are counted one after the other and at most
   * `limit` get a slot. When a key refuses, the slots taken from the others are given back and
   * the answer says when the refusing key's first slot leaves the window.
   */
  async takeIssueSlots(wanted: readonly IssueSlotRequest[], at: Date, since: Date): Promise<IssueSlotOutcome> {
    if (wanted.length === 0) return { taken: true }
    this.pruneIssueSlots(since)
    const params: unknown[] = [at, since]
    // Keys in a fixed order (users before addresses): concurrent statements lock rows in the same order.
    const ctes = wanted.map((w, n) => {
      params.push(w.scope, w.key, w.limit)
      const [scope, key, limit] = [params.length - 2, params.length - 1, params.length]
      return `s${n} AS (
        INSERT INTO faceid_issue_slots AS s (scope, key, taken, last_taken) VALUES ($${scope}, $${key}, ARRAY[$1::timestamptz], $1)
        ON CONFLICT (scope, key) DO UPDATE
           SET taken = ARRAY(SELECT t FROM unnest(s.taken) AS t WHERE t > $2 ORDER BY t) || $1::timestamptz,
               last_taken = GREATEST(s.last_taken, $1)
         WHERE (SELECT count(*) FROM unnest(s.taken) AS t WHERE t > $2) < $${limit}
        RETURNING 1)`
    })
    const { rows } = await this.db.query<Record<string, number>>(
      `WITH ${ctes.join(',\n')}
       SELECT ${wanted.map((_, n) => `(SELECT count(*) FROM s${n})::int AS s${n}`).join(', ')}`,
      params,
    )
    const taken = wanted.map((_, n) => rows[0]?.[`s${n}`] === 1)
    const refused = taken.indexOf(false)
    if (refused < 0) return { taken: true }
    // Refused (the rare path): give back what was taken, and find the slot that frees first.
    for (const [n, w] of wanted.entries()) if (taken[n]) await this.releaseIssueSlot(w.scope, w.key, at).catch(() => undefined)
    const { scope, key, limit } = wanted[refused]!
    const { rows: held } = await this.db.query<{ limiting: Date | string | null }>(
      `SELECT (SELECT t FROM unnest(taken) AS t WHERE t > $3 ORDER BY t DESC OFFSET $4 LIMIT 1) AS limiting
         FROM faceid_issue_slots WHERE scope = $1 AND key = $2`,
      [scope, key, since, limit - 1],
    )
    const limiting = held[0]?.limiting
    return { taken: false, scope, freesAt: limiting ? new Date(toDate(limiting).getTime() + (at.getTime() - since.getTime())) : at }
  }

  /** Gives back a slot taken at `at` (no token was bought with it). */
  async releaseIssueSlot(scope: IssueSlotScope, key: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE faceid_issue_slots
          SET taken = taken[:array_position(taken, $3::timestamptz) - 1] || taken[array_position(taken, $3::timestamptz) + 1:]
        WHERE scope = $1 AND key = $2 AND $3::timestamptz = ANY(taken)`,
      [scope, key, at],
    )
  }

  private nextSlotPrune = 0

  /** Now and then (off the request's path) deletes the rows of keys with no slot left in the window. */
  private pruneIssueSlots(since: Date): void {
    const now = Date.now()
    if (now < this.nextSlotPrune) return
    this.nextSlotPrune = now + SLOT_PRUNE_INTERVAL_MS
    this.db.query('DELETE FROM faceid_issue_slots WHERE last_taken <= $1', [since]).catch(() => undefined)
  }

  /** The slot times a key holds (all of them, also those past the window): for tests and operators. */
  async issueSlots(scope: IssueSlotScope, key: string): Promise<Date[]> {
    const { rows } = await this.db.query<{ t: Date | string }>(
      'SELECT t FROM faceid_issue_slots, unnest(taken) AS t WHERE scope = $1 AND key = $2 ORDER BY t',
      [scope, key],
    )
    return rows.map((r) => toDate(r.t))
  }

  /** A user's newest token of a kind that no result has touched yet and that lives past `aliveAt`. */
  async findReusable(userId: string, kind: TokenKind, aliveAt: Date): Promise<TokenRecord | undefined> {
    const { rows } = await this.db.query<TokenRow>(
      `SELECT * FROM faceid_tokens
        WHERE user_id = $1 AND kind = $2 AND NOT final AND status = 'pending' AND result IS NULL AND expires_at > $3
        ORDER BY issued_at DESC LIMIT 1`,
      [userId, kind, aliveAt],
    )
    return rows[0] ? fromRow(rows[0], this.keyring) : undefined
  }

  /**
   * Re-seals every stored result not under the current key (and seals plain results stored
   * before encryption), in batches. Safe while servers run: a row changed meanwhile is skipped
   * by the compare-and-set and picked up by the next pass.
   */
  async rotateKeys(options: { batchSize?: number } = {}): Promise<RotationReport> {
    const batchSize = options.batchSize ?? 200
    const report: RotationReport = { currentKeyId: this.keyring.current.id, rotated: 0, sealedPlain: 0, failed: [] }
    let after = ''
    for (;;) {
      const { rows } = await this.db.query<TokenRow>(
        `SELECT * FROM faceid_tokens
          WHERE result IS NOT NULL AND result_key_id IS DISTINCT FROM $1 AND personal_data_purged_at IS NULL AND token > $2
          ORDER BY token LIMIT $3`,
        [this.keyring.current.id, after, batchSize],
      )
      if (rows.length === 0) return report
      for (const row of rows) {
        after = row.token
        let full: UpstreamResult | null
        try {
          full = resultOf(row, this.keyring)
        } catch (error) {
          report.failed.push({ token: row.token, keyId: row.result_key_id ?? null, reason: error instanceof Error ? error.message : String(error) })
          continue
        }
        if (full === null) continue
        const sealed = this.keyring.seal(JSON.stringify(full), row.token)
        const { rowCount } = await this.db.query(
          `UPDATE faceid_tokens SET result = $2::jsonb, result_sealed = $3, result_key_id = $4
            WHERE token = $1 AND result_key_id IS NOT DISTINCT FROM $5 AND result_sealed IS NOT DISTINCT FROM $6`,
          [row.token, JSON.stringify(clearPartOf(full)), sealed.blob, sealed.keyId, row.result_key_id ?? null, row.result_sealed ?? null],
        )
        if (rowCount > 0) {
          if (row.result_sealed) report.rotated += 1
          else report.sealedPlain += 1
        }
      }
    }
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
      .map((row) => ({ ...fromRow(row, this.keyring), sweepAttempts: row.sweep_attempts, leaseUntil: toDate(row.lease_until) }))
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
    return rows.map((row) => fromRow(row, this.keyring))
  }

  async count(where: { userId?: string } = {}): Promise<number> {
    const { rows } = where.userId
      ? await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens WHERE user_id = $1', [where.userId])
      : await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM faceid_tokens')
    return Number(rows[0]?.n ?? 0)
  }
}
