import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { EmulatorError, SANDBOX_CREDENTIAL, createEmulator } from '../../emulator/index.js'
import { TestClock, sandbox, start } from '../support/emulator.js'

const PERSON = { Name: '张小宝', IdCard: '11204416541220243X' }

describe('sandbox HTTP routes', () => {
  it('POST /sandbox/complete plays the user: passed, or failed with a code', async () => {
    const { client, address } = await start()
    const face = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    const eid = (await client().GetEidToken({ MerchantId: '0NSJ2106141714' })).EidToken!

    const passed = await sandbox(address, '/sandbox/complete', { body: { token: face, outcome: 'passed' } })
    expect(passed).toEqual({ status: 200, json: { token: face, kind: 'face', status: 'passed' } })
    expect((await client().GetDetectInfoEnhanced({ BizToken: face, RuleId: '1' })).Text?.ErrCode).toBe(0)

    const failed = await sandbox(address, '/sandbox/complete', { body: { token: eid, outcome: 'failed', code: 2006 } })
    expect(failed.json).toMatchObject({ token: eid, kind: 'eid', status: 'failed' })
    expect((await client().GetEidResult({ EidToken: eid })).Text?.ErrCode).toBe(2006)
  })

  it('answers 404 for unknown tokens and 400 for bad bodies', async () => {
    const { client, address } = await start()
    const token = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    const unknown = await sandbox(address, '/sandbox/complete', { body: { token: 'nope', outcome: 'passed' } })
    expect(unknown.status).toBe(404)
    expect((unknown.json.error as { code: string }).code).toBe('TOKEN_NOT_FOUND')

    for (const body of ['{not json', { token }, { token, outcome: 'maybe' }, { token, outcome: 'passed', code: 2016 }, { token, outcome: 'failed', code: -3 }]) {
      const res = await sandbox(address, '/sandbox/complete', { body })
      expect(res.status).toBe(400)
      expect(res.json.error).toMatchObject({ code: expect.any(String), message: expect.any(String) })
    }
    expect((await sandbox(address, '/sandbox/complete')).status).toBe(405)
    expect((await sandbox(address, '/sandbox/unknown')).status).toBe(404)
  })

  it('answers 409 once a token passed and 410 once it expired', async () => {
    const clock = new TestClock()
    const { client, address } = await start({ now: clock.now, maxSkewSeconds: Infinity })
    const token = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    const other = (await client().DetectAuth({ RuleId: '1' })).BizToken!
    await sandbox(address, '/sandbox/complete', { body: { token, outcome: 'passed' } })
    const again = await sandbox(address, '/sandbox/complete', { body: { token, outcome: 'failed' } })
    expect(again.status).toBe(409)
    clock.advance(7201)
    const late = await sandbox(address, '/sandbox/complete', { body: { token: other, outcome: 'passed' } })
    expect(late.status).toBe(410)
    expect((late.json.error as { code: string }).code).toBe('TOKEN_EXPIRED')
  })

  it('GET /sandbox/tokens/:token shows the state without the identity', async () => {
    const { client, address, emulator } = await start()
    const token = (await client().DetectAuth({ RuleId: '1', ...PERSON })).BizToken!
    emulator.complete(token, { outcome: 'failed', code: 2016 })
    const res = await sandbox(address, `/sandbox/tokens/${token}`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ token, kind: 'face', status: 'failed', code: 2016, expired: false, ruleId: '1' })
    expect(res.json.attempts).toEqual([expect.objectContaining({ code: 2016, billable: true })])
    expect(JSON.stringify(res.json)).not.toContain(PERSON.IdCard)
    expect(JSON.stringify(res.json)).not.toContain(PERSON.Name)
    expect((await sandbox(address, '/sandbox/tokens/nope')).status).toBe(404)
  })
})

describe('never in production', () => {
  const saved = process.env.NODE_ENV
  afterEach(() => {
    process.env.NODE_ENV = saved
  })

  it('createEmulator throws under NODE_ENV=production', () => {
    process.env.NODE_ENV = 'production'
    expect(() => createEmulator({ logger: false })).toThrow(EmulatorError)
    expect(() => createEmulator({ logger: false })).toThrow(/production/)
  })

  const root = fileURLToPath(new URL('../../..', import.meta.url))
  const runMain = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--conditions=@faceid-kit/source', '--import', 'tsx', 'server/emulator/main.ts'], {
        cwd: root,
        env: { ...process.env, EMULATOR_PORT: '0', ...env },
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        // Started: stop it (only this child, by its own handle).
        if (stdout.includes('sandbox:')) child.kill('SIGTERM')
      })
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      // Never leave the child behind, even if it hangs.
      const guard = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.on('close', (code) => {
        clearTimeout(guard)
        resolve({ code, stdout, stderr })
      })
    })

  it('the standalone server refuses NODE_ENV=production', async () => {
    const result = await runMain({ NODE_ENV: 'production' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('production')
    expect(result.stdout).toBe('')
  }, 30_000)

  it('the standalone server prints its endpoint and the sandbox credential', async () => {
    const result = await runMain({ NODE_ENV: 'development' })
    expect(result.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(result.stdout).toContain(SANDBOX_CREDENTIAL.secretId)
    expect(result.stdout).toContain(SANDBOX_CREDENTIAL.secretKey)
  }, 30_000)
})
