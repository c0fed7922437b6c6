/**
 * Row 4 — footprint:
 * - bytes the kit adds to a mini-program, from `npm run size` (the mini-program package's own
 *   measure of miniprogram_dist, with its own goal);
 * - the server as `npm start` runs it (compiled, `node dist/bin/start.js`, see
 *   lib/compiled-server.ts), on each engine:
 *   - its RSS after warm-up, goal ≤ 120 MiB (issue 15);
 *   - its peak RSS while 200 verifications run at once, goal ≤ 160 MiB: driven by 200
 *     mini-program kits at the same moment, in waves; the kernel's VmHWM, reset after warm-up so
 *     the peak belongs to the load;
 *   - its RSS on a ledger of 100,000 tokens, after warm-up and a sweeper pass over the tokens
 *     left open in it, goal ≤ 120 MiB as well.
 */
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import { createSessions } from '../../server/src/http/sessions.js'
import { embeddedDatabase, postgresDatabase, type BenchDatabase } from '../lib/bench-db.js'
import { START_COMMAND, startCompiledServer } from '../lib/compiled-server.js'
import { fillLedger, type LedgerFill } from '../lib/ledger-fill.js'
import { createNodeKit } from '../lib/node-platform.js'
import { startEmulatorProcess, type EmulatorProcessInfo } from '../lib/processes.js'
import type { EmulatorProcessApi } from '../lib/emulator-process.js'
import type { ChildHandle } from '../lib/child.js'
import { atMost, exactly, info, mib, ms, progress, type Check, type RowResult } from '../lib/report.js'
import type { Settings } from '../lib/settings.js'
import { pool } from '../lib/stats.js'

const ROOT = new URL('../..', import.meta.url)
const MiB = 1024 * 1024
/** Issue 15: server RSS after warm-up. */
const WARM_RSS_GOAL = 120 * MiB
/** Issue 15: peak RSS with 200 concurrent verifications. */
const PEAK_RSS_GOAL = 160 * MiB
const WARM_UP_VERIFICATIONS = 10
/** Tokens of the full ledger left open past Tencent's retention, for the sweeper pass to close. */
const OPEN_TOKENS = 100
/** The sweeper's cap for that pass: Tencent's default for GetDetectInfoEnhanced. */
const SWEEP_QPS = 20

type Emulator = ChildHandle<EmulatorProcessApi, EmulatorProcessInfo>
interface SizeReport {
  bytes: number
  goalBytes: number | null
  command: string
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Runs the root `npm run size` (or the mini-program workspace's) and reads its total line. */
async function kitSize(): Promise<SizeReport | undefined> {
  const pkg = JSON.parse(await fs.readFile(new URL('package.json', ROOT), 'utf8')) as { scripts?: Record<string, string> }
  const mp = JSON.parse(await fs.readFile(new URL('miniprogram/package.json', ROOT), 'utf8')) as { scripts?: Record<string, string> }
  const args = pkg.scripts?.['size'] ? ['run', 'size', '--silent'] : mp.scripts?.['size'] ? ['run', 'size', '-w', 'miniprogram', '--silent'] : undefined
  if (!args) return undefined
  const { code, stdout, stderr } = await run('npm', args)
  if (code !== 0) throw new Error(`npm ${args.join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`)
  const total = /^total\s+(\d+)\s*B/m.exec(stdout)
  if (!total) throw new Error(`npm ${args.join(' ')}: no "total … B" line in its output`)
  const goal = /goal\s*≤\s*([\d.]+)\s*KB/.exec(stdout)
  return { bytes: Number(total[1]), goalBytes: goal ? Math.round(Number(goal[1]) * 1024) : null, command: `npm ${args.join(' ')}` }
}

/** The compiled server on `db`, and one mini-program kit per concurrent verification. */
async function startRig(emulator: Emulator, db: BenchDatabase, kitCount: number, options: { dataKey?: string; env?: Record<string, string>; onLog?: (line: string) => void } = {}) {
  const sessionSecret = crypto.randomBytes(32).toString('hex')
  const { dataKey = crypto.randomBytes(32).toString('base64'), ...rest } = options
  const server = await startCompiledServer({ emulatorUrl: emulator.info.url, database: db.options, sessionSecret, dataKey, ...rest })
  const sessions = createSessions(sessionSecret)
  const completeUpstream = async (token: string) => void (await emulator.call('complete', [token]))
  // One kit per concurrent verification: a kit runs one verification at a time, like a phone.
  const kits = await Promise.all(Array.from({ length: kitCount }, async (_, k) => createNodeKit({ baseUrl: server.url, bearer: await sessions.issue(`bench-user-${k}`), completeUpstream })))
  return {
    server,
    /** One verification on kit `k`; throws unless the result is `passed`. */
    async verify(k: number): Promise<void> {
      const outcome = await kits[k]!.verifyFace()
      if (outcome.status !== 'result') throw new Error(`verification ended ${outcome.status} (${outcome.reason})`)
      if (outcome.result.status !== 'passed') throw new Error(`result ${outcome.result.status}, expected passed`)
    },
  }
}

interface LoadResult {
  readyMs: number
  warmRss: number
  /** The warm RSS's anonymous and file-backed parts. */
  warmAnon: number
  warmFile: number
  peakRss: number
  /** The peak is the kernel's (VmHWM after a reset), not sampled. */
  kernelPeak: boolean
  failures: number
  /** What the failed verifications ended with, each once. */
  failureReasons: string[]
}

async function measureLoad(emulator: Emulator, db: BenchDatabase, concurrency: number, waves: number): Promise<LoadResult> {
  progress(`row 4: compiled server on ${db.label}: RSS after warm-up, then ${waves} waves of ${concurrency} concurrent verifications`)
  const rig = await startRig(emulator, db, concurrency)
  let failures = 0
  const reasons = new Set<string>()
  try {
    // Warm-up on a few kits, so the baseline is a server that has served requests.
    await pool(WARM_UP_VERIFICATIONS, WARM_UP_VERIFICATIONS, async (i) => void (await rig.verify(i)))
    const warm = rig.server.memory()
    rig.server.resetPeak()
    for (let wave = 0; wave < waves; wave++) {
      // All kits start together: `concurrency` verifications in flight at once.
      await pool(concurrency, concurrency, async (_, k) => {
        await rig.verify(k).catch((error: unknown) => {
          failures++
          reasons.add(error instanceof Error ? error.message : String(error))
        })
      })
    }
    const after = rig.server.memory()
    return { readyMs: rig.server.readyMs, warmRss: warm.rss, warmAnon: warm.anon, warmFile: warm.file, peakRss: after.peak, kernelPeak: after.kernelPeak, failures, failureReasons: [...reasons].slice(0, 5) }
  } finally {
    await rig.server.close()
  }
}

interface FullLedgerResult {
  fill: LedgerFill
  readyMs: number
  rss: number
  anon: number
  file: number
  /** Tokens the sweeper pass closed, of the `fill.openRows` left open. */
  swept: number
  /** Peak RSS since the server started (VmHWM). */
  peakSinceStart: number
}

async function measureFullLedger(emulator: Emulator, db: BenchDatabase, rows: number): Promise<FullLedgerResult> {
  progress(`row 4: writing a ledger of ${rows} tokens on ${db.label}`)
  const dataKey = crypto.randomBytes(32).toString('base64')
  const fill = await fillLedger(db, {
    rows,
    openRows: Math.min(OPEN_TOKENS, rows),
    dataKey,
    emulatorUrl: emulator.info.url,
    complete: (tokens) => emulator.call('complete', tokens),
    onProgress: (n) => n % 20_000 === 0 && progress(`row 4: ${n} tokens written`),
  })
  progress(`row 4: ${fill.finalRows + fill.openRows} tokens written in ${(fill.elapsedMs / 1000).toFixed(0)} s; compiled server on them, warm-up and a sweeper pass`)
  // The sweeper's first pass starts with the server and logs what it did once it is over.
  let swept = 0
  let passDone: () => void = () => undefined
  const passOver = new Promise<void>((resolve) => (passDone = resolve))
  const onLog = (line: string) => {
    if (!line.includes('"sweep pass"')) return
    try {
      const entry = JSON.parse(line) as { claimed?: number; finalized?: number; gaveUp?: number; remaining?: { open?: number } }
      swept += (entry.finalized ?? 0) + (entry.gaveUp ?? 0)
      if ((entry.claimed ?? 0) > 0) passDone()
    } catch {
      // Not a JSON line: not the sweeper's.
    }
  }
  const rig = await startRig(emulator, db, WARM_UP_VERIFICATIONS, { dataKey, env: { FACEID_SWEEP_QPS: String(SWEEP_QPS) }, onLog })
  try {
    await pool(WARM_UP_VERIFICATIONS, WARM_UP_VERIFICATIONS, async (i) => void (await rig.verify(i)))
    const timeoutMs = 60_000 + (fill.openRows / SWEEP_QPS) * 2000
    let timer: NodeJS.Timeout | undefined
    await Promise.race([passOver, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no sweeper pass logged within ${timeoutMs} ms`)), timeoutMs)))]).finally(() => clearTimeout(timer))
    const memory = rig.server.memory()
    return { fill, readyMs: rig.server.readyMs, rss: memory.rss, anon: memory.anon, file: memory.file, swept, peakSinceStart: memory.peak }
  } finally {
    await rig.server.close()
  }
}

export async function footprintRow(settings: Settings['footprint'], databaseUrl: string | undefined): Promise<RowResult> {
  const checks: Check[] = []
  const notes: string[] = []

  progress('row 4: npm run size')
  const size = await kitSize()
  if (size && size.goalBytes !== null) checks.push(atMost('bytes the kit adds to a mini-program', size.bytes, size.goalBytes, (n) => `${n} B`))
  else checks.push(info('bytes the kit adds to a mini-program', size ? `${size.bytes} B` : 'n/a (no size script)'))

  const { concurrency, waves, ledgerRows } = settings
  const engines: Array<() => Promise<BenchDatabase>> = [embeddedDatabase]
  if (databaseUrl) engines.push(() => postgresDatabase(databaseUrl))
  else notes.push('footprint: PostgreSQL not measured: set DATABASE_URL to add it')
  const measured: Array<{ engine: BenchDatabase['engine']; label: string; load: LoadResult; full: FullLedgerResult | null }> = []
  const emulator = await startEmulatorProcess()
  try {
    for (const open of engines) {
      let db = await open()
      const { engine, label } = db
      let load: LoadResult
      let full: FullLedgerResult | null = null
      try {
        load = await measureLoad(emulator, db, concurrency, waves)
      } finally {
        await db.dispose()
      }
      if (ledgerRows > 0) {
        db = await open()
        try {
          full = await measureFullLedger(emulator, db, ledgerRows)
        } finally {
          await db.dispose()
        }
      }
      measured.push({ engine, label, load, full })
      checks.push(atMost(`server RSS after warm-up (${label})`, load.warmRss, WARM_RSS_GOAL, mib))
      checks.push(atMost(`server peak RSS, ${concurrency} concurrent verifications (${label})`, load.peakRss, PEAK_RSS_GOAL, mib))
      checks.push(exactly(`  verifications without a passed result (${label})`, load.failures, 0))
      if (full) {
        const rows = full.fill.finalRows + full.fill.openRows
        checks.push(atMost(`server RSS, ${rows.toLocaleString('en-US')} ledger rows, after warm-up and a sweep (${label})`, full.rss, WARM_RSS_GOAL, mib))
        checks.push(exactly(`  open tokens the sweeper closed, of ${full.fill.openRows} (${label})`, full.swept, full.fill.openRows))
        checks.push(info(`  start to /health 200 on that ledger (${label})`, ms(full.readyMs)))
      }
    }
  } finally {
    await emulator.close()
  }
  if (ledgerRows === 0) notes.push('footprint: the full-ledger figure was skipped (BENCH_FOOTPRINT_LEDGER_ROWS=0)')
  notes.push(
    `footprint: the server is the compiled one npm start runs (${START_COMMAND}, live mode, NODE_ENV=production, its own logger on), its RSS read from /proc; ${waves} waves of ${concurrency} verifications started together; peak from ${measured.every((m) => m.load.kernelPeak) ? 'the kernel (VmHWM, reset after warm-up)' : 'sampling every 10 ms'}`,
  )
  for (const m of measured) {
    notes.push(`footprint: ${m.label}: RSS after warm-up ${mib(m.load.warmAnon)} anonymous + ${mib(m.load.warmFile)} file-backed${m.full ? `; on the full ledger ${mib(m.full.anon)} + ${mib(m.full.file)}` : ''}`)
    if (m.load.failures > 0) notes.push(`footprint: ${m.label}: ${m.load.failures} verifications failed: ${m.load.failureReasons.join(' / ')}`)
    if (m.full) notes.push(`footprint: ${m.label} ledger of ${m.full.fill.finalRows + m.full.fill.openRows} tokens written in ${(m.full.fill.elapsedMs / 1000).toFixed(0)} s (sealed result ${m.full.fill.sealedBytes} B each); peak RSS since start ${mib(m.full.peakSinceStart)}`)
  }
  return {
    row: 4,
    title: 'Footprint',
    checks,
    data: { settings, goals: { warmRssBytes: WARM_RSS_GOAL, peakRssBytes: PEAK_RSS_GOAL }, size: size ?? null, engines: measured },
    notes,
  }
}
