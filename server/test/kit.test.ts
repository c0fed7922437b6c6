/**
 * createFaceidKit, as a partner mounts it: the routes and the background jobs together, against
 * the emulator through the real Tencent SDK client.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createEmulator, SANDBOX_CREDENTIAL, type Emulator } from '../emulator/index.js'
import { ConfigurationError } from '../src/errors/index.js'
import { createFaceidKit, type FaceidKit } from '../src/kit.js'
import { generateDataKey, Keyring } from '../src/privacy/data-keys.js'
import type { FaceidKitOptions } from '../src/types.js'
import { createTestDatabase, POSTGRES_URL } from './support/postgres-db.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function emulator(): Promise<{ emulator: Emulator; url: string }> {
  const e = createEmulator({ logger: false })
  const { url } = await e.listen(0, '127.0.0.1')
  closers.push(() => e.close())
  return { emulator: e, url }
}

function baseOptions(endpoint: string): FaceidKitOptions {
  return {
    ...SANDBOX_CREDENTIAL,
    endpoint,
    ruleId: '1',
    merchantId: '0NSJ2106141714',
    dataKey: generateDataKey(),
    database: { dataDir: 'memory' },
    resolveUser: (ctx) => ctx.get('x-user') || undefined,
    logger: false,
  }
}

async function serve(kit: FaceidKit): Promise<(method: string, path: string, user?: string) => Promise<{ status: number; body: Record<string, unknown> }>> {
  const app = new Koa()
  app.use(kit.routes())
  app.use(kit.allowedMethods())
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return async (method, path, user) => {
    const res = await fetch(base + path, { method, headers: user ? { 'x-user': user } : {} })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > end) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('createFaceidKit', () => {
  it('serves a verification and its sweeper finishes an abandoned one without any client asking', async () => {
    const { emulator: e, url } = await emulator()
    const kit = await createFaceidKit({ ...baseOptions(url), sweeper: { intervalSeconds: 0.1, firstFetchAfterSeconds: 0 } })
    closers.push(() => kit.close())
    const call = await serve(kit)

    expect((await call('POST', '/faceid/biz-token')).status).toBe(401)
    const asked = await call('POST', '/faceid/biz-token', 'u1')
    expect(asked.status).toBe(201)
    e.complete(String(asked.body['token']), { outcome: 'passed' })
    expect((await call('GET', `/faceid/biz-token/${String(asked.body['token'])}`, 'u1')).body).toMatchObject({ status: 'passed' })

    // The user closed the app after verifying: nobody asks, the sweeper fetches the result.
    const abandoned = String((await call('POST', '/faceid/eid-token', 'u2')).body['token'])
    e.complete(abandoned, { outcome: 'passed' })
    const record = await until(() => kit.ledger.get(abandoned), (r) => r?.final === true)
    expect(record).toMatchObject({ status: 'passed', final: true })
    expect(kit.jobs.sweeper).toBeDefined()
  })

  it('starts no job with startJobs: false, and close() stops the jobs it started', async () => {
    const { emulator: e, url } = await emulator()
    const idle = await createFaceidKit({ ...baseOptions(url), startJobs: false, sweeper: { intervalSeconds: 0.05, firstFetchAfterSeconds: 0 } })
    closers.push(() => idle.close())
    const call = await serve(idle)
    const token = String((await call('POST', '/faceid/biz-token', 'u1')).body['token'])
    e.complete(token, { outcome: 'passed' })
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect((await idle.ledger.get(token))?.final).toBe(false)
    idle.jobs.start()
    expect((await until(() => idle.ledger.get(token), (r) => r?.final === true))?.final).toBe(true)
    await idle.close()
    await idle.close() // idempotent
    const fetchesAfterClose = e.stats().calls['GetDetectInfoEnhanced'] ?? 0
    expect(fetchesAfterClose).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(e.stats().calls['GetDetectInfoEnhanced'] ?? 0).toBe(fetchesAfterClose)
  })

  it('turns the jobs off on request and on by default (bill pull in live mode only)', async () => {
    const { url } = await emulator()
    const off = await createFaceidKit({ ...baseOptions(url), sweeper: false, billPull: false })
    closers.push(() => off.close())
    expect([off.jobs.sweeper, off.jobs.billPull, off.jobs.purge]).toEqual([undefined, undefined, undefined])
    const on = await createFaceidKit({ ...baseOptions(url), personalDataRetentionDays: 30 })
    closers.push(() => on.close())
    expect(on.jobs.sweeper).toBeDefined()
    expect(on.jobs.billPull).toBeDefined()
    expect(on.jobs.purge?.running).toBe(true)
    const sandbox = await createFaceidKit({ ...baseOptions(url), mode: 'sandbox' })
    closers.push(() => sandbox.close())
    expect(sandbox.jobs.billPull).toBeUndefined()
  })

  it('refuses a live kit without a data key, or with the public sandbox key', async () => {
    const { url } = await emulator()
    const { dataKey: _unused, ...noKey } = baseOptions(url)
    await expect(createFaceidKit(noKey)).rejects.toThrow(/dataKey is required/)
    await expect(createFaceidKit({ ...noKey, dataKey: Keyring.dev() })).rejects.toThrow(/sandbox data key/)
    // The sandbox may run on the public key.
    const sandbox = await createFaceidKit({ ...noKey, mode: 'sandbox' })
    closers.push(() => sandbox.close())
    expect(sandbox.ledger).toBeDefined()
  })

  it('checks every option before opening anything', async () => {
    const base = baseOptions('http://127.0.0.1:9')
    const bad: Array<[Partial<Record<keyof FaceidKitOptions, unknown>>, RegExp]> = [
      [{ secretId: '' }, /secretId/],
      [{ secretKey: undefined }, /secretKey/],
      [{ resolveUser: 'alice' }, /resolveUser/],
      [{ mode: 'test' }, /mode/],
      [{ database: 'mysql://x' }, /postgres/],
      [{ database: { path: './x' } }, /database/],
      [{ database: { dataDir: 'memory', synchronous: 'off' } }, /database.synchronous/],
      [{ database: { dataDir: 'memory', backgroundCheckpoints: 'yes' } }, /database.backgroundCheckpoints/],
      [{ timeoutSeconds: -1 }, /timeoutSeconds/],
      [{ sweeper: { intervalSeconds: 0 } }, /sweeper: false/],
      [{ sweeper: { qps: Number.NaN } }, /sweeper.qps/],
      [{ personalDataRetentionDays: -3 }, /personalDataRetentionDays/],
    ]
    for (const [change, message] of bad) {
      const attempt = createFaceidKit({ ...base, ...change } as FaceidKitOptions)
      await expect(attempt, JSON.stringify(change)).rejects.toBeInstanceOf(ConfigurationError)
      await expect(attempt).rejects.toThrow(message)
    }
  })

  it.skipIf(!POSTGRES_URL)('uses a partner pg.Pool and leaves it open on close()', async () => {
    const { url } = await emulator()
    const db = await createTestDatabase('postgres')
    closers.push(() => db.drop())
    const pool = new pg.Pool({ connectionString: db.url, max: 4 })
    closers.push(() => pool.end())
    const kit = await createFaceidKit({ ...baseOptions(url), database: pool, sweeper: false })
    const call = await serve(kit)
    expect((await call('POST', '/faceid/biz-token', 'u1')).status).toBe(201)
    await kit.close()
    const rows = await pool.query<{ n: string }>('SELECT count(*) AS n FROM faceid_tokens')
    expect(Number(rows.rows[0]?.n)).toBe(1)
  })
})
