import type { LedgerContext } from './rows.js'

/** Deletes the sealed personal part of final results fetched before `before`; returns the rows purged. */
export async function purgePersonalData(ledger: LedgerContext, before: Date, now: Date): Promise<number> {
  const { rowCount } = await ledger.db.query(
    // A plain result stored before sealing existed cannot be split in SQL: it goes whole.
    `UPDATE faceid_tokens
        SET result = CASE WHEN result_sealed IS NULL THEN NULL ELSE result END,
            result_sealed = NULL, result_key_id = NULL, personal_data_purged_at = $2
      WHERE final AND fetched_at < $1 AND (result_sealed IS NOT NULL OR (result IS NOT NULL AND personal_data_purged_at IS NULL))`,
    [before, now],
  )
  return rowCount
}
