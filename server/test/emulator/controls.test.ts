/**
 * Rehearsing outages: fault and latency controls of the emulator from the command line
 * (`npm run emulator -- --drop-rate 0.2 …`), from its admin route (`/sandbox/faults`), and from
 * the sandbox-mode server. New fault kinds: a stalled answer (headers, then silence) and a fixed
 * latency on every answer.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { SANDBOX_CREDENTIAL, type EmulatorAddress } from '../../emulator/index.js'
import { parseEmulatorArgs } from '../../emulator/cli.js'
import { createTencentGateway, UpstreamTimeoutError } from '../../src/providers/tencent/client.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { sandbox, sdkError, start } from '../support/emulator.js'
import { freshDatabase } from '../support/harness.js'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsxLoader = pathToFileURL(path.resolve(serverDir, '../node_modules/tsx/dist/loader.mjs')).href

const children: ChildProcess[] = []
let kit: RunningServer | undefined
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  await kit?.close()
  kit = undefined
})

function gatewayTo(address: EmulatorAddress, timeoutSeconds = 5) {
  return createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: address.url, timeoutSeconds })
}

async function faultsRoute(url: string, method: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/sandbox/faults`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: res.status, json: await res.json() }
}

describe('new fault kinds', () => {
  it('stall: the answer starts (200, headers, a few bytes) and then nothing comes', async () => {
    const { emulator, address } = await start({ faults: { stallRate: 1, seed: 1 } })
    const error = await gatewayTo(address, 0.3).call('DetectAuth', { RuleId: '1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect(emulator.stats().faults.stall).toBe(1)
    expect(emulator.stats().faultsInjected).toBe(1)
  })

  it('latencyMs: every answer waits at least that long (not a fault: nothing is counted)', async () => {
    const { emulator, address } = await start({ faults: { latencyMs: 300 } })
    const gateway = gatewayTo(address)
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now()
      await expect(gateway.call('DetectAuth', { RuleId: '1' })).resolves.toHaveProperty('BizToken')
      expect(performance.now() - started).toBeGreaterThanOrEqual(295)
    }
    expect(emulator.stats().faultsInjected).toBe(0)
  })

  it('refuses a negative latency, and rates summing over 1 with the stall', async () => {
    const { emulator } = await start()
    expect(() => emulator.setFaults({ latencyMs: -1 })).toThrow(/latencyMs/)
    expect(() => emulator.setFaults({ stallRate: 0.5, dropRate: 0.6 })).toThrow(/≤ 1/)
  })
})

describe('the admin route /sandbox/faults of the emulator', () => {
  it('shows, sets and clears faults; never faulted itself', async () => {
    const { emulator, address, client } = await start()
    expect(await faultsRoute(address.url, 'GET')).toEqual({ status: 200, json: { faults: null, stats: expect.objectContaining({ faultsInjected: 0 }) } })

    const set = await faultsRoute(address.url, 'PUT', { http5xxRate: 1, latencyMs: 10, seed: 5 })
    expect(set).toEqual({ status: 200, json: { faults: { http5xxRate: 1, latencyMs: 10, seed: 5 } } })
    expect((await sdkError(client().DetectAuth({ RuleId: '1' }))).httpCode).toBe(500)
    const shown = await faultsRoute(address.url, 'GET')
    expect(shown.json).toMatchObject({ faults: { http5xxRate: 1 }, stats: { faults: { http5xx: 1 } } })
    // Sandbox routes still work while every API call fails.
    expect((await sandbox(address, '/sandbox/tokens/none')).status).toBe(404)

    expect(await faultsRoute(address.url, 'DELETE')).toEqual({ status: 200, json: { faults: null } })
    await expect(client().DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect(emulator.stats().faults.http5xx).toBe(1)
  })

  it('refuses bad settings with 400 and keeps the current ones', async () => {
    const { address } = await start({ faults: { dropRate: 0.1, seed: 1 } })
    for (const bad of [{ dropRate: 2 }, { http5xxRate: 0.7, dropRate: 0.7 }, { nope: 1 }, { latencyMs: 'slow' }, []]) {
      const res = await faultsRoute(address.url, 'PUT', bad)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(res.json.error.code).toBe('BAD_REQUEST')
    }
    expect((await faultsRoute(address.url, 'GET')).json.faults).toEqual({ dropRate: 0.1, seed: 1 })
    expect((await faultsRoute(address.url, 'POST', {})).status).toBe(405)
  })
})

describe('npm run emulator: faults from the command line', () => {
  it('parses every control', () => {
    const parsed = parseEmulatorArgs(
      ['--port', '9100', '--host', '0.0.0.0', '--http5xx-rate', '0.1', '--rate-limit-rate', '0.05', '--internal-error-rate', '0.05', '--drop-rate', '0.02', '--stall-rate', '0.01', '--slow-rate', '0.2', '--slow-ms', '1500', '--latency-ms', '80', '--seed', '7', '--qps-limit', '20'],
      {},
    )
    expect(parsed).toEqual({
      port: 9100,
      host: '0.0.0.0',
      faults: { http5xxRate: 0.1, rateLimitRate: 0.05, internalErrorRate: 0.05, dropRate: 0.02, stallRate: 0.01, slowRate: 0.2, slowMs: 1500, latencyMs: 80, seed: 7 },
      qpsLimit: 20,
    })
    expect(parseEmulatorArgs([], { EMULATOR_PORT: '9200' })).toEqual({ port: 9200, host: '127.0.0.1' })
    expect(parseEmulatorArgs(['--qps-limit', 'tencent'], {}).qpsLimit).toMatchObject({ DetectAuth: 100, GetEidToken: 100, GetWeChatBillDetails: 20 })
  })

  it('refuses what it would have to guess', () => {
    expect(() => parseEmulatorArgs(['--drop-rate', 'lots'], {})).toThrow(/--drop-rate/)
    expect(() => parseEmulatorArgs(['--drop-rate', '1.5'], {})).toThrow(/--drop-rate/)
    expect(() => parseEmulatorArgs(['--latency-ms', '-5'], {})).toThrow(/--latency-ms/)
    expect(() => parseEmulatorArgs(['--port', '70000'], {})).toThrow(/port/)
    expect(() => parseEmulatorArgs(['--dropp-rate', '0.1'], {})).toThrow(/dropp-rate/)
    expect(() => parseEmulatorArgs(['--drop-rate', '0.6', '--http5xx-rate', '0.6'], {})).toThrow(/≤ 1/)
  })

  it('the real command starts with the faults it was given', async () => {
    const child = spawn(process.execPath, ['--conditions=@faceid-kit/source', '--import', tsxLoader, path.join(serverDir, 'emulator/main.ts'), '--port', '0', '--http5xx-rate', '1', '--seed', '3'], {
      cwd: serverDir,
      env: { ...process.env, NODE_ENV: 'test', EMULATOR_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /listening on (http:\/\/\S+)/.exec(out)
        if (match) resolve(match[1]!)
      })
      child.on('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)))
      setTimeout(() => reject(new Error(`no address printed: ${out}`)), 60_000)
    })
    expect(out).toMatch(/faults: .*http5xxRate=1/)
    const error = await createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url }).call('DetectAuth', { RuleId: '1' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ tencentCode: 'HTTP500' })
    expect((await faultsRoute(url, 'GET')).json).toMatchObject({ faults: { http5xxRate: 1, seed: 3 }, stats: { faults: { http5xx: 1 } } })
  }, 90_000)
})

describe('the sandbox-mode server: /sandbox/faults drives its embedded emulator', () => {
  it('lets an operator rehearse an upstream outage with npm start in sandbox mode', async () => {
    kit = await startServer({ port: 0, host: '127.0.0.1', env: { FACEID_SWEEP_INTERVAL_SECONDS: '0', FACEID_RETRY_ATTEMPTS: '1' }, database: (await freshDatabase()).db, logger: false })
    const login = await fetch(`${kit.url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'ops' }) })
    const session = ((await login.json()) as { token: string }).token
    const issue = () => fetch(`${kit!.url}/faceid/biz-token`, { method: 'POST', headers: { authorization: `Bearer ${session}` } })

    expect((await faultsRoute(kit.url, 'PUT', { internalErrorRate: 1 })).status).toBe(200)
    const failed = await issue()
    expect(failed.status).toBe(502)
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('upstream_error')
    expect(kit.emulator!.stats().faults.internalError).toBe(1)

    expect((await faultsRoute(kit.url, 'DELETE')).json).toEqual({ faults: null })
    expect((await issue()).status).toBe(201)
  })
})
