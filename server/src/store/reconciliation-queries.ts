import type { TokenKind, UpstreamResult } from '@faceid-kit/shared'
import { toDate, type LedgerContext, type TokenRecord } from './rows.js'

/**
 * What reconciliation reads of a token. `result` is only the clear part of the last result
 * (codes and the billing fields of each attempt): a day's tokens are compared without opening a
 * single sealed result, which also keeps a large day's memory small.
 */
export interface ReconciliationRecord extends Pick<TokenRecord, 'token' | 'kind' | 'ruleId' | 'issuedAt' | 'final' | 'fetchedAt'> {
  result: UpstreamResult | null
}

/** Tokens issued in [from, to), and any listed in `alsoTokens`, oldest first. */
export async function listForReconciliation(ledger: LedgerContext, from: Date, to: Date, alsoTokens: readonly string[]): Promise<ReconciliationRecord[]> {
  const rows = await ledger.db.queries
    .selectFrom('faceid_tokens')
    .select(['token', 'kind', 'rule_id', 'issued_at', 'final', 'fetched_at', 'result'])
    .where((eb) => {
      const issued = eb.and([eb('issued_at', '>=', from), eb('issued_at', '<', to)])
      return alsoTokens.length === 0 ? issued : eb.or([issued, eb('token', 'in', [...alsoTokens])])
    })
    .orderBy('issued_at')
    .orderBy('token')
    .execute()
  return rows.map((row) => ({
    token: row.token,
    kind: row.kind as TokenKind,
    ruleId: row.rule_id,
    issuedAt: toDate(row.issued_at),
    final: Boolean(row.final),
    fetchedAt: row.fetched_at === null ? null : toDate(row.fetched_at),
    result: typeof row.result === 'string' ? (JSON.parse(row.result) as UpstreamResult) : row.result,
  }))
}
