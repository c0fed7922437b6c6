/**
 * The checks' part of the ledger: table `faceid_checks` (migration 11). A row is written before
 * Tencent is called (a ledger that cannot be written buys nothing) and completed with the answer.
 * Inputs and answers are sealed with the ledger's keyring, the row id as additional data.
 */
import type { Selectable } from 'kysely'
import type { Database, LedgerQueries } from '../store/database.js'
import type { ChecksTable } from '../store/schema.js'
import type { Keyring } from '../privacy/data-keys.js'
import type { IdentityCheckKind, IdentityCheckOutcome } from '@faceid-kit/shared'
import type { IdentityCheckRecord } from './types.js'

export interface SealedCheck {
  input: Record<string, unknown>
  response: Record<string, unknown> | null
}

/** The additional data a check's sealed part is bound to: it opens only in its own row. */
export const checkSealAad = (id: string): string => `check:${id}`
const aad = checkSealAad

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v))

export class CheckStore {
  private readonly q: LedgerQueries

  constructor(
    db: Database,
    private readonly keyring: Keyring,
  ) {
    this.q = db.queries
  }

  async begin(row: { id: string; kind: IdentityCheckKind; userId: string | undefined; requestedAt: Date; input: Record<string, unknown> }): Promise<void> {
    const sealed = this.keyring.seal(JSON.stringify({ input: row.input, response: null } satisfies SealedCheck), aad(row.id))
    await this.q
      .insertInto('faceid_checks')
      .values({
        id: row.id,
        kind: row.kind,
        user_id: row.userId ?? null,
        outcome: 'pending',
        billable: false,
        requested_at: row.requestedAt,
        sealed: sealed.blob,
        key_id: sealed.keyId,
      })
      .execute()
  }

  async complete(
    id: string,
    input: Record<string, unknown>,
    answer: { outcome: IdentityCheckOutcome; code: string; billable: boolean; answeredAt: Date; requestId: string | undefined; response: Record<string, unknown> },
  ): Promise<void> {
    const sealed = this.keyring.seal(JSON.stringify({ input, response: answer.response } satisfies SealedCheck), aad(id))
    await this.q
      .updateTable('faceid_checks')
      .set({
        outcome: answer.outcome,
        code: answer.code,
        billable: answer.billable,
        answered_at: answer.answeredAt,
        request_id: answer.requestId ?? null,
        sealed: sealed.blob,
        key_id: sealed.keyId,
      })
      .where('id', '=', id)
      .execute()
  }

  async fail(id: string, error: string, at: Date, requestId: string | undefined): Promise<void> {
    await this.q
      .updateTable('faceid_checks')
      .set({ outcome: 'upstream_error', error, answered_at: at, request_id: requestId ?? null })
      .where('id', '=', id)
      .execute()
  }

  async read(id: string): Promise<IdentityCheckRecord | undefined> {
    const row = await this.q.selectFrom('faceid_checks').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? this.fromRow(row) : undefined
  }

  private fromRow(row: Selectable<ChecksTable>): IdentityCheckRecord {
    return {
      id: row.id,
      kind: row.kind as IdentityCheckKind,
      userId: row.user_id,
      outcome: row.outcome as IdentityCheckRecord['outcome'],
      code: row.code,
      billable: Boolean(row.billable),
      requestedAt: toDate(row.requested_at),
      answeredAt: row.answered_at === null ? null : toDate(row.answered_at),
      requestId: row.request_id,
      error: row.error,
      sealed: row.sealed === null ? null : (JSON.parse(this.keyring.open({ keyId: row.key_id ?? '', blob: row.sealed }, aad(row.id))) as SealedCheck),
    }
  }
}
