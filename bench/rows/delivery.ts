/**
 * Row 2 — result delivery: from the emulator finishing a verification (the user passed) to the
 * mini-program kit holding the final result, through the real client flow: `kit.verifyFace()`
 * (mini-program core, requests over fetch) → `POST /faceid/biz-token` → the SDK stand-in
 * finishes the token in the emulator and calls `success` → at once `GET /faceid/biz-token/:token`
 * → `GetDetectInfoEnhanced` → the kit holds the result (`onResult`). `verifyFace()` itself
 * resolves no earlier than the kit's settle delay after `success` (Tencent's iOS advice, for the
 * app's UI work): shown beside it. The server is `startServer` in live mode in its own process;
 * the emulator is in another. Also counts upstream `GetDetectInfoEnhanced` calls per verification
 * from the emulator's counters.
 */
import crypto from 'node:crypto'
import { DEFAULT_SETTLE_DELAY, type Kit } from '../../miniprogram/src/core/index.js'
import { createSessions } from '../../server/src/http/sessions.js'
import { embeddedDatabase, type BenchDatabase } from '../lib/bench-db.js'
import { wallNow } from '../lib/clock.js'
import { createNodeKit } from '../lib/node-platform.js'
import { startEmulatorProcess, startKitServer } from '../lib/processes.js'
import { fixed, ms, progress, type RowResult } from '../lib/report.js'
import type { Settings } from '../lib/settings.js'
import { pool, percentile } from '../lib/stats.js'

const P99_GOAL_MS = 300
const CALLS_GOAL = 3
/**
 * The simulated users' first verifications are spread over this (user k starts k/concurrency of
 * it late): about one verification here (token, SDK, settle delay). Started in the same
 * millisecond, they stay in step for the whole run — each verification is held to its answer plus
 * the settle delay — and every result request meets the other users' token requests in one burst.
 * Real users are not in step.
 */
const STAGGER_MS = 600

/** One verification, in ms from the emulator finishing it. */
export interface Delivery {
  /** Until the kit holds the server's final result. */
  heldMs: number
  /** Until `verifyFace()` resolved (after the settle delay: what the app's UI gets). */
  resolvedMs: number
}

/** Emulator process + kit server process + one mini-program kit per concurrent verification. */
export async function startVerificationRig(kitCount: number, openDb: () => Promise<BenchDatabase> = embeddedDatabase) {
  const emulator = await startEmulatorProcess()
  let db: BenchDatabase
  try {
    db = await openDb()
  } catch (error) {
    await emulator.close()
    throw error
  }
  const sessionSecret = crypto.randomBytes(32).toString('hex')
  let server
  try {
    server = await startKitServer({ emulatorUrl: emulator.info.url, database: db.options, sessionSecret, dataKey: crypto.randomBytes(32).toString('base64') })
  } catch (error) {
    await emulator.close()
    await db.dispose()
    throw error
  }
  const running = server
  const sessions = createSessions(sessionSecret)
  const finishedAt = new Map<string, number>()
  const completeUpstream = async (token: string) => {
    const [at] = await emulator.call('complete', [token])
    finishedAt.set(token, at!)
  }
  // One kit per concurrent verification: a kit runs one verification at a time, like a phone.
  const kits = await Promise.all(
    Array.from({ length: kitCount }, async (_, k) => createNodeKit({ baseUrl: running.info.url, bearer: await sessions.issue(`bench-user-${k}`), completeUpstream })),
  )
  return {
    engine: db.engine,
    label: db.label,
    emulator,
    server: running,
    /** One verification on kit `k`: its delivery times; throws unless the result is `passed`. */
    async verify(k: number): Promise<Delivery> {
      let heldAt: number | undefined
      const outcome = await kits[k]!.verifyFace({ onResult: () => void (heldAt = wallNow()) })
      const resolvedAt = wallNow()
      if (outcome.status !== 'result') throw new Error(`verification ended ${outcome.status} (${outcome.reason})`)
      if (outcome.result.status !== 'passed') throw new Error(`result ${outcome.result.status}, expected passed`)
      const at = finishedAt.get(outcome.result.token)
      finishedAt.delete(outcome.result.token)
      if (at === undefined) throw new Error('the emulator never finished this token')
      if (heldAt === undefined) throw new Error('onResult was not called')
      return { heldMs: heldAt - at, resolvedMs: resolvedAt - at }
    },
    async close() {
      await running.close()
      await emulator.close()
      await db.dispose()
    },
  }
}

export async function deliveryRow(settings: Settings['delivery']): Promise<RowResult> {
  const { verifications, concurrency } = settings
  progress(`row 2: result delivery, ${verifications} verifications, ${concurrency} at a time`)
  const rig = await startVerificationRig(concurrency)
  const latencies: number[] = []
  const resolved: number[] = []
  const failures: string[] = []
  let before: Record<string, number>
  let after: Record<string, number>
  try {
    // Warm-up (JIT, connection pools), not counted.
    await pool(concurrency, concurrency, async (_, k) => void (await rig.verify(k)))
    before = (await rig.emulator.call('stats', undefined)).calls
    const started = new Set<number>()
    await pool(verifications, concurrency, async (_, k) => {
      if (!started.has(k)) {
        started.add(k)
        await new Promise((resolve) => setTimeout(resolve, (k / concurrency) * STAGGER_MS))
      }
      try {
        const delivery = await rig.verify(k)
        latencies.push(delivery.heldMs)
        resolved.push(delivery.resolvedMs)
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error))
      }
    })
    after = (await rig.emulator.call('stats', undefined)).calls
  } finally {
    await rig.close()
  }

  const delta = (action: string) => (after[action] ?? 0) - (before[action] ?? 0)
  const p50 = percentile(latencies, 50)
  const p99 = percentile(latencies, 99)
  const detectCalls = delta('GetDetectInfoEnhanced') / verifications
  const settle = DEFAULT_SETTLE_DELAY
  return {
    row: 2,
    title: 'Result delivery',
    checks: [
      { label: 'delivery p99 (emulator done → kit holds result)', value: ms(p99), goal: `≤ ${P99_GOAL_MS} ms`, pass: p99 <= P99_GOAL_MS },
      { label: '  delivery p50', value: ms(p50), goal: '—', pass: null },
      {
        label: `  p50 / p99 until verifyFace() resolves (≥ ${settle} ms settle delay after success, for UI)`,
        value: `${ms(percentile(resolved, 50))} / ${ms(percentile(resolved, 99))}`,
        goal: '—',
        pass: null,
      },
      { label: 'GetDetectInfoEnhanced calls per verification', value: fixed(detectCalls), goal: `≤ ${CALLS_GOAL}`, pass: detectCalls <= CALLS_GOAL },
      { label: '  verifications without a passed result', value: String(failures.length), goal: '0', pass: failures.length === 0 },
    ],
    data: {
      settings,
      settleDelayMs: settle,
      staggerMs: STAGGER_MS,
      latencyMs: { p50, p90: percentile(latencies, 90), p99, max: percentile(latencies, 100), samples: latencies.length },
      resolvedMs: { p50: percentile(resolved, 50), p90: percentile(resolved, 90), p99: percentile(resolved, 99), max: percentile(resolved, 100) },
      upstreamCallsPerVerification: Object.fromEntries(Object.keys(after).map((a) => [a, delta(a) / verifications])),
      failures: failures.slice(0, 10),
    },
    notes: [
      `delivery: ${verifications} verifications, ${concurrency} concurrent users started ${STAGGER_MS / concurrency} ms apart; the kit asks the server as soon as the SDK answers; only verifyFace()'s promise, which apps do UI on, waits the ${settle} ms settle delay (Tencent's iOS advice)`,
    ],
  }
}
