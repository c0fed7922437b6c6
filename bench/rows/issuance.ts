/**
 * Row 1 — issuance: requests/s through the kit's `POST /faceid/biz-token` over requests/s
 * through a bare Koa route calling the same SDK client, against the same emulator (a fresh one
 * per engine), with the same autocannon settings. Both servers share one child process, which
 * imports the kit's built package (`@faceid-kit/server`, as a partner's app does); the emulator
 * has another, the load generator runs here. Runs alternate kit/bare in ABBA order; the figure is the median of
 * the per-round ratios, so slow drift of the machine cancels out.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { embeddedDatabase, postgresDatabase, type BenchDatabase } from '../lib/bench-db.js'
import { buildServer } from '../lib/compiled-server.js'
import { cpuSpentUs, postgresCpuTimesUs } from '../lib/postgres-backends.js'
import { startEmulatorProcess, startIssuanceServers, USER_HEADER } from '../lib/processes.js'
import { fixed, progress, type Check, type RowResult } from '../lib/report.js'
import type { Settings } from '../lib/settings.js'
import { median } from '../lib/stats.js'

const GOAL = 0.9
/** Issue 15: server CPU per issuance through the kit at most this many times the bare route's. */
const CPU_GOAL = 1.15

interface Run {
  rps: number
  ok: number
  bad: number
  p99ms: number
  /** CPU time the servers' process spent per successful request, µs. */
  cpuPerRequestUs: number
  /** CPU time of the PostgreSQL backends of the servers' connections per successful request, µs (a local server only). */
  dbCpuPerRequestUs: number | null
}

interface EngineResult {
  engine: BenchDatabase['engine']
  label: string
  ratio: number
  roundRatios: number[]
  kitRps: number[]
  bareRps: number[]
  kitMedianRps: number
  bareMedianRps: number
  kitP99Ms: number
  bareP99Ms: number
  /** Median server CPU per request, µs. */
  kitCpuUs: number
  bareCpuUs: number
  /** Median CPU of the PostgreSQL backends per kit request, µs; null when not on this machine. */
  kitDbCpuUs: number | null
  badResponses: number
  kitCreated: number
  ledgerRows: number
}

/** `dbCpu`: CPU times of the PostgreSQL backends of the servers' connections, when local. */
async function load(url: string, connections: number, seconds: number, cpu: () => Promise<number>, dbCpu?: () => Promise<Map<number, number>>): Promise<Run> {
  const cpuBefore = await cpu()
  const dbBefore = await dbCpu?.()
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', [USER_HEADER]: 'bench-user' },
    body: '{}',
    connections,
    duration: seconds,
    timeout: 30,
  })
  const cpuUs = (await cpu()) - cpuBefore
  const dbAfter = await dbCpu?.()
  const n = Math.max(1, r['2xx'])
  return { rps: r['2xx'] / r.duration, ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts, p99ms: r.latency.p99, cpuPerRequestUs: cpuUs / n, dbCpuPerRequestUs: dbBefore && dbAfter && dbAfter.size > 0 ? cpuSpentUs(dbBefore, dbAfter) / n : null }
}

/**
 * CPU times of the local PostgreSQL backends of the servers' connections, looked up at each
 * reading: the pool opens and closes connections as the load changes.
 */
function backendCpu(db: BenchDatabase): (() => Promise<Map<number, number>>) | undefined {
  const pids = db.backendPids
  return pids && (async () => postgresCpuTimesUs(await pids()))
}

/** One process start: warm-up, then `rounds` kit/bare pairs in ABBA order. */
async function measureProcess(settings: Settings['issuance'], emulatorUrl: string, db: BenchDatabase, start: number, into: { kit: Run[]; bare: Run[] }) {
  const servers = await startIssuanceServers({ emulatorUrl, database: db.options })
  try {
    const kitUrl = `${servers.info.kitUrl}/faceid/biz-token`
    const bareUrl = `${servers.info.bareUrl}/bare/biz-token`
    const { connections, seconds, warmupSeconds, rounds, processes } = settings
    const cpu = () => servers.call('cpu', undefined)
    const dbCpu = backendCpu(db)
    let bad = 0
    let kitCreated = 0
    if (warmupSeconds > 0) {
      const w1 = await load(kitUrl, connections, warmupSeconds, cpu)
      const w2 = await load(bareUrl, connections, warmupSeconds, cpu)
      bad += w1.bad + w2.bad
      kitCreated += w1.ok
    }
    for (let round = 0; round < rounds; round++) {
      // ABBA: kit first in even rounds, bare first in odd ones.
      const order = round % 2 === 0 ? (['kit', 'bare'] as const) : (['bare', 'kit'] as const)
      for (const which of order) {
        const run = await load(which === 'kit' ? kitUrl : bareUrl, connections, seconds, cpu, dbCpu)
        into[which].push(run)
        bad += run.bad
        if (which === 'kit') kitCreated += run.ok
        progress(`  ${db.engine} process ${start + 1}/${processes} round ${round + 1}/${rounds} ${which}: ${run.rps.toFixed(0)} req/s, ${(run.cpuPerRequestUs / 1000).toFixed(2)} ms CPU/request${run.dbCpuPerRequestUs === null ? '' : `, PostgreSQL ${(run.dbCpuPerRequestUs / 1000).toFixed(3)} ms`}`)
      }
    }
    return { bad, kitCreated, ledgerRows: await servers.call('ledgerCount', undefined) }
  } finally {
    await servers.close()
  }
}

/**
 * `processes` starts of the servers' process on one database, each measured in its own rounds:
 * how much the kit costs next to the bare route moved from one process start to the next (the
 * JIT's choices differ), more than from one round to the next within a process.
 */
async function measureEngine(settings: Settings['issuance'], emulatorUrl: string, db: BenchDatabase): Promise<EngineResult> {
  const kit: Run[] = []
  const bare: Run[] = []
  let bad = 0
  let kitCreated = 0
  let ledgerRows = 0
  for (let p = 0; p < settings.processes; p++) {
    const one = await measureProcess(settings, emulatorUrl, db, p, { kit, bare })
    bad += one.bad
    kitCreated += one.kitCreated
    // The ledger outlives the processes: the last one's count covers every process's tokens.
    ledgerRows = one.ledgerRows
  }
  const roundRatios = kit.map((k, i) => k.rps / bare[i]!.rps)
  const kitDb = kit.map((r) => r.dbCpuPerRequestUs).filter((x): x is number => x !== null)
  return {
    engine: db.engine,
    label: db.label,
    ratio: median(roundRatios),
    roundRatios,
    kitRps: kit.map((r) => r.rps),
    bareRps: bare.map((r) => r.rps),
    kitMedianRps: median(kit.map((r) => r.rps)),
    bareMedianRps: median(bare.map((r) => r.rps)),
    kitP99Ms: median(kit.map((r) => r.p99ms)),
    bareP99Ms: median(bare.map((r) => r.p99ms)),
    kitCpuUs: median(kit.map((r) => r.cpuPerRequestUs)),
    bareCpuUs: median(bare.map((r) => r.cpuPerRequestUs)),
    kitDbCpuUs: kitDb.length > 0 ? median(kitDb) : null,
    badResponses: bad,
    kitCreated,
    ledgerRows,
  }
}

export async function issuanceRow(settings: Settings['issuance'], databaseUrl: string | undefined): Promise<RowResult> {
  // The servers' process imports the kit as a partner's app does: the built package.
  await buildServer()
  const results: EngineResult[] = []
  const notes: string[] = []
  const engines: Array<() => Promise<BenchDatabase>> = [embeddedDatabase]
  if (databaseUrl) engines.push(() => postgresDatabase(databaseUrl))
  else notes.push('PostgreSQL not measured: set DATABASE_URL to add it')
  for (const open of engines) {
    // The machine idle a while before each engine (after the build, after the other engine):
    // without it, whichever engine went second lost on its first process start. Both servers ran
    // slower for about half a minute, and that start's rounds came out 0.69–0.93 against
    // 0.87–1.04 for the later starts.
    await sleep(settings.settleSeconds * 1000)
    // A fresh emulator for each engine: it keeps every token it issued (about 100,000 per
    // engine here), and the second engine measured against that heap lost about a tenth of its
    // ratio to the emulator's garbage collection, whichever engine went second.
    const emulator = await startEmulatorProcess()
    try {
      const db = await open()
      progress(`row 1: issuance on ${db.engine}, ${settings.connections} connections, ${settings.processes} processes × ${settings.rounds}×2 runs of ${settings.seconds} s`)
      try {
        results.push(await measureEngine(settings, emulator.info.url, db))
      } finally {
        await db.dispose()
      }
    } finally {
      await emulator.close()
    }
  }

  const checks: Check[] = []
  for (const r of results) {
    const name = r.label
    checks.push({ label: `issuance req/s, kit ÷ bare (${name})`, value: fixed(r.ratio), goal: `≥ ${GOAL}`, pass: r.ratio >= GOAL })
    checks.push({ label: `  median req/s kit / bare (${name})`, value: `${r.kitMedianRps.toFixed(0)} / ${r.bareMedianRps.toFixed(0)}`, goal: '—', pass: null })
    const cpuRatio = r.kitCpuUs / r.bareCpuUs
    checks.push({ label: `  server CPU per request kit / bare (${name})`, value: `${(r.kitCpuUs / 1000).toFixed(2)} / ${(r.bareCpuUs / 1000).toFixed(2)} ms = ${fixed(cpuRatio)} ×`, goal: `≤ ${CPU_GOAL} ×`, pass: cpuRatio <= CPU_GOAL })
    // The database's own work for the kit, which a bare route does not have, shown on its own.
    if (r.engine === 'postgres') checks.push({ label: `  PostgreSQL backends' CPU per kit request`, value: r.kitDbCpuUs === null ? 'not on this machine' : `${(r.kitDbCpuUs / 1000).toFixed(3)} ms`, goal: '—', pass: null })
    // Every 201 must have been a ledger insert, and nothing may have failed under load.
    checks.push({ label: `  failed requests; 201s not in ledger (${name})`, value: `${r.badResponses}; ${Math.max(0, r.kitCreated - r.ledgerRows)}`, goal: '0; 0', pass: r.badResponses === 0 && r.kitCreated <= r.ledgerRows })
  }
  notes.push(`issuance: ${settings.connections} connections; per-round ratios ${results.map((r) => `${r.engine} [${r.roundRatios.map((x) => fixed(x)).join(', ')}]`).join(', ')}`)
  return { row: 1, title: 'Issuance throughput', checks, data: { settings: { ...settings, postgres: Boolean(databaseUrl) }, engines: results }, notes }
}
