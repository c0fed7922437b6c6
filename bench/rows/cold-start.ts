/**
 * Row 5 — cold start: from spawning the server as `npm start` runs it (compiled,
 * `node dist/bin/start.js`, see lib/compiled-server.ts) to its first `GET /health` 200, the median
 * of BENCH_COLD_START_RUNS starts, on each engine:
 * - on a fresh database (first start: the schema is created);
 * - on an existing one (a restart: a database an earlier start created, with the server's own
 *   tokens in it).
 * Each start is followed by a graceful stop (SIGTERM) before the next.
 */
import crypto from 'node:crypto'
import { embeddedDatabase, postgresDatabase, type BenchDatabase } from '../lib/bench-db.js'
import type { ChildHandle } from '../lib/child.js'
import { START_COMMAND, startCompiledServer } from '../lib/compiled-server.js'
import type { EmulatorProcessApi } from '../lib/emulator-process.js'
import { startEmulatorProcess, type EmulatorProcessInfo } from '../lib/processes.js'
import { exactly, info, ms, progress, type Check, type RowResult } from '../lib/report.js'
import type { Settings } from '../lib/settings.js'
import { median } from '../lib/stats.js'

type Emulator = ChildHandle<EmulatorProcessApi, EmulatorProcessInfo>

interface Case {
  engine: BenchDatabase['engine']
  label: string
  database: 'fresh' | 'existing'
  /** Spawn → /health 200 of each start that got there, ms. */
  startsMs: number[]
  failures: string[]
}

const keys = () => ({ sessionSecret: crypto.randomBytes(32).toString('hex'), dataKey: crypto.randomBytes(32).toString('base64') })

/** One start and stop; the time to /health 200, or the reason it did not get there. */
async function startOnce(emulator: Emulator, db: BenchDatabase, secrets: ReturnType<typeof keys>): Promise<number> {
  const server = await startCompiledServer({ emulatorUrl: emulator.info.url, database: db.options, ...secrets })
  await server.close()
  return server.readyMs
}

async function measure(emulator: Emulator, open: () => Promise<BenchDatabase>, runs: number): Promise<Case[]> {
  const fresh: Case = { engine: 'postgres', label: '', database: 'fresh', startsMs: [], failures: [] }
  const existing: Case = { ...fresh, database: 'existing', startsMs: [], failures: [] }
  const attempt = async (c: Case, run: () => Promise<number>) => {
    try {
      c.startsMs.push(await run())
    } catch (error) {
      c.failures.push(error instanceof Error ? error.message : String(error))
    }
  }
  for (let i = 0; i < runs; i++) {
    const db = await open()
    fresh.engine = existing.engine = db.engine
    fresh.label = existing.label = db.label
    try {
      await attempt(fresh, () => startOnce(emulator, db, keys()))
    } finally {
      await db.dispose()
    }
  }
  progress(`row 5: ${fresh.label}: ${runs} starts on a fresh database, median ${ms(median(fresh.startsMs))}`)
  const db = await open()
  try {
    // The first start creates the schema and marks the ledger live; the next ones find both.
    const secrets = keys()
    await startOnce(emulator, db, secrets)
    for (let i = 0; i < runs; i++) await attempt(existing, () => startOnce(emulator, db, secrets))
  } finally {
    await db.dispose()
  }
  progress(`row 5: ${existing.label}: ${runs} starts on an existing database, median ${ms(median(existing.startsMs))}`)
  return [fresh, existing]
}

export async function coldStartRow(settings: Settings['coldStart'], databaseUrl: string | undefined): Promise<RowResult> {
  const { runs } = settings
  const notes: string[] = []
  const engines: Array<() => Promise<BenchDatabase>> = [embeddedDatabase]
  if (databaseUrl) engines.push(() => postgresDatabase(databaseUrl))
  else notes.push('cold start: PostgreSQL not measured: set DATABASE_URL to add it')
  const cases: Case[] = []
  const emulator = await startEmulatorProcess()
  try {
    for (const open of engines) cases.push(...(await measure(emulator, open, runs)))
  } finally {
    await emulator.close()
  }
  const checks: Check[] = []
  for (const c of cases) {
    const spread = c.startsMs.length ? ` (${Math.round(Math.min(...c.startsMs))}–${Math.round(Math.max(...c.startsMs))})` : ''
    checks.push(info(`start to /health 200, median of ${runs}, ${c.database} database (${c.label})`, `${ms(median(c.startsMs))}${spread}`))
    checks.push(exactly(`  starts that never answered /health 200 (${c.label}, ${c.database})`, c.failures.length, 0))
  }
  for (const c of cases) for (const f of c.failures.slice(0, 3)) notes.push(`cold start: ${c.label} ${c.database}: ${f}`)
  notes.push(`cold start: spawn of ${START_COMMAND} (what npm start execs after its build) to the first /health 200, polled every 10 ms; live mode; issue 15 sets no goal for it`)
  return {
    row: 5,
    title: 'Cold start',
    checks,
    data: { settings, cases: cases.map((c) => ({ ...c, medianMs: median(c.startsMs) })) },
    notes,
  }
}
