/**
 * Row 3 — sweeper catch-up: N tokens issued and finished in the emulator but never fetched (the
 * users closed the mini-program), then one sweeper pass under a QPS cap Q with the emulator
 * enforcing the same cap on GetDetectInfoEnhanced. Elapsed / (N / Q) says how close the sweeper
 * runs to its cap (1.00 = exactly at it); the emulator counts every call over the cap.
 * The sweeper and its embedded (SQLite) ledger run here; the emulator has its own process.
 */
import { openDatabase } from '../../server/src/store/database.js'
import { SANDBOX_CREDENTIAL } from '../../server/emulator/index.js'
import { createTencentGateway } from '../../server/src/providers/tencent/client.js'
import { Ledger } from '../../server/src/store/ledger.js'
import { createSweeper } from '../../server/src/jobs/sweeper.js'
import { readConfig } from '../../server/src/config/environment.js'
import { Verifier } from '../../server/src/verification/verifier.js'
import { embeddedDatabase } from '../lib/bench-db.js'
import { IDENTITY, RULE_ID, startEmulatorProcess } from '../lib/processes.js'
import { fixed, progress, type RowResult } from '../lib/report.js'
import type { Settings } from '../lib/settings.js'
import { pool } from '../lib/stats.js'

const RATIO_GOAL = 1.05
const ISSUE_CONCURRENCY = 16
const COMPLETE_CHUNK = 500

export async function sweeperRow(settings: Settings['sweep']): Promise<RowResult> {
  const { tokens: n, qps } = settings
  const emulator = await startEmulatorProcess({ qpsLimit: { GetDetectInfoEnhanced: qps } })
  const benchDb = await embeddedDatabase()
  const db = await openDatabase(benchDb.options)
  try {
    const ledger = await Ledger.open(db)
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: emulator.info.url, timeoutSeconds: 10 })

    progress(`row 3: issuing ${n} tokens and finishing them in the emulator`)
    const issuer = new Verifier({ gateway, ledger, ruleId: RULE_ID })
    const issued: string[] = []
    await pool(n, ISSUE_CONCURRENCY, async (i) => {
      const { token } = await issuer.issue('face', { userId: `bench-user-${i % 100}`, identity: { ...IDENTITY }, clientIp: '127.0.0.1' })
      issued.push(token)
    })
    for (let i = 0; i < issued.length; i += COMPLETE_CHUNK) await emulator.call('complete', issued.slice(i, i + COMPLETE_CHUNK))

    progress(`row 3: one sweeper pass over ${n} tokens at ${qps} calls/s (ideal ${(n / qps).toFixed(0)} s)`)
    // Configured as `npm start` configures it (FACEID_SWEEP_BATCH, FACEID_SWEEP_LEASE_SECONDS apply),
    // with the cap under test, and every token due at once (they are old in this scenario).
    const { sweep } = readConfig(process.env)
    const sweeper = createSweeper({
      ...(sweep.batchSize ? { batchSize: sweep.batchSize } : {}),
      ...(sweep.leaseSeconds ? { leaseMs: sweep.leaseSeconds * 1000 } : {}),
      ledger,
      gateway,
      ruleId: RULE_ID,
      qps,
      firstFetchAfterMs: 0,
    })
    const before = await emulator.call('stats', undefined)
    const t0 = performance.now()
    const pass = await sweeper.runOnce()
    const elapsedMs = performance.now() - t0
    await sweeper.stop()
    const after = await emulator.call('stats', undefined)
    const open = (await ledger.sweepCounts(new Date(), 0)).open

    const ideal = (n / qps) * 1000
    const ratio = elapsedMs / ideal
    const violations = after.qpsViolations - before.qpsViolations
    const calls = (after.calls['GetDetectInfoEnhanced'] ?? 0) - (before.calls['GetDetectInfoEnhanced'] ?? 0)
    return {
      row: 3,
      title: 'Sweeper catch-up',
      checks: [
        { label: `sweep time ÷ (N / Q), N=${n}, Q=${qps}/s`, value: fixed(ratio), goal: `≤ ${RATIO_GOAL}`, pass: ratio <= RATIO_GOAL },
        { label: '  emulator QPS-cap violations', value: String(violations), goal: '0', pass: violations === 0 },
        { label: '  tokens left open; upstream calls', value: `${open}; ${calls}`, goal: `0; ${n}`, pass: open === 0 && calls === n },
      ],
      data: { settings, elapsedMs, idealMs: ideal, ratio, qpsViolations: violations, upstreamCalls: calls, openAfter: open, pass },
      notes: [`sweeper: ${(elapsedMs / 1000).toFixed(1)} s for ${n} tokens at ${qps}/s (${(n / (elapsedMs / 1000)).toFixed(1)} calls/s achieved); batches of ${sweep.batchSize ?? 20}, ${4} fetches in flight`],
    }
  } finally {
    await db.close()
    await benchDb.dispose()
    await emulator.close()
  }
}
