/**
 * The server as `npm start` runs it: `node [flags] dist/bin/start.js` in the server workspace, compiled
 * by the workspace's own build (which builds @faceid-kit/shared too, through its project
 * reference), configured only through the environment. It runs in LIVE mode, pointed at the
 * emulator in its own process as it would be at Tencent, so the emulator's memory is not the
 * server's. Its memory is read from outside, from /proc/<pid>/status (VmRSS, VmHWM), so nothing
 * in the measured process is there for the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { SANDBOX_CREDENTIAL } from '../../server/emulator/index.js'
import type { OpenDatabaseOptions } from '../../server/src/store/database.js'
import { progress } from './report.js'
import { MERCHANT_ID, RULE_ID } from './processes.js'

const SERVER_DIR = fileURLToPath(new URL('../../server/', import.meta.url))
/**
 * The `start` script of server/package.json, without npm around it (`exec` replaces npm's shell
 * with it): node's own flags (the young generation's size, which sets much of the RSS) and the
 * file, read from the script itself so that the bench runs exactly what `npm start` runs.
 */
const { nodeFlags: NODE_FLAGS, file: START_SCRIPT } = startCommand()

/** What the notes of the rows say was run, e.g. `node --max-semi-space-size=4 server/dist/bin/start.js`. */
export const START_COMMAND = ['node', ...NODE_FLAGS, `server/${START_SCRIPT}`].join(' ')

function startCommand(): { nodeFlags: string[]; file: string } {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../server/package.json', import.meta.url), 'utf8')) as { scripts?: Record<string, string> }
  const script = pkg.scripts?.['start'] ?? ''
  const match = /^exec node((?:\s+--[\w-]+(?:=\S+)?)*)\s+(\S+\.js)$/.exec(script.trim())
  if (!match) throw new Error(`server/package.json's start script is not "exec node [--flags] <file>.js": ${JSON.stringify(script)}`)
  return { nodeFlags: match[1]!.trim().split(/\s+/).filter(Boolean), file: match[2]! }
}

let built: Promise<void> | undefined

/** `npm run build -w server` once per bench run: what `npm start`'s prestart runs. */
export function buildServer(): Promise<void> {
  built ??= new Promise<void>((resolve, reject) => {
    progress('building the server as npm start does (npm run build -w server)')
    const child = spawn('npm', ['run', 'build', '-w', 'server', '--silent'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`npm run build -w server exited with ${code}: ${output.trim().split('\n').slice(-5).join(' / ')}`))
      if (!fs.existsSync(new URL(`../../server/${START_SCRIPT}`, import.meta.url))) return reject(new Error(`the build did not produce server/${START_SCRIPT}`))
      resolve()
    })
  })
  return built
}

export interface CompiledServerOptions {
  emulatorUrl: string
  database: OpenDatabaseOptions
  sessionSecret: string
  /** FACEID_DATA_KEY: live mode refuses to start without one. */
  dataKey: string
  /** More settings (FACEID_SWEEP_QPS…), on top of the ones above. */
  env?: Record<string, string>
  /** Give up when /health has not answered 200 by then. Default 120 s. */
  readyTimeoutMs?: number
  /** Every line the server logs on stdout (JSON), from its first one. */
  onLog?: (line: string) => void
}

export interface ServerMemory {
  /** Resident set size now (VmRSS). */
  rss: number
  /** Its anonymous part (heap, stacks: RssAnon) and its file-backed part (code, memory-mapped files: RssFile), NaN where unknown. */
  anon: number
  file: number
  /** Peak RSS since start or the last `resetPeak` (VmHWM), or from sampling where the kernel's counter cannot be reset. */
  peak: number
  /** Whether `peak` is the kernel's. */
  kernelPeak: boolean
}

export interface CompiledServer {
  readonly pid: number
  readonly url: string
  /** From spawn to the first 200 of `GET /health`, ms. */
  readonly readyMs: number
  memory(): ServerMemory
  /** Starts a new peak from the current RSS. */
  resetPeak(): void
  /** SIGTERM (the graceful shutdown of bin/start), SIGKILL after 15 s. */
  close(): Promise<void>
}

/** Settings the server reads, which must come from the benchmark only, never from the shell that runs it. */
const SERVER_ENV = /^(FACEID_|SESSION_|DATABASE_URL$|TEST_DATABASE_URL$|PORT$|INIT_CWD$|NODE_ENV$|NODE_OPTIONS$)/

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function procStatus(pid: number): { rss: number; hwm: number; anon: number; file: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
    const rss = kb('VmRSS')
    return Number.isFinite(rss) ? { rss, hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') } : undefined
  } catch {
    return undefined
  }
}

const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/** Spawns the compiled server and resolves once `/health` answers 200. */
export async function startCompiledServer(options: CompiledServerOptions): Promise<CompiledServer> {
  await buildServer()
  const port = await freePort()
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVER_ENV.test(name)))
  Object.assign(env, {
    NODE_ENV: 'production',
    PORT: String(port),
    FACEID_SECRET_ID: SANDBOX_CREDENTIAL.secretId,
    FACEID_SECRET_KEY: SANDBOX_CREDENTIAL.secretKey,
    FACEID_ENDPOINT: options.emulatorUrl,
    FACEID_RULE_ID: RULE_ID,
    FACEID_EID_MERCHANT_ID: MERCHANT_ID,
    SESSION_SECRET: options.sessionSecret,
    FACEID_DATA_KEY: options.dataKey,
    ...(options.database.url ? { DATABASE_URL: options.database.url } : { FACEID_DATA_DIR: options.database.dataDir ?? '' }),
    // Every simulated user comes from 127.0.0.1: per-IP (and per-user) issuance limits would
    // turn the load into 429s.
    FACEID_LIMIT_PER_USER_PER_HOUR: '0',
    FACEID_LIMIT_PER_IP_PER_HOUR: '0',
    ...options.env,
  })
  if (!options.database.url && !options.database.dataDir) throw new Error('startCompiledServer: the database is neither a URL nor a directory')

  const t0 = performance.now()
  const child = spawn(process.execPath, [...NODE_FLAGS, START_SCRIPT], { cwd: SERVER_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const pid = child.pid
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal }
      children.delete(child)
      resolve()
    }),
  )
  // The log must be read (a full pipe would stall the server); the tail explains a failed start.
  let tail: string[] = []
  let partial = ''
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n')
    partial = lines.pop() ?? ''
    if (options.onLog) for (const line of lines) options.onLog(line)
    tail = [...tail, ...lines].slice(-10)
  })
  child.stderr.on('data', (d: Buffer) => (tail = [...tail, ...d.toString().split('\n')].slice(-10)))
  const why = () => `${exited ? `exited (${exited.signal ?? exited.code})` : 'still running'}; last output: ${tail.filter(Boolean).join(' / ').slice(-600)}`

  const kill = async () => {
    if (exited) return
    child.kill('SIGKILL')
    await exit
  }
  if (pid === undefined) throw new Error(`could not spawn the server: ${why()}`)

  const url = `http://127.0.0.1:${port}`
  const deadline = t0 + (options.readyTimeoutMs ?? 120_000)
  let readyMs: number | undefined
  while (readyMs === undefined) {
    if (exited) throw new Error(`the server did not start: ${why()}`)
    if (performance.now() > deadline) {
      await kill()
      throw new Error(`the server did not answer /health 200 within ${options.readyTimeoutMs ?? 120_000} ms: ${why()}`)
    }
    const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
      async (res) => {
        await res.arrayBuffer()
        return res.status
      },
      () => 0,
    )
    if (status === 200) readyMs = performance.now() - t0
    else await new Promise((r) => setTimeout(r, 10))
  }

  // Where the kernel's peak cannot be reset (no /proc, or not allowed), sample every 10 ms instead.
  let sampledPeak = procStatus(pid)?.rss ?? 0
  let kernelPeak = true
  const sampler = setInterval(() => {
    const now = procStatus(pid)
    if (now) sampledPeak = Math.max(sampledPeak, now.rss)
  }, 10)
  sampler.unref()

  return {
    pid,
    url,
    readyMs,
    memory() {
      const now = procStatus(pid)
      if (!now) throw new Error(`cannot read /proc/${pid}/status: the server's memory is read from there (Linux)`)
      sampledPeak = Math.max(sampledPeak, now.rss)
      return { rss: now.rss, anon: now.anon, file: now.file, peak: kernelPeak && Number.isFinite(now.hwm) ? now.hwm : sampledPeak, kernelPeak: kernelPeak && Number.isFinite(now.hwm) }
    },
    resetPeak() {
      sampledPeak = procStatus(pid)?.rss ?? 0
      try {
        // 5: reset the peak resident set size (VmHWM) to the current one.
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5')
      } catch {
        kernelPeak = false
      }
    },
    async close() {
      clearInterval(sampler)
      if (exited) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exit
      clearTimeout(timer)
    },
  }
}
