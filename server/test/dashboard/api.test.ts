/**
 * The dashboard's JSON endpoints over HTTP, on both engines, against a seeded ledger: refused
 * without authentication (token or partner hook), and every number as the seed says it should be.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { lookupReturnCode, RESULT_RETENTION_SECONDS } from '@faceid-kit/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDashboardRouter, tokensMatch } from '../../src/dashboard/router.js'
import type { DashboardAuth } from '../../src/dashboard/options.js'
import type { Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/postgres-db.js'
import { expectedCounts, seedDashboardLedger, type DashboardSeed } from '../support/dashboard-seed.js'

const TOKEN = 'test-dashboard-token-0123456789'
const HOUR = 3_600_000
const KINDS = [
  { kind: 'face', provider: 'tencent' },
  { kind: 'eid', provider: 'tencent' },
  { kind: 'face-h5', provider: 'tencent' },
  { kind: 'eid-h5', provider: 'tencent' },
  // A provider with no token in the ledger: its numbers are all zero.
  { kind: 'megvii-h5', provider: 'megvii' },
]

async function serve(db: Database, now: Date, auth: DashboardAuth, seed: DashboardSeed): Promise<{ url: string; close(): Promise<void> }> {
  const ledger = await Ledger.open(db)
  const app = new Koa()
  const router = createDashboardRouter({
    path: '/ops',
    auth,
    unitPrices: { face: 1.5, eid: 0.8, 'check:id-card': 0.5 },
    report: {
      ledger,
      kinds: KINDS,
      ruleScope: [seed.ruleId],
      webhooks: { endpoints: seed.outbox.map((o) => o.endpoint), failureReportAfter: 5 },
      sweeperRunning: true,
      firstFetchAfterMs: 60_000,
      now: () => now,
    },
  })
  app.use(router.routes())
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

describe.each(ENGINES)('dashboard API (%s)', (engine) => {
  let database: TestDatabase
  let seed: DashboardSeed
  let server: { url: string; close(): Promise<void> }
  let hookCalls = 0
  const now = new Date()

  beforeAll(async () => {
    database = await createTestDatabase(engine)
    const db = await database.open()
    await Ledger.open(db)
    seed = await seedDashboardLedger(db, { now })
    // A token for scripts, and the partner's own check (a header standing in for their admin session).
    server = await serve(db, now, { token: TOKEN, authorize: (ctx) => { hookCalls++; return ctx.get('x-admin-session') === 'valid' } }, seed)
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await database?.drop()
  })

  const get = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const res = await fetch(`${server.url}${path}`, { headers })
    return { status: res.status, headers: res.headers, body: (await res.json()) as any }
  }
  const period = (hours: number) => ({ from: new Date(now.getTime() - hours * HOUR), to: now })
  const q = (p: { from: Date; to: Date }, extra: Record<string, string> = {}) => `?${new URLSearchParams({ from: p.from.toISOString(), to: p.to.toISOString(), ...extra })}`

  it('refuses every endpoint without the token, with a wrong one, or when the hook says no', async () => {
    const endpoints = ['filters', 'overview', 'billing', 'failures', 'sweeper', 'reconciliation', 'webhooks']
    for (const name of endpoints) {
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, { 'x-admin-session': 'forged' }]
      for (const headers of attempts) {
        const res = await get(`/api/${name}`, headers)
        expect(res.status, `${name} ${JSON.stringify(headers)}`).toBe(401)
        expect(res.body.error.code).toBe('unauthenticated')
        expect(res.headers.get('www-authenticate')).toContain('Bearer')
        expect(JSON.stringify(res.body)).not.toMatch(/passed|billable/)
      }
    }
    expect(hookCalls).toBeGreaterThan(0)
  })

  it('lets the token or the partner hook in, and never caches an answer', async () => {
    const byToken = await get('/api/filters')
    expect(byToken.status).toBe(200)
    expect(byToken.headers.get('cache-control')).toBe('no-store')
    expect(byToken.body).toMatchObject({ providers: ['tencent', 'megvii'], currency: 'CNY', unitPrices: { face: 1.5, eid: 0.8, 'check:id-card': 0.5 } })
    const byHook = await get('/api/filters', { 'x-admin-session': 'valid' })
    expect(byHook.status).toBe(200)
  })

  it('counts started, passed, failed, expired and pending for the period, with the pass rate', async () => {
    for (const hours of [24, 24 * 7, 24 * 30]) {
      const p = period(hours)
      const want = expectedCounts(seed, p.from, p.to)
      const res = await get(`/api/overview${q(p)}`)
      expect(res.status).toBe(200)
      const { passRate, ...counts } = res.body.totals
      expect(counts).toEqual({ started: want.started, passed: want.passed, failed: want.failed, expired: want.expired, pending: want.pending, billable: want.billable })
      expect(passRate).toBeCloseTo(want.passRate!, 10)
      expect(res.body.period.bucket).toBe(hours <= 48 ? 'hour' : 'day')
      // The series adds up to the totals, one bucket per hour or day of the period.
      const sum = (key: string) => res.body.series.reduce((n: number, b: Record<string, number>) => n + b[key]!, 0)
      for (const key of ['started', 'passed', 'failed', 'expired', 'pending', 'billable']) expect(sum(key), key).toBe(counts[key])
      expect(res.body.series.length).toBeGreaterThanOrEqual(hours <= 48 ? hours : hours / 24)
      expect(res.body.series.length).toBeLessThanOrEqual(hours <= 48 ? hours + 1 : hours / 24 + 1)
    }
    // Known numbers of the 7 days, stated outright too (so a seed change is noticed).
    const week = (await get(`/api/overview${q(period(24 * 7))}`)).body.totals
    expect(week).toMatchObject({ started: 26, passed: 12, failed: 9, expired: 1, pending: 4 })
  })

  it('puts each token in the Beijing day it was issued on', async () => {
    const p = period(24 * 7)
    const res = await get(`/api/overview${q(p)}`)
    const beijingDay = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 10)
    for (const bucket of res.body.series as Array<{ bucket: string; started: number }>) {
      const want = seed.tokens.filter((t) => t.issuedAt >= p.from && t.issuedAt < p.to && beijingDay(t.issuedAt) === bucket.bucket).length
      expect(bucket.started, bucket.bucket).toBe(want)
    }
  })

  it('filters by kind and by provider', async () => {
    const p = period(24 * 7)
    for (const kind of ['face', 'eid', 'face-h5', 'eid-h5']) {
      const res = await get(`/api/overview${q(p, { kind })}`)
      const want = expectedCounts(seed, p.from, p.to, [kind])
      expect(res.body.totals).toMatchObject({ started: want.started, passed: want.passed, failed: want.failed, pending: want.pending })
      expect(res.body.byKind.every((k: { kind: string }) => k.kind === kind)).toBe(true)
    }
    const tencent = await get(`/api/overview${q(p, { provider: 'tencent' })}`)
    expect(tencent.body.totals.started).toBe(expectedCounts(seed, p.from, p.to).started)
    const megvii = await get(`/api/overview${q(p, { provider: 'megvii' })}`)
    expect(megvii.body.totals).toMatchObject({ started: 0, passRate: null })
    const none = await get(`/api/overview${q(p, { provider: 'megvii', kind: 'face' })}`)
    expect(none.body.totals.started).toBe(0)
  })

  it('refuses a malformed period or an unknown kind or provider', async () => {
    const p = period(24)
    expect((await get(`/api/overview?from=yesterday`)).body.error.code).toBe('invalid_query')
    expect((await get(`/api/overview${q({ from: p.to, to: p.from })}`)).body.error.code).toBe('invalid_period')
    expect((await get(`/api/overview${q({ from: new Date(now.getTime() - 500 * 24 * HOUR), to: now })}`)).body.error.code).toBe('invalid_period')
    expect((await get(`/api/overview${q(p, { kind: 'nope' })}`)).body.error.code).toBe('unknown_kind')
    expect((await get(`/api/overview${q(p, { provider: 'nope' })}`)).body.error.code).toBe('unknown_provider')
    expect((await get(`/api/overview${q(p, { userId: 'x' })}`)).status).toBe(400)
  })

  it('estimates the cost at the unit prices, and names the kinds without a price', async () => {
    const p = period(24 * 7)
    const want = expectedCounts(seed, p.from, p.to)
    const res = await get(`/api/billing${q(p)}`)
    expect(res.body.currency).toBe('CNY')
    const rows = Object.fromEntries(res.body.rows.map((r: { kind: string }) => [r.kind, r]))
    expect(rows['face']).toEqual({ kind: 'face', billable: want.billableByKind['face'], unitPrice: 1.5, cost: want.billableByKind['face']! * 1.5 })
    expect(rows['eid']).toEqual({ kind: 'eid', billable: want.billableByKind['eid'], unitPrice: 0.8, cost: Math.round(want.billableByKind['eid']! * 0.8 * 100) / 100 })
    expect(rows['face-h5']).toEqual({ kind: 'face-h5', billable: want.billableByKind['face-h5'], unitPrice: null, cost: null })
    // Identity-factor checks of the period: two billed id-card checks (one more was not billed), one phone check without a price.
    expect(rows['check:id-card']).toEqual({ kind: 'check:id-card', billable: 2, unitPrice: 0.5, cost: 1 })
    expect(rows['check:phone']).toEqual({ kind: 'check:phone', billable: 1, unitPrice: null, cost: null })
    expect(res.body.total).toEqual({
      billable: want.billable + 3,
      cost: Math.round((want.billableByKind['face']! * 1.5 + want.billableByKind['eid']! * 0.8 + 1) * 100) / 100,
      unpriced: ['face-h5', 'check:phone'],
    })
    // A kind, or another provider, leaves the checks out.
    const face = await get(`/api/billing${q(p, { kind: 'face' })}`)
    expect(face.body.rows.map((r: { kind: string }) => r.kind)).toEqual(['face'])
    const megvii = await get(`/api/billing${q(p, { provider: 'megvii' })}`)
    expect(megvii.body.rows).toEqual([])
  })

  it('lists the top failure codes with the catalog\'s messages', async () => {
    const p = period(24 * 7)
    const res = await get(`/api/failures${q(p)}`)
    const want = expectedCounts(seed, p.from, p.to)
    expect(res.body.failed).toBe(want.failed)
    const failedHere = seed.tokens.filter((t) => t.issuedAt >= p.from && t.final && t.status === 'failed')
    const groups = new Map<string, number>()
    for (const t of failedHere) groups.set(`${t.code}|${t.kind}`, (groups.get(`${t.code}|${t.kind}`) ?? 0) + 1)
    expect(res.body.top).toHaveLength(groups.size)
    for (const row of res.body.top) {
      expect(row.count).toBe(groups.get(`${row.code}|${row.kind}`))
      const entry = lookupReturnCode(row.code, row.kind)!
      expect(row).toMatchObject({ zh: entry.zh, en: entry.en, billable: entry.billable })
    }
    // Most frequent first: face 2016 (4 with the bill day's) leads.
    expect(res.body.top[0]).toMatchObject({ code: 2016, kind: 'face', count: 4 })
    expect(res.body.top.map((r: { count: number }) => r.count)).toEqual([...res.body.top.map((r: { count: number }) => r.count)].sort((a, b) => b - a))
  })

  it('shows the sweeper backlog and the oldest open token against the 3-day limit', async () => {
    const res = await get('/api/sweeper')
    const open = seed.tokens.filter((t) => !t.final)
    const oldest = open.reduce((a, b) => (a.issuedAt <= b.issuedAt ? a : b))
    // Never looked at: due a minute after issue, as the sweeper has it.
    const due = open.filter((t) => now.getTime() - t.issuedAt.getTime() >= 60_000).length
    expect(due).toBe(open.length - 1)
    expect(res.body).toMatchObject({ running: true, open: open.length, due, leased: 0, retentionSeconds: RESULT_RETENTION_SECONDS })
    expect(res.body.nearLimit).toBe(open.filter((t) => now.getTime() - t.issuedAt.getTime() > 2 * 24 * HOUR).length)
    expect(res.body.nearLimit).toBe(1)
    const age = Math.floor((now.getTime() - oldest.issuedAt.getTime()) / 1000)
    expect(res.body.oldest).toMatchObject({ kind: oldest.kind, issuedAt: oldest.issuedAt.toISOString(), ageSeconds: age, secondsLeft: RESULT_RETENTION_SECONDS - age })
    // Shortened: the full token is never shown.
    expect(res.body.oldest.token).toBe(`${oldest.token.slice(0, 6)}…${oldest.token.slice(-4)}`)
    expect((await get(`/api/sweeper?kind=eid`)).body.open).toBe(open.filter((t) => t.kind === 'eid').length)
  })

  it('reconciles the last bill pulled and lists its discrepancies', async () => {
    const res = await get('/api/reconciliation')
    const last = res.body.last
    expect(last).toMatchObject({ date: seed.billDate, ok: false, total: 3, counts: seed.reconciliation.counts })
    expect(last.billable).toEqual({ ours: seed.reconciliation.ours, tencent: seed.reconciliation.tencent, difference: seed.reconciliation.ours - seed.reconciliation.tencent })
    expect(last.pulls).toEqual([expect.objectContaining({ ruleId: seed.ruleId, tokens: 3, chargeCount: 4 })])
    for (const d of last.discrepancies) expect(d.token).toMatch(/^[0-9A-F-]{6}…[0-9A-F-]{4}$/)
  })

  it('reports webhook delivery per endpoint, failing ones flagged, URLs without their query', async () => {
    const res = await get('/api/webhooks')
    expect(res.body.configured).toBe(true)
    for (const want of seed.outbox) {
      const row = res.body.endpoints.find((e: { endpoint: string }) => e.endpoint === want.shown)
      expect(row).toMatchObject({ pending: want.pending, delivered: want.delivered, failed: want.failed, failing: want.failing, oldestPendingAttempts: want.oldestAttempts })
    }
    expect(JSON.stringify(res.body)).not.toContain('do-not-show')
    expect(res.body.endpoints.find((e: { failing: boolean }) => e.failing).lastError).toBe('HTTP 503')
  })

  it('never answers with a user id or a full token', async () => {
    const p = period(24 * 30)
    const all = await Promise.all(['overview', 'billing', 'failures', 'sweeper', 'reconciliation', 'webhooks'].map((n) => get(`/api/${n}${q(p)}`)))
    const text = JSON.stringify(all.map((r) => r.body))
    expect(text).not.toMatch(/user-(check-)?\d+/)
    for (const t of seed.tokens) expect(text).not.toContain(t.token)
  })
})

describe('dashboard page and assets', () => {
  let database: TestDatabase
  let server: { url: string; close(): Promise<void> }

  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    const db = await database.open()
    await Ledger.open(db)
    const seed = await seedDashboardLedger(db)
    server = await serve(db, new Date(), { token: TOKEN }, seed)
  })
  afterAll(async () => {
    await server?.close()
    await database?.drop()
  })

  it('serves the page with a strict content security policy, and redirects the bare path', async () => {
    const bare = await fetch(server.url, { redirect: 'manual' })
    expect(bare.status).toBe(302)
    expect(bare.headers.get('location')).toBe('/ops/')
    const page = await fetch(`${server.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const html = await page.text()
    expect(html).toContain('src="assets/chart.umd.min.js"')
    expect(html).not.toMatch(/https?:\/\//)
  })

  it('serves the chart library and the page script from the kit, nothing else', async () => {
    const chart = await fetch(`${server.url}/assets/chart.umd.min.js`)
    expect(chart.status).toBe(200)
    expect(chart.headers.get('content-type')).toContain('javascript')
    expect(await chart.text()).toMatch(/^\/\*!\n \* Chart\.js v4\./)
    expect((await fetch(`${server.url}/assets/dashboard.js`)).status).toBe(200)
    expect((await fetch(`${server.url}/assets/dashboard.css`)).status).toBe(200)
    expect((await fetch(`${server.url}/assets/..%2F..%2Fpackage.json`)).status).toBe(404)
    expect((await fetch(`${server.url}/assets/index.html`)).status).toBe(404)
  })
})

describe('tokensMatch', () => {
  it('compares whole strings of any length', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true)
    expect(tokensMatch(TOKEN.slice(0, -1), TOKEN)).toBe(false)
    expect(tokensMatch(`${TOKEN}a`, TOKEN)).toBe(false)
    expect(tokensMatch('', TOKEN)).toBe(false)
  })
})

describe.each(ENGINES)('dashboard sweeper panel across providers (%s)', (engine) => {
  it('counts each open token against its own provider\'s limit (Megvii keeps results 30 days, Tencent 3), and shows the one with the least time left', async () => {
    const database = await createTestDatabase(engine)
    let server: http.Server | undefined
    try {
      const db = await database.open()
      const ledger = await Ledger.open(db)
      const now = new Date(Math.floor(Date.now() / 1000) * 1000)
      const DAY = 24 * HOUR
      const open = (token: string, kind: 'face' | 'megvii-h5', age: number) => ledger.insert({ token, kind, userId: 'u', issuedAt: new Date(now.getTime() - age), expiresAt: new Date(now.getTime() - age + HOUR) })
      const face = 'F0000000-0000-4000-8000-000000000001'
      await open(face, 'face', 2.9 * DAY) // 0.1 day before Tencent's limit
      await open('1700000000,00000000000000000000000000000010', 'megvii-h5', 10 * DAY) // 20 days left
      await open('1700000000,00000000000000000000000000000029', 'megvii-h5', 29.5 * DAY) // 0.5 day left, the oldest issued
      const app = new Koa()
      app.use(createDashboardRouter({ path: '/ops', auth: { token: TOKEN }, report: { ledger, kinds: KINDS, ruleScope: ['1'], webhooks: undefined, sweeperRunning: true, firstFetchAfterMs: 60_000, now: () => now } }).routes())
      server = http.createServer(app.callback())
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ops/api/sweeper`, { headers: { authorization: `Bearer ${TOKEN}` } })
      const body = (await res.json()) as { open: number; nearLimit: number; retentionSeconds: number; oldest: Record<string, unknown> }
      expect(body).toMatchObject({ open: 3, nearLimit: 2, retentionSeconds: RESULT_RETENTION_SECONDS })
      expect(body.oldest).toMatchObject({ token: `${face.slice(0, 6)}…${face.slice(-4)}`, kind: 'face', retentionSeconds: RESULT_RETENTION_SECONDS, secondsLeft: 0.1 * 86_400 })
      // Megvii only: its oldest token, against 30 days.
      const megvii = (await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ops/api/sweeper?provider=megvii`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as typeof body
      expect(megvii).toMatchObject({ open: 2, nearLimit: 1 })
      expect(megvii.oldest).toMatchObject({ kind: 'megvii-h5', retentionSeconds: 30 * 86_400, secondsLeft: 0.5 * 86_400 })
    } finally {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      await database.drop()
    }
  }, 120_000)
})
