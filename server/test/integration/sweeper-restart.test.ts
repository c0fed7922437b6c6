/**
 * A server killed with SIGKILL in the middle of a sweep, then restarted: nothing stored is lost
 * and the restarted server finishes the work. The server runs as a real child process
 * (`bin/start.ts` under tsx); the emulator runs here, so it outlives the kills.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../src/store/database.js'
import { createEmulator, DEFAULT_MERCHANT_ID, SANDBOX_CREDENTIAL, type Emulator } from '../../emulator/index.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { Ledger } from '../../src/store/ledger.js'
import { Verifier } from '../../src/verification/verifier.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/postgres-db.js'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// Node itself with tsx's loader: the `tsx` command would put a wrapper process in between, and
// SIGKILL does not travel through it — the server would live on, orphaned.
const tsxLoader = pathToFileURL(path.resolve(serverDir, '../node_modules/tsx/dist/loader.mjs')).href
const TOKENS = 120
const HOUR = 3_600_000

interface Child {
  proc: ChildProcess
  /** Resolves with the first parsed log line that matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  exited: Promise<number | null>
  stderr(): string
}

function startServerProcess(cwd: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=@faceid-kit/source', '--import', tsxLoader, path.join(serverDir, 'bin/start.ts')], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const waiters: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = []
  const stderr: string[] = []
  proc.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  if (process.env['DEBUG_RESTART']) proc.stdout!.on('data', (d: Buffer) => process.stderr.write(d))
  readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>
    try {
      line = JSON.parse(text) as Record<string, unknown>
    } catch {
      return
    }
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  return {
    proc,
    exited,
    stderr: () => stderr.join('').slice(-2000),
    waitForLog: (match) =>
      new Promise((resolve, reject) => {
        waiters.push({ match, resolve })
        void exited.then((code) => reject(new Error(`server exited (${code}) before the expected log line: ${stderr.join('').slice(-2000)}`)))
      }),
  }
}

describe.each(ENGINES)('a server killed mid-sweep (%s)', (engine) => {
  let emulator: Emulator
  let endpoint: string
  let database: TestDatabase | undefined
  let workDir: string
  const children: Child[] = []

  beforeAll(async () => {
    emulator = createEmulator({ logger: false })
    endpoint = (await emulator.listen(0, '127.0.0.1')).url
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-restart-'))
    if (engine === 'postgres') database = await createTestDatabase('postgres')
  }, 120_000)

  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL')
    await emulator?.close()
    await database?.drop()
    fs.rmSync(workDir, { recursive: true, force: true })
  })

  /** SQLite lives in `<cwd>/.data` of the server; PostgreSQL in the test database. */
  const openLedgerDb = (): Promise<Database> => (database ? database.open() : openDatabase({ dataDir: path.join(workDir, '.data') }))

  it('loses nothing and finishes after a restart', async () => {
    // Issue tokens as the server would have, three hours ago: every one is past its lifetime,
    // so one successful fetch makes it final.
    const expected = new Map<string, { status: string; code?: number }>()
    const db = await openLedgerDb()
    const ledger = await Ledger.open(db)
    const issuedAt = new Date(Date.now() - 3 * HOUR)
    const verifier = new Verifier({
      gateway: createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint }),
      ledger,
      ruleId: '1',
      merchantId: DEFAULT_MERCHANT_ID,
      now: () => issuedAt,
    })
    for (let i = 0; i < TOKENS; i++) {
      const kind = i % 4 === 3 ? 'eid' : 'face'
      const { token } = await verifier.issue(kind, { userId: `user-${i}` })
      if (i % 3 === 0) {
        emulator.complete(token, { outcome: 'passed' })
        expected.set(token, { status: 'passed', code: 0 })
      } else if (i % 3 === 1) {
        emulator.complete(token, { outcome: 'failed', code: 2016 })
        expected.set(token, { status: 'failed', code: 2016 })
      } else {
        expected.set(token, { status: 'expired' })
      }
    }
    if (engine === 'sqlite') await db.close()

    const env = {
      FACEID_SECRET_ID: SANDBOX_CREDENTIAL.secretId,
      FACEID_SECRET_KEY: SANDBOX_CREDENTIAL.secretKey,
      FACEID_ENDPOINT: endpoint,
      FACEID_RULE_ID: '1',
      FACEID_EID_MERCHANT_ID: DEFAULT_MERCHANT_ID,
      SESSION_SECRET: 'restart-test-secret-restart-test-secret',
      FACEID_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
      PORT: '0',
      FACEID_SWEEP_INTERVAL_SECONDS: '0.2',
      FACEID_SWEEP_QPS: '40',
      FACEID_SWEEP_BATCH: '10',
      // A killed instance's leases lapse quickly, so the restarted one need not wait long.
      FACEID_SWEEP_LEASE_SECONDS: '2',
      ...(database ? { DATABASE_URL: database.url! } : {}),
    }

    const fetches = () => (emulator.stats().calls['GetDetectInfoEnhanced'] ?? 0) + (emulator.stats().calls['GetEidResult'] ?? 0)
    const first = startServerProcess(workDir, env)
    children.push(first)
    // Kill it once a fair share, but not all, of the tokens has been fetched.
    while (fetches() < TOKENS / 4) {
      const done = await Promise.race([first.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10))])
      if (done) throw new Error(`the first server exited on its own: ${first.stderr()}`)
    }
    first.proc.kill('SIGKILL')
    await first.exited
    const fetchedBeforeKill = fetches()

    const afterKill = await openLedgerDb()
    const count = async (onlyFinal: boolean) => {
      const query = afterKill.queries.selectFrom('faceid_tokens').select((eb) => eb.fn.countAll().as('n'))
      return Number((await (onlyFinal ? query.where(sql<boolean>`final`) : query).executeTakeFirstOrThrow()).n)
    }
    const finalAfterKill = await count(true)
    const tokensAfterKill = await count(false)
    if (engine === 'sqlite') await afterKill.close()
    expect(tokensAfterKill).toBe(TOKENS)
    expect(finalAfterKill).toBeGreaterThan(0)
    expect(finalAfterKill).toBeLessThan(TOKENS)

    const second = startServerProcess(workDir, env)
    children.push(second)
    await second.waitForLog((l) => l['msg'] === 'sweep pass' && (l['remaining'] as { open: number }).open === 0)
    second.proc.kill('SIGTERM')
    await second.exited

    const check = await openLedgerDb()
    const rows = (await check.queries.selectFrom('faceid_tokens').select(['token', 'status', 'code', 'final']).execute()).map((r) => ({ ...r, final: Boolean(r.final) }))
    if (engine === 'sqlite') await check.close()
    expect(rows).toHaveLength(TOKENS)
    for (const row of rows) {
      const want = expected.get(row.token)!
      expect({ token: row.token, final: row.final, status: row.status }).toEqual({ token: row.token, final: true, status: want.status })
      if (want.code !== undefined) expect(row.code).toBe(want.code)
    }
    // The restarted server did the rest of the work; the killed one's in-flight fetches were simply repeated.
    expect(fetches()).toBeGreaterThan(fetchedBeforeKill)
    expect(fetches()).toBeLessThan(TOKENS * 2)
  }, 180_000)
})
