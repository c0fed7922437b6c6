/**
 * A ledger as a server finds it after months of use: N tokens, each with the sealed result
 * Tencent gave (a real GetDetectInfoEnhanced answer of the emulator, sealed per token with the
 * server's data key), spread over 30 days and 20,000 users, plus a few tokens left open past
 * Tencent's retention (users who never came back) for the sweeper to close. Written through the
 * ledger's own API in the bench process (`Ledger.insert`, whose batcher writes concurrent inserts
 * as multi-row statements, then `Ledger.recordFetch` per token, in a few transactions at a time), before the server under test
 * opens the database.
 */
import crypto from 'node:crypto'
import { SANDBOX_CREDENTIAL } from '../../server/emulator/index.js'
import { Keyring } from '../../server/src/privacy/data-keys.js'
import { createTencentGateway } from '../../server/src/providers/tencent/client.js'
import { openDatabase } from '../../server/src/store/database.js'
import { Ledger, type NewToken } from '../../server/src/store/ledger.js'
import { Verifier } from '../../server/src/verification/verifier.js'
import type { BenchDatabase } from './bench-db.js'
import { IDENTITY, RULE_ID } from './processes.js'
import { pool } from './stats.js'

const DAY = 24 * 3600 * 1000
const CHUNK = 5000
/** Transactions of result writes in flight (a PostgreSQL pool runs them side by side; an embedded engine one by one). */
const IN_FLIGHT = 8
const USERS = 20_000

export interface LedgerFill {
  /** Tokens with a final result. */
  finalRows: number
  /** Tokens left open, issued 4 days ago: the sweeper closes them (Tencent no longer knows them). */
  openRows: number
  /** Bytes of one sealed raw result. */
  sealedBytes: number
  elapsedMs: number
}

export async function fillLedger(db: BenchDatabase, options: { rows: number; openRows: number; dataKey: string; emulatorUrl: string; complete: (tokens: string[]) => Promise<unknown>; onProgress?: (rows: number) => void }): Promise<LedgerFill> {
  const t0 = performance.now()
  const database = await openDatabase(db.options)
  try {
    const keyring = Keyring.fromKeys(options.dataKey)
    const ledger = await Ledger.open(database, { keyring })
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: options.emulatorUrl, timeoutSeconds: 10 })
    const verifier = new Verifier({ gateway, ledger, ruleId: RULE_ID })

    // One real verification gives the result every stored row carries.
    const { token: sample } = await verifier.issue('face', { userId: 'bench-fill', identity: { ...IDENTITY }, clientIp: '127.0.0.1' })
    await options.complete([sample])
    const record = await ledger.get(sample)
    if (!record) throw new Error('the sample token is not in the ledger')
    const result = await verifier.refresh(record)
    const raw = (await ledger.readFullResult(sample))?.result
    if (result.status !== 'passed' || !raw) throw new Error(`the sample verification ended ${result.status}`)
    const sealedBytes = keyring.seal(JSON.stringify(raw), sample).blob.length

    const now = Date.now()
    const finalRows = Math.max(0, options.rows - options.openRows - 1)
    const row = (i: number, issuedAt: number): NewToken => ({
      token: crypto.randomUUID().toUpperCase(),
      kind: 'face',
      userId: `bench-user-${i % USERS}`,
      ruleId: RULE_ID,
      clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      issuedAt: new Date(issuedAt),
      expiresAt: new Date(issuedAt + 2 * 3600 * 1000),
      requestId: crypto.randomUUID(),
    })
    const outcomeAt = (issuedAt: Date) => new Date(issuedAt.getTime() + 60_000)
    for (let start = 0; start < finalRows; start += CHUNK) {
      // Oldest first, as they were issued, over the last 30 days.
      const chunk = Array.from({ length: Math.min(CHUNK, finalRows - start) }, (_, k) => row(start + k, now - 30 * DAY + Math.floor(((start + k) / finalRows) * 30 * DAY)))
      // Inserts made together are written as multi-row statements by the ledger's batcher.
      await Promise.all(chunk.map((t) => ledger.insert(t)))
      // Results in a few transactions side by side: one commit per slice, not per token.
      const slice = Math.ceil(chunk.length / IN_FLIGHT)
      await pool(IN_FLIGHT, IN_FLIGHT, async (w) =>
        database.transaction(async (tx) => {
          for (const t of chunk.slice(w * slice, (w + 1) * slice)) {
            const at = outcomeAt(t.issuedAt)
            await ledger.recordFetch(t.token, { result: { ...result, token: t.token, updatedAt: at.toISOString() }, raw, billableCount: 1, final: true }, at, tx)
          }
        }),
      )
      options.onProgress?.(start + chunk.length)
    }
    await Promise.all(Array.from({ length: options.openRows }, (_, k) => ledger.insert(row(finalRows + k, now - 4 * DAY))))
    return { finalRows: finalRows + 1, openRows: options.openRows, sealedBytes, elapsedMs: performance.now() - t0 }
  } finally {
    await database.close()
  }
}
