import { sql } from 'kysely'
import { isFinal, type LedgerContext } from './rows.js'

/**
 * Deletes the sealed personal part of final results fetched before `before`, and what identity
 * checks requested before it sent and got (their kind, outcome, code and billing stay); returns
 * the rows purged.
 */
export async function purgePersonalData(ledger: LedgerContext, before: Date, now: Date): Promise<number> {
  const checks = await ledger.db.queries
    .updateTable('faceid_checks')
    .set({ sealed: null, key_id: null })
    .where('requested_at', '<', before)
    .where('sealed', 'is not', null)
    .executeTakeFirst()
  const { numUpdatedRows } = await ledger.db.queries
    .updateTable('faceid_tokens')
    // A plain result stored before sealing existed cannot be split in SQL: it goes whole.
    .set({
      result: sql<string | null>`CASE WHEN result_sealed IS NULL THEN NULL ELSE result END`,
      result_sealed: null,
      result_key_id: null,
      personal_data_purged_at: now,
    })
    .where(isFinal)
    .where('fetched_at', '<', before)
    .where((eb) => eb.or([eb('result_sealed', 'is not', null), eb.and([eb('result', 'is not', null), eb('personal_data_purged_at', 'is', null)])]))
    .executeTakeFirst()
  return Number(numUpdatedRows) + Number(checks.numUpdatedRows)
}
