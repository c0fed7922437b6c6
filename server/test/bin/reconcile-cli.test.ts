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
import { beijingDate, beijingDay } from '../../src/billing/bill.js'
import { Keyring } from '../../src/privacy/data-keys.js'
import { openDatabase } from '../../src/store/database.js'
import { createEmulator, DEFAULT_MERCHANT_ID, SANDBOX_CREDENTIAL, type Emulator } from '../../emulator/index.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { Ledger } from '../../src/store/ledger.js'
import type { ReconcileReport } from '../../src/billing/reconcile.js'
import { Verifier } from '../../src/verification/verifier.js'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsxLoader = pathToFileURL(path.resolve(serverDir, '../node_modules/tsx/dist/loader.mjs')).href
const DATA_KEY = Buffer.alloc(32, 9).toString('base64')
const HOUR = 3_600_000

function run(script: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@faceid-kit/source', '--import', tsxLoader, path.join(serverDir, 'bin', script), ...args],
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
  const tokens: { passed: string[]; stray: string; other: string } = { passed: [], stray: '', other: '' }

  beforeAll(async () => {
    t = beijingDay(date).start.getTime() + 10 * HOUR
    // The account has a second RuleId that another system uses.
    emulator = createEmulator({ now: () => t, maxSkewSeconds: Infinity, logger: false, ruleIds: ['1', '2'] })
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
    const ledger = await Ledger.open(db, { keyring: Keyring.fromKeys(DATA_KEY) })
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url })
    const verifier = new Verifier({ gateway, ledger, ruleId: '1', merchantId: DEFAULT_MERCHANT_ID, now: () => new Date(t) })
    for (let i = 0; i < 3; i++) {
      const { token } = await verifier.issue('face', { userId: `u${i}` })
      if (i < 2) emulator.complete(token, { outcome: 'passed' })
      if (i < 2) tokens.passed.push(token)
    }
    tokens.stray = (await gateway.call('DetectAuth', { RuleId: '1' })).BizToken!
    emulator.complete(tokens.stray, { outcome: 'passed' })
    tokens.other = (await gateway.call('DetectAuth', { RuleId: '2' })).BizToken!
    emulator.complete(tokens.other, { outcome: 'passed' })
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

  it('reconcile: pulls the bill of FACEID_RULE_ID, reports JSON and a table, and exits 3 on discrepancies', async () => {
    const json = await run('reconcile.ts', ['--date', date, '--json'], workDir, env)
    expect(json.code).toBe(3)
    expect(json.stderr).toContain(`pulled the bill of ${date} (RuleId 1): 1 page(s), 3 token(s), 3 charge(s)`)
    const report = JSON.parse(json.stdout) as ReconcileReport
    expect(report).toMatchObject({ date, scope: ['1'], ok: false, billable: { ours: 2, tencent: 3, difference: -1 }, ledger: { tokensIssued: { face: 3, eid: 0, total: 3 }, resultsFetched: 3, final: 3 } })
    // The other RuleId's token is not the kit's business by default.
    expect(report.discrepancies).toEqual([{ kind: 'missing_in_ledger', token: tokens.stray, ruleId: '1', tencent: 1 }])

    const table = await run('reconcile.ts', ['--date', date, '--no-pull'], workDir, env)
    expect(table.code).toBe(3)
    expect(table.stderr).toBe('')
    expect(table.stdout).toContain(`Reconciliation for ${date} (Beijing time), RuleId 1`)
    expect(table.stdout).toMatch(/tokens issued\s+3/)
    expect(table.stdout).toMatch(/billable \(Tencent\)\s+3/)
    expect(table.stdout).toMatch(new RegExp(`missing_in_ledger\\s+1\\s+${tokens.stray}`))
    // --no-pull did not call Tencent again.
    expect(emulator.stats().calls['GetWeChatBillDetails']).toBe(1)
  }, 120_000)

  it('reconcile: --rule-id all and --rule-id 1,2 widen the scope to the other RuleId', async () => {
    const strays = [
      { kind: 'missing_in_ledger', token: tokens.stray, ruleId: '1', tencent: 1 },
      { kind: 'missing_in_ledger', token: tokens.other, ruleId: '2', tencent: 1 },
    ]
    const all = await run('reconcile.ts', ['--date', date, '--rule-id', 'all', '--json'], workDir, env)
    expect(all.code).toBe(3)
    expect(all.stderr).toContain(`pulled the bill of ${date} (all RuleIds): 1 page(s), 4 token(s), 4 charge(s)`)
    const report = JSON.parse(all.stdout) as ReconcileReport
    expect(report).toMatchObject({ scope: 'all', billable: { ours: 2, tencent: 4, difference: -2 } })
    expect(report.discrepancies).toHaveLength(2)
    expect(report.discrepancies).toEqual(expect.arrayContaining(strays))

    const listed = await run('reconcile.ts', ['--date', date, '--rule-id', '1,2'], workDir, env)
    expect(listed.code).toBe(3)
    // Covered by the pull of every RuleId: nothing pulled again.
    expect(listed.stderr).toBe('')
    expect(listed.stdout).toContain('RuleIds 1, 2')
    expect(listed.stdout).toMatch(new RegExp(`missing_in_ledger\\s+2\\s+${tokens.other}`))
    expect(emulator.stats().calls['GetWeChatBillDetails']).toBe(2)

    const bad = await run('reconcile.ts', ['--date', date, '--rule-id', '1,,2'], workDir, env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/Not a RuleId/)
    // A RuleId the account does not have: Tencent's code and its own words.
    const unknown = await run('reconcile.ts', ['--date', date, '--rule-id', '7', '--pull'], workDir, env)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('InvalidParameterValue.RuleIdNotExist')
    expect(unknown.stderr).toContain('Tencent says "RuleId不存在，请到人脸核身控制台申请。"')
  }, 120_000)

  it('reconcile: refuses bad usage and a bill that is not served yet', async () => {
    expect((await run('reconcile.ts', ['--bogus'], workDir, env)).code).toBe(2)
    const bad = await run('reconcile.ts', ['--date', '2025-02-30'], workDir, env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/calendar date/)
    const today = await run('reconcile.ts', ['--date', beijingDate(new Date())], workDir, env)
    expect(today.code).toBe(4)
    expect(today.stderr).toMatch(/Retry after 06:00 Beijing time on \d{4}-\d{2}-\d{2}/)
  }, 120_000)

  it('reconcile: Tencent’s “not ready” answer keeps its message, says when to retry and exits 4', async () => {
    // Tencent's clock says the day before `date` has not ended: it refuses, while ours lets the pull go.
    const saved = t
    t = beijingDay(date).start.getTime() + 12 * HOUR
    try {
      const calls = emulator.stats().calls['GetWeChatBillDetails'] ?? 0
      const res = await run('reconcile.ts', ['--date', date, '--pull'], workDir, env)
      expect(res.code).toBe(4)
      expect(emulator.stats().calls['GetWeChatBillDetails']).toBe(calls + 1)
      expect(res.stderr).toContain('InvalidParameterValue')
      expect(res.stderr).toContain('当天6点后才能拉取前一天的数据')
      const next = beijingDate(beijingDay(date).end)
      expect(res.stderr).toContain(`Retry after 06:00 Beijing time on ${next} (${new Date(beijingDay(date).end.getTime() + 6 * HOUR).toISOString()})`)
      expect(res.stdout).toBe('')
    } finally {
      t = saved
    }
  }, 120_000)

  it('tools refuse sandbox mode without an emulator to talk to', async () => {
    const res = await run('sweep.ts', [], workDir, {})
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/FACEID_ENDPOINT/)
  }, 60_000)
})
