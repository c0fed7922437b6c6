/**
 * The command-line tools as an operator runs them: `npm run sweep` then `npm run reconcile`,
 * as real child processes on an embedded database directory, against the emulator.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { beijingDate, beijingDay } from '../src/bill.js'
import { Keyring } from '../src/data-keys.js'
import { openDatabase } from '../src/database.js'
import { createEmulator, DEFAULT_MERCHANT_ID, SANDBOX_CREDENTIAL, type Emulator } from '../src/emulator/index.js'
import { createTencentGateway } from '../src/gateway.js'
import { Ledger } from '../src/ledger.js'
import type { ReconcileReport } from '../src/reconcile.js'
import { Verifier } from '../src/verifier.js'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tsxLoader = pathToFileURL(path.resolve(serverDir, '../node_modules/tsx/dist/loader.mjs')).href
const DATA_KEY = Buffer.alloc(32, 9).toString('base64')
const HOUR = 3_600_000

function run(script: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsxLoader, path.join(serverDir, 'src/cli', script), ...args],
      { cwd, env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

describe('npm run sweep / npm run reconcile', () => {
  let emulator: Emulator
  let workDir: string
  let t = 0
  let env: Record<string, string>
  // Two days ago (Beijing time): its bill is served, and its results are still within
  // Tencent's 3-day retention when the sweep runs on the real clock.
  const date = beijingDate(new Date(Date.now() - 2 * 24 * HOUR))
  const tokens: { passed: string[]; stray: string } = { passed: [], stray: '' }

  beforeAll(async () => {
    t = beijingDay(date).start.getTime() + 10 * HOUR
    emulator = createEmulator({ now: () => t, maxSkewSeconds: Infinity, logger: false })
    const { url } = await emulator.listen(0, '127.0.0.1')
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-cli-'))
    env = {
      FACEID_SECRET_ID: SANDBOX_CREDENTIAL.secretId,
      FACEID_SECRET_KEY: SANDBOX_CREDENTIAL.secretKey,
      FACEID_ENDPOINT: url,
      FACEID_RULE_ID: '1',
      FACEID_EID_MERCHANT_ID: DEFAULT_MERCHANT_ID,
      FACEID_DATA_KEY: DATA_KEY,
    }
    const db = await openDatabase({ dataDir: path.join(workDir, '.data') })
    const ledger = await Ledger.open(db, { keyring: Keyring.fromEnv({ FACEID_DATA_KEY: DATA_KEY }) })
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url })
    const verifier = new Verifier({ gateway, ledger, ruleId: '1', merchantId: DEFAULT_MERCHANT_ID, now: () => new Date(t) })
    for (let i = 0; i < 3; i++) {
      const { token } = await verifier.issue('face', { userId: `u${i}` })
      if (i < 2) emulator.complete(token, { outcome: 'passed' })
      if (i < 2) tokens.passed.push(token)
    }
    tokens.stray = (await gateway.detectAuth({ RuleId: '1' })).BizToken!
    emulator.complete(tokens.stray, { outcome: 'passed' })
    await db.close()
    // The tools run on the real clock now; the verifications were two days ago.
    t = Date.now()
  }, 120_000)

  afterAll(async () => {
    await emulator?.close()
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true })
  })

  it('sweep: one pass makes every result final and reports it', async () => {
    const json = await run('sweep.ts', ['--json'], workDir, env)
    expect(json.stderr).toBe('')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ claimed: 3, fetched: 3, finalized: 3, errors: 0, remaining: { open: 0 } })
    const text = await run('sweep.ts', [], workDir, env)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/swept 0 token\(s\)/)
    expect(text.stdout).toMatch(/open: 0 not final/)
  }, 120_000)

  it('reconcile: pulls the bill, reports JSON and a table, and exits 3 on discrepancies', async () => {
    const json = await run('reconcile.ts', ['--date', date, '--json'], workDir, env)
    expect(json.code).toBe(3)
    expect(json.stderr).toContain(`pulled the bill of ${date}: 1 page(s), 3 token(s), 3 charge(s)`)
    const report = JSON.parse(json.stdout) as ReconcileReport
    expect(report).toMatchObject({ date, ok: false, billable: { ours: 2, tencent: 3, difference: -1 }, ledger: { tokensIssued: { face: 3, eid: 0, total: 3 }, resultsFetched: 3, final: 3 } })
    expect(report.discrepancies).toEqual([{ kind: 'missing_in_ledger', token: tokens.stray, tencent: 1 }])

    const table = await run('reconcile.ts', ['--date', date, '--no-pull'], workDir, env)
    expect(table.code).toBe(3)
    expect(table.stderr).toBe('')
    expect(table.stdout).toMatch(/tokens issued\s+3/)
    expect(table.stdout).toMatch(/billable \(Tencent\)\s+3/)
    expect(table.stdout).toContain(`missing_in_ledger   ${tokens.stray}`)
    // --no-pull did not call Tencent again.
    expect(emulator.stats().calls['GetWeChatBillDetails']).toBe(1)
  }, 120_000)

  it('reconcile: refuses bad usage and a bill that is not served yet', async () => {
    expect((await run('reconcile.ts', ['--bogus'], workDir, env)).code).toBe(2)
    const bad = await run('reconcile.ts', ['--date', '2025-02-30'], workDir, env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/calendar date/)
    const today = await run('reconcile.ts', ['--date', beijingDate(new Date())], workDir, env)
    expect(today.code).toBe(1)
    expect(today.stderr).toMatch(/06:00 Beijing time/)
  }, 120_000)

  it('tools refuse sandbox mode without an emulator to talk to', async () => {
    const res = await run('sweep.ts', [], workDir, {})
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/FACEID_ENDPOINT/)
  }, 60_000)
})
