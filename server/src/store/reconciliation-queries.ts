import { fromRow, type LedgerContext, type TokenRecord } from './rows.js'

/** Tokens issued in [from, to), and any listed in `alsoTokens`, oldest first. */
export async function listForReconciliation(ledger: LedgerContext, from: Date, to: Date, alsoTokens: readonly string[]): Promise<TokenRecord[]> {
  const rows = await ledger.db.queries
    .selectFrom('faceid_tokens')
    .selectAll()
    .where((eb) => {
      const issued = eb.and([eb('issued_at', '>=', from), eb('issued_at', '<', to)])
      return alsoTokens.length === 0 ? issued : eb.or([issued, eb('token', 'in', [...alsoTokens])])
    })
    .orderBy('issued_at')
    .orderBy('token')
    .execute()
  return rows.map((row) => fromRow(row, ledger.keyring))
}
