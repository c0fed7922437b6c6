/**
 * Row 4 — footprint:
 * - bytes the kit adds to a mini-program, from `npm run size` (the mini-program package's own
 *   measure of miniprogram_dist, with its own goal);
 * - the server's peak RSS while 200 verifications run at once: the `npm start` stack in its own
 *   process (kernel VmHWM, reset after start-up and warm-up so the peak belongs to the load),
 *   driven by 200 mini-program kits at the same moment, in waves.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import { embeddedDatabase, postgresDatabase, type BenchDatabase } from '../lib/bench-db.js'
import { mib, progress, type Check, type RowResult } from '../lib/report.js'
import type { Settings } from '../lib/settings.js'
import { pool } from '../lib/stats.js'
import { startVerificationRig } from './delivery.js'

const ROOT = new URL('../..', import.meta.url)

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

interface RssResult {
  engine: BenchDatabase['engine']
  label: string
  peakRss: number
  baselineRss: number
  /** The peak is the kernel's (VmHWM after a reset), not sampled. */
  kernelPeak: boolean
  failures: number
}

async function measureRss(concurrency: number, waves: number, openDb: () => Promise<BenchDatabase>): Promise<RssResult> {
  const rig = await startVerificationRig(concurrency, openDb)
  progress(`row 4: server peak RSS on ${rig.engine}, ${waves} waves of ${concurrency} concurrent verifications`)
  let failures = 0
  try {
    // Warm-up on a few kits, so the baseline is a server that has served requests.
    await pool(10, 10, async (i) => void (await rig.verify(i)))
    const baseline = await rig.server.call('memory', undefined)
    const kernelReset = await rig.server.call('resetPeak', undefined)
    for (let wave = 0; wave < waves; wave++) {
      // All kits start together: `concurrency` verifications in flight at once.
      await pool(concurrency, concurrency, async (_, k) => {
        await rig.verify(k).catch(() => void failures++)
      })
    }
    const peak = await rig.server.call('memory', undefined)
    const kernelPeak = kernelReset && peak.kernelPeak !== null
    return { engine: rig.engine, label: rig.label, peakRss: kernelPeak ? peak.kernelPeak! : peak.sampledPeak, baselineRss: baseline.rss, kernelPeak, failures }
  } finally {
    await rig.close()
  }
}

export async function footprintRow(settings: Settings['footprint'], databaseUrl: string | undefined): Promise<RowResult> {
  const checks: Check[] = []
  const notes: string[] = []

  progress('row 4: npm run size')
  const size = await kitSize()
  if (size) {
    checks.push({
      label: 'bytes the kit adds to a mini-program',
      value: `${size.bytes} B`,
      goal: size.goalBytes === null ? '—' : `≤ ${size.goalBytes} B`,
      pass: size.goalBytes === null ? null : size.bytes <= size.goalBytes,
    })
  } else {
    checks.push({ label: 'bytes the kit adds to a mini-program', value: 'n/a (no size script)', goal: '—', pass: null })
  }

  const { concurrency, waves } = settings
  const engines: Array<() => Promise<BenchDatabase>> = [embeddedDatabase]
  if (databaseUrl) engines.push(() => postgresDatabase(databaseUrl))
  else notes.push('footprint: PostgreSQL not measured: set DATABASE_URL to add it')
  const memory: RssResult[] = []
  for (const open of engines) {
    const r = await measureRss(concurrency, waves, open)
    memory.push(r)
    const name = r.label
    checks.push({ label: `server peak RSS, ${concurrency} concurrent verifications (${name})`, value: mib(r.peakRss), goal: '—', pass: null })
    checks.push({ label: `  server RSS before the load, after warm-up (${name})`, value: mib(r.baselineRss), goal: '—', pass: null })
    checks.push({ label: `  verifications without a passed result (${name})`, value: String(r.failures), goal: '0', pass: r.failures === 0 })
  }
  notes.push(
    `footprint: ${waves} waves of ${concurrency} verifications started together; peak from ${memory.every((m) => m.kernelPeak) ? 'the kernel (VmHWM, reset after warm-up)' : 'sampling every 10 ms'}; the server runs under tsx as \`npm start\` does; issue 7 sets no RSS goal`,
  )
  return {
    row: 4,
    title: 'Footprint',
    checks,
    data: { settings, size: size ?? null, memory },
    notes,
  }
}
