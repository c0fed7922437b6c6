/**
 * The `dashboard` option and FACEID_DASHBOARD_*: off unless configured, refused without
 * authentication, and served by `kit.routes()` and by the standalone server (sandbox: with the
 * documented token; live: only with FACEID_DASHBOARD_TOKEN).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createFaceidKit, generateDataKey, SANDBOX_DASHBOARD_TOKEN, type DashboardOptions, type FaceidKit } from '../../src/index.js'
import { readConfig } from '../../src/config/environment.js'
import { startServer } from '../../src/standalone/server.js'

const TOKEN = 'options-dashboard-token-0123456789'
const base = { secretId: 'id', secretKey: 'key', resolveUser: () => undefined, mode: 'sandbox' as const, database: { dataDir: 'memory' }, startJobs: false, logger: false as const }

async function refused(dashboard: unknown, mode: 'live' | 'sandbox' = 'sandbox'): Promise<string> {
  try {
    const kit = await createFaceidKit({ ...base, mode, ...(mode === 'live' ? { dataKey: generateDataKey() } : {}), dashboard: dashboard as DashboardOptions })
    await kit.close()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('the dashboard option', () => {
  it('refuses a path without authentication, and bad settings, naming the option', async () => {
    expect(await refused({ path: '/ops' })).toMatch(/dashboard\.auth.*never open/)
    expect(await refused({ path: '/ops', auth: {} })).toMatch(/dashboard\.auth/)
    expect(await refused({ path: '/ops', auth: { token: 'short' } })).toMatch(/dashboard\.auth\.token.*16/)
    expect(await refused({ path: '/ops', auth: { token: ` ${TOKEN}` } })).toMatch(/dashboard\.auth\.token/)
    expect(await refused({ path: '/ops', auth: { authorize: 'yes' } })).toMatch(/dashboard\.auth\.authorize/)
    expect(await refused({ path: 'ops', auth: { token: TOKEN } })).toMatch(/dashboard\.path/)
    expect(await refused({ path: '/ops/', auth: { token: TOKEN } })).toMatch(/dashboard\.path/)
    expect(await refused({ path: '/ops', auth: { token: TOKEN }, unitPrices: { face: -1 } })).toMatch(/dashboard\.unitPrices\.face/)
    expect(await refused({ path: '/ops', auth: { token: TOKEN }, currency: '<b>' })).toMatch(/dashboard\.currency/)
    expect(await refused({ path: '/ops', auth: { token: SANDBOX_DASHBOARD_TOKEN } }, 'live')).toMatch(/public sandbox token/)
    expect(await refused({ path: '/faceid/ops', auth: { token: TOKEN } })).toMatch(/dashboard\.path.*prefix/)
  })

  it('is off by default: kit.routes() serves no dashboard', async () => {
    const kit = await createFaceidKit(base)
    expect(kit.dashboard).toBeUndefined()
    const server = await listen(kit.routes())
    expect((await fetch(`${server.url}/dashboard/api/filters`, { headers: { authorization: `Bearer ${SANDBOX_DASHBOARD_TOKEN}` } })).status).toBe(404)
    await server.close()
    await kit.close()
  })

  it('is served by kit.routes() next to the faceid routes, behind the token or the hook', async () => {
    const kit = await createFaceidKit({ ...base, dashboard: { path: '/ops', auth: { token: TOKEN, authorize: (ctx) => ctx.get('x-admin') === 'yes' } } })
    const server = await listen(kit.routes())
    const api = `${server.url}/ops/api/overview`
    expect((await fetch(api)).status).toBe(401)
    expect((await fetch(api, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect((await fetch(api, { headers: { 'x-admin': 'yes' } })).status).toBe(200)
    // A hook that throws refuses too: a 500, never the data.
    const failing = await createFaceidKit({ ...base, dashboard: { path: '/ops2', auth: { authorize: () => { throw new Error('session store down') } } } })
    const second = await listen(failing.routes())
    const broken = await fetch(`${second.url}/ops2/api/overview`)
    expect(broken.status).toBe(500)
    expect(await broken.json()).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } })
    await second.close()
    await failing.close()
    const filters = await json(fetch(`${server.url}/ops/api/filters`, { headers: { authorization: `Bearer ${TOKEN}` } }))
    expect(filters.kinds).toEqual(expect.arrayContaining([{ kind: 'face', provider: 'tencent' }, { kind: 'eid', provider: 'tencent' }]))
    // The faceid routes still answer (401: no user here).
    expect((await fetch(`${server.url}/faceid/biz-token`, { method: 'POST' })).status).toBe(401)
    expect((await fetch(`${server.url}/ops/assets/chart.umd.min.js`)).status).toBe(200)
    await server.close()
    await kit.close()
  })
})

describe('FACEID_DASHBOARD_*', () => {
  const LIVE = { FACEID_SECRET_ID: 'i', FACEID_SECRET_KEY: 'k' }

  it('sandbox: on at /dashboard with the documented token, unless a token is set', () => {
    expect(readConfig({}).dashboard).toEqual({ path: '/dashboard', auth: { token: SANDBOX_DASHBOARD_TOKEN } })
    expect(readConfig({ FACEID_DASHBOARD_TOKEN: TOKEN, FACEID_DASHBOARD_PATH: '/ops', FACEID_DASHBOARD_PRICES: 'face=1.5, eid=0.8,check:id-card=0.3' }).dashboard).toEqual({
      path: '/ops',
      auth: { token: TOKEN },
      unitPrices: { face: 1.5, eid: 0.8, 'check:id-card': 0.3 },
    })
  })

  it('live: off without a token, and a path or prices without one stop the start', () => {
    expect(readConfig(LIVE).dashboard).toBeUndefined()
    expect(() => readConfig({ ...LIVE, FACEID_DASHBOARD_PATH: '/ops' })).toThrow(/FACEID_DASHBOARD_TOKEN/)
    expect(() => readConfig({ ...LIVE, FACEID_DASHBOARD_PRICES: 'face=1' })).toThrow(/FACEID_DASHBOARD_TOKEN/)
    expect(readConfig({ ...LIVE, FACEID_DASHBOARD_TOKEN: TOKEN }).dashboard).toEqual({ path: '/dashboard', auth: { token: TOKEN } })
  })

  it('refuses bad values, naming the variable', () => {
    expect(() => readConfig({ FACEID_DASHBOARD_TOKEN: 'short' })).toThrow(/FACEID_DASHBOARD_TOKEN.*16/)
    expect(() => readConfig({ ...LIVE, FACEID_DASHBOARD_TOKEN: SANDBOX_DASHBOARD_TOKEN })).toThrow(/FACEID_DASHBOARD_TOKEN.*sandbox/)
    expect(() => readConfig({ FACEID_DASHBOARD_PATH: 'ops' })).toThrow(/FACEID_DASHBOARD_PATH/)
    expect(() => readConfig({ FACEID_DASHBOARD_PRICES: 'face:1' })).toThrow(/FACEID_DASHBOARD_PRICES/)
  })
})

describe('the standalone server', () => {
  it('sandbox: the dashboard answers the documented token and shows the demo\'s verifications', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: 'memory', logger: false, env: { FACEID_SWEEP_INTERVAL_SECONDS: '0' } })
    try {
      const login = await json(fetch(`${server.url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'demo' }) }))
      const issued = await json(fetch(`${server.url}/faceid/biz-token`, { method: 'POST', headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' }, body: '{}' }))
      await fetch(`${server.url}/sandbox/complete`, { method: 'POST', headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ token: issued.token, outcome: 'passed' }) })
      const result = await json(fetch(`${server.url}/faceid/biz-token/${issued.token}`, { headers: { authorization: `Bearer ${login.token}` } }))
      expect(result.status).toBe('passed')
      const api = `${server.url}/dashboard/api/overview`
      expect((await fetch(api)).status).toBe(401)
      // A user's session is not the dashboard's token.
      expect((await fetch(api, { headers: { authorization: `Bearer ${login.token}` } })).status).toBe(401)
      const overview = await json(fetch(api, { headers: { authorization: `Bearer ${SANDBOX_DASHBOARD_TOKEN}` } }))
      expect(overview.totals).toMatchObject({ started: 1, passed: 1, passRate: 1 })
      expect((await fetch(`${server.url}/dashboard/`)).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('live: no dashboard without FACEID_DASHBOARD_TOKEN', async () => {
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: 'memory',
      logger: false,
      env: { FACEID_SECRET_ID: 'id', FACEID_SECRET_KEY: 'key', FACEID_ENDPOINT: 'http://127.0.0.1:9', SESSION_SECRET: 'x'.repeat(32), FACEID_DATA_KEY: generateDataKey(), FACEID_SWEEP_INTERVAL_SECONDS: '0', FACEID_BILL_PULL: '0' },
    })
    try {
      expect((await fetch(`${server.url}/dashboard/`)).status).toBe(404)
      expect((await fetch(`${server.url}/dashboard/api/filters`, { headers: { authorization: `Bearer ${SANDBOX_DASHBOARD_TOKEN}` } })).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})

/** A response's JSON body, loosely typed as the tests read it. */
async function json(response: Promise<Response>): Promise<any> {
  return (await response).json()
}

async function listen(middleware: ReturnType<FaceidKit['routes']>): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa()
  app.use(middleware)
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
