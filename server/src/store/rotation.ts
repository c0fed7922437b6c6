import type { UpstreamResult } from '@faceid-kit/shared'
import { clearPartOf } from '../privacy/personal-data.js'
import { sql } from 'kysely'
import { resultOf, type LedgerContext } from './rows.js'
import { checkSealAad } from '../checks/store.js'

/** `column IS NOT DISTINCT FROM value`, as both engines write it (a null equals a null). */
const sameAs = (column: 'result_key_id' | 'result_sealed', value: string | null) =>
  value === null ? sql<boolean>`${sql.ref(column)} IS NULL` : sql<boolean>`${sql.ref(column)} = ${value}`

/** What rotation did: rows re-sealed under the current key, and rows it could not open. */
export interface RotationReport {
  currentKeyId: string
  rotated: number
  /** Rows stored before encryption existed (plain results), now sealed. */
  sealedPlain: number
  /** `token` names the row: a token, or `check:<id>` for an identity check. */
  failed: Array<{ token: string; keyId: string | null; reason: string }>
}

/** Re-seals, in batches of `batchSize`, every stored result and identity check not under the current key. */
export async function rotateKeys(ledger: LedgerContext, batchSize: number): Promise<RotationReport> {
  const { db, keyring } = ledger
  const report: RotationReport = { currentKeyId: keyring.current.id, rotated: 0, sealedPlain: 0, failed: [] }
  let after = ''
  for (;;) {
    const rows = await db.queries
      .selectFrom('faceid_tokens')
      .selectAll()
      .where('result', 'is not', null)
      .where((eb) => eb.or([eb('result_key_id', 'is', null), eb('result_key_id', '<>', keyring.current.id)]))
      .where('personal_data_purged_at', 'is', null)
      .where('token', '>', after)
      .orderBy('token')
      .limit(batchSize)
      .execute()
    if (rows.length === 0) return rotateChecks(ledger, batchSize, report)
    for (const row of rows) {
      after = row.token
      let full: UpstreamResult | null
      try {
        full = resultOf(row, keyring)
      } catch (error) {
        report.failed.push({ token: row.token, keyId: row.result_key_id ?? null, reason: error instanceof Error ? error.message : String(error) })
        continue
      }
      if (full === null) continue
      const sealed = keyring.seal(JSON.stringify(full), row.token)
      // Compare-and-set: a row a running server changed meanwhile is left for the next pass.
      const { numUpdatedRows } = await db.queries
        .updateTable('faceid_tokens')
        .set({ result: JSON.stringify(clearPartOf(full)), result_sealed: sealed.blob, result_key_id: sealed.keyId })
        .where('token', '=', row.token)
        .where(sameAs('result_key_id', row.result_key_id))
        .where(sameAs('result_sealed', row.result_sealed))
        .executeTakeFirst()
      if (numUpdatedRows > 0n) {
        if (row.result_sealed) report.rotated += 1
        else report.sealedPlain += 1
      }
    }
  }
}

/** The identity checks' sealed inputs and answers (checks/store.ts), re-sealed the same way. */
async function rotateChecks(ledger: LedgerContext, batchSize: number, report: RotationReport): Promise<RotationReport> {
  const { db, keyring } = ledger
  let after = ''
  for (;;) {
    const rows = await db.queries
      .selectFrom('faceid_checks')
      .select(['id', 'sealed', 'key_id'])
      .where('sealed', 'is not', null)
      .where((eb) => eb.or([eb('key_id', 'is', null), eb('key_id', '<>', keyring.current.id)]))
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute()
    if (rows.length === 0) return report
    for (const row of rows) {
      after = row.id
      let plain: string
      try {
        plain = keyring.open({ keyId: row.key_id ?? '', blob: row.sealed! }, checkSealAad(row.id))
      } catch (error) {
        report.failed.push({ token: `check:${row.id}`, keyId: row.key_id, reason: error instanceof Error ? error.message : String(error) })
        continue
      }
      const sealed = keyring.seal(plain, checkSealAad(row.id))
      // Compare-and-set, as above: a check completed meanwhile keeps its newer answer.
      const { numUpdatedRows } = await db.queries
        .updateTable('faceid_checks')
        .set({ sealed: sealed.blob, key_id: sealed.keyId })
        .where('id', '=', row.id)
        .where('sealed', '=', row.sealed!)
        .executeTakeFirst()
      if (numUpdatedRows > 0n) report.rotated += 1
    }
  }
}
