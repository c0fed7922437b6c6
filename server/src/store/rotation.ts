import type { UpstreamResult } from '@faceid-kit/shared'
import { clearPartOf } from '../privacy/personal-data.js'
import { resultOf, type LedgerContext, type TokenRow } from './rows.js'

/** What rotation did: rows re-sealed under the current key, and rows it could not open. */
export interface RotationReport {
  currentKeyId: string
  rotated: number
  /** Rows stored before encryption existed (plain results), now sealed. */
  sealedPlain: number
  failed: Array<{ token: string; keyId: string | null; reason: string }>
}

/** Re-seals, in batches of `batchSize`, every stored result not under the current key. */
export async function rotateKeys(ledger: LedgerContext, batchSize: number): Promise<RotationReport> {
  const { db, keyring } = ledger
  const report: RotationReport = { currentKeyId: keyring.current.id, rotated: 0, sealedPlain: 0, failed: [] }
  let after = ''
  for (;;) {
    const { rows } = await db.query<TokenRow>(
      `SELECT * FROM faceid_tokens
        WHERE result IS NOT NULL AND result_key_id IS DISTINCT FROM $1 AND personal_data_purged_at IS NULL AND token > $2
        ORDER BY token LIMIT $3`,
      [keyring.current.id, after, batchSize],
    )
    if (rows.length === 0) return report
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
      const { rowCount } = await db.query(
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
