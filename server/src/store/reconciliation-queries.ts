import { fromRow, type LedgerContext, type TokenRecord, type TokenRow } from './rows.js'

/** Tokens issued in [from, to), and any listed in `alsoTokens`, oldest first. */
export async function listForReconciliation(ledger: LedgerContext, from: Date, to: Date, alsoTokens: readonly string[]): Promise<TokenRecord[]> {
  const { rows } = await ledger.db.query<TokenRow>(
    `SELECT * FROM faceid_tokens WHERE (issued_at >= $1 AND issued_at < $2) OR token = ANY($3::text[]) ORDER BY issued_at, token`,
    [from, to, [...alsoTokens]],
  )
  return rows.map((row) => fromRow(row, ledger.keyring))
}
