import { afterEach, describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors/index.js'
import { createFaceidRouter } from '../../src/http/router.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import type { Verifier } from '../../src/verification/verifier.js'
import { freshDatabase, startHarness, type Harness, type HarnessOptions } from '../support/harness.js'
import { POSTGRES_URL, resetDatabase, useTestDatabase } from '../support/postgres-db.js'

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close()
})

/** Two routers (two "instances") on one database; clocks in step. */
async function twoInstances(router: HarnessOptions['router']): Promise<[Harness, Harness]> {
  const a = await startHarness({ router })
  opened.push(a)
  const b = await startHarness({ router })
  opened.push(b)
  b.clock.ms = a.clock.ms
  return [a, b]
}

const advance = (hs: Harness[], seconds: number) => hs.forEach((h) => h.clock.advance(seconds))

describe('issuance limits', () => {
  it('limits a user across instances, with 429, Retry-After and rate_limited', async () => {
    const [a, b] = await twoInstances({ limits: { perUserPerHour: 3 } })
    expect((await a.call('POST', '/faceid/biz-token', { user: 'alice' })).status).toBe(201)
    advance([a, b], 10)
    expect((await b.call('POST', '/faceid/eid-token', { user: 'alice' })).status).toBe(201)
    advance([a, b], 10)
    expect((await a.call('POST', '/faceid/biz-token', { user: 'alice' })).status).toBe(201)
    advance([a, b], 10)

    const limited = await b.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/this user/) } })
    // The oldest of the three leaves the hour 3600 - 30 s from now.
    expect(limited.headers.get('retry-after')).toBe('3570')
    expect(await a.ledger.count({ userId: 'alice' })).toBe(3)
    // Nothing was asked of Tencent for the refused request.
    expect((a.emulator.stats().calls['DetectAuth'] ?? 0) + (b.emulator.stats().calls['DetectAuth'] ?? 0)).toBe(2)

    // Other users are not affected.
    expect((await a.call('POST', '/faceid/biz-token', { user: 'bob' })).status).toBe(201)

    advance([a, b], 3570)
    expect((await a.call('POST', '/faceid/biz-token', { user: 'alice' })).status).toBe(201)
    expect((await b.call('POST', '/faceid/biz-token', { user: 'alice' })).status).toBe(429)
  })

  it('limits a client address across users', async () => {
    const [a, b] = await twoInstances({ limits: { perIpPerHour: 2 } })
    expect((await a.call('POST', '/faceid/biz-token', { user: 'u1' })).status).toBe(201)
    expect((await b.call('POST', '/faceid/eid-token', { user: 'u2' })).status).toBe(201)
    const limited = await a.call('POST', '/faceid/biz-token', { user: 'u3' })
    expect(limited.status).toBe(429)
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/address/) })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500)
    expect(await a.ledger.count()).toBe(2)
  })

  it('refuses bad limit settings', async () => {
    const base = { verifier: {} as Verifier, resolveUser: () => 'u' }
    expect(() => createFaceidRouter({ ...base, limits: { perUserPerHour: -1 } })).toThrow(ConfigurationError)
    expect(() => createFaceidRouter({ ...base, limits: { perIpPerHour: 1.5 } })).toThrow(/whole number/)
  })
})

/** Tokens bought from Tencent by all instances (each harness has its own emulator). */
const bought = (hs: Harness[]) => hs.reduce((n, h) => n + (h.emulator.stats().calls['DetectAuth'] ?? 0), 0)

/** `n` token requests at once (all from one address), spread over the instances; `user(i)` picks the user. */
async function burst(hs: Harness[], n: number, user: (i: number) => string) {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => hs[i % hs.length]!.call('POST', '/faceid/biz-token', { user: user(i) })))
  const statuses = answers.map((a) => a.status)
  return { issued: statuses.filter((s) => s === 201).length, limited: statuses.filter((s) => s === 429).length, other: statuses.filter((s) => s !== 201 && s !== 429) }
}

const SCOPES = [
  ['per user', { perUserPerHour: 20 }, () => 'alice'],
  ['per IP', { perIpPerHour: 20 }, (i: number) => `user-${i}`],
] as const

describe.each(SCOPES)('a limit of 20 %s under 50 concurrent requests', (_label, limits, who) => {
  it('SQLite, one instance: exactly 20 tokens, the rest 429', async () => {
    const h = await startHarness({ router: { limits } })
    opened.push(h)
    expect(await burst([h], 50, who)).toEqual({ issued: 20, limited: 30, other: [] })
    expect(await h.ledger.count()).toBe(20)
    expect(bought([h])).toBe(20)
  })

  it('SQLite, two routers on one database: exactly 20', async () => {
    const hs = await twoInstances({ limits })
    expect(await burst(hs, 50, who)).toEqual({ issued: 20, limited: 30, other: [] })
    expect(await hs[0].ledger.count()).toBe(20)
    expect(bought(hs)).toBe(20)
  })

  it('with a failing upstream: never more than 20, and failed requests give their slot back', async () => {
    const hs = await twoInstances({ limits })
    for (const h of hs) h.emulator.setFaults({ internalErrorRate: 0.4, seed: 7 })
    const first = await burst(hs, 50, who)
    expect(first.issued).toBeLessThanOrEqual(20)
    expect(first.other.length).toBeGreaterThan(0)
    expect(await hs[0].ledger.count()).toBe(first.issued)
    for (const h of hs) h.emulator.setFaults(undefined)
    // Slots of failed calls were released: the healthy upstream fills the limit exactly.
    const second = await burst(hs, 50, who)
    expect(first.issued + second.issued).toBe(20)
    expect(await hs[0].ledger.count()).toBe(20)
  })
})

describe('both limits at once', () => {
  it('a request refused by one limit gives back the slot it took from the other', async () => {
    const [a, b] = await twoInstances({ limits: { perUserPerHour: 1, perIpPerHour: 3 } })
    const statuses: number[] = []
    for (const [h, user] of [[a, 'alice'], [b, 'alice'], [a, 'bob'], [b, 'carol'], [a, 'dave']] as const) statuses.push((await h.call('POST', '/faceid/biz-token', { user })).status)
    // alice's second request took an address slot before her own limit refused it; it was given back.
    expect(statuses).toEqual([201, 429, 201, 201, 429])
    expect(await a.ledger.issueSlots('ip', '127.0.0.1')).toHaveLength(3)
  })

  it('50 concurrent requests of 10 users: never more than either limit', async () => {
    const hs = await twoInstances({ limits: { perUserPerHour: 3, perIpPerHour: 20 } })
    const result = await burst(hs, 50, (i) => `user-${i % 10}`)
    expect(result.other).toEqual([])
    expect(result.issued).toBeLessThanOrEqual(20)
    expect(result.issued).toBeGreaterThan(0)
    const rows = await hs[0].db.queries.selectFrom('faceid_tokens').select((eb) => eb.fn.countAll().as('n')).groupBy('user_id').execute()
    expect(rows.length).toBeGreaterThan(0)
    expect(Math.max(...rows.map((r) => Number(r.n)))).toBeLessThanOrEqual(3)
    expect(await hs[0].ledger.count()).toBe(result.issued)
    expect(bought(hs)).toBe(result.issued)
  })
})

describe.runIf(POSTGRES_URL).each(SCOPES)('a limit of 20 %s: two instances sharing one PostgreSQL', (_label, limits, who) => {
  const database = useTestDatabase('postgres')

  it('50 concurrent requests over both instances give exactly 20 tokens', async () => {
    // Two instances: each its own connection pool, emulator and router.
    const [dbA, dbB] = [await database.open(), await database.open()]
    const a = await startHarness({ database: dbA, router: { limits } })
    opened.push(a)
    const b = await startHarness({ database: dbB, router: { limits } })
    opened.push(b)
    b.clock.ms = a.clock.ms
    for (let round = 0; round < 3; round += 1) {
      await resetDatabase(dbA)
      const before = bought([a, b])
      expect(await burst([a, b], 50, who)).toEqual({ issued: 20, limited: 30, other: [] })
      expect(await a.ledger.count()).toBe(20)
      expect(bought([a, b]) - before).toBe(20)
    }
  })
})

// The ledger's issuance slots themselves (rolling hour, release, pruning, the upgrade of version 6) are
// part of the ledger's contract suite, run on every engine: server/test/store/ledger.test.ts.

describe('reusing an open token', () => {
  it('answers a repeated request with the open token instead of paying again', async () => {
    const [a, b] = await twoInstances({ reuseOpenToken: true, limits: { perUserPerHour: 1 } })
    const first = await a.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(first.status).toBe(201)
    advance([a, b], 60)
    // Another instance, same database: the same token, 200 (nothing created), within the limit.
    const again = await b.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(again.status).toBe(200)
    expect(again.body).toEqual(first.body)
    expect(await a.ledger.count({ userId: 'alice' })).toBe(1)
    expect(b.emulator.stats().calls['DetectAuth'] ?? 0).toBe(0)

    // Not another user's, not another kind.
    expect((await a.call('POST', '/faceid/biz-token', { user: 'bob' })).body.token).not.toBe(first.body.token)
    const eid = await a.call('POST', '/faceid/eid-token', { user: 'carol' })
    expect(eid.status).toBe(201)

    // Once a result has been fetched the token is no longer handed out again.
    await a.call('GET', `/faceid/biz-token/${first.body.token}`, { user: 'alice' })
    const afterFetch = await a.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(afterFetch.status).toBe(429)
  })

  it('does not reuse a token about to expire', async () => {
    const [a, b] = await twoInstances({ reuseOpenToken: { minRemainingSeconds: 590 } })
    const first = await a.call('POST', '/faceid/eid-token', { user: 'alice' })
    expect((await b.call('POST', '/faceid/eid-token', { user: 'alice' })).body.token).toBe(first.body.token)
    advance([a, b], 11) // 589 s left of 600
    const fresh = await b.call('POST', '/faceid/eid-token', { user: 'alice' })
    expect(fresh.status).toBe(201)
    expect(fresh.body.token).not.toBe(first.body.token)
  })

  it('is off by default', async () => {
    const [a] = await twoInstances({})
    const first = await a.call('POST', '/faceid/biz-token', { user: 'alice' })
    const second = await a.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(second.status).toBe(201)
    expect(second.body.token).not.toBe(first.body.token)
  })
})

describe('standalone server limits from the environment', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('applies FACEID_LIMIT_PER_USER_PER_HOUR and FACEID_REUSE_OPEN_TOKEN', async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      env: { FACEID_LIMIT_PER_USER_PER_HOUR: '1', FACEID_REUSE_OPEN_TOKEN: '1', FACEID_SWEEP_INTERVAL_SECONDS: '0' },
      database: (await freshDatabase()).db,
      logger: false,
    })
    const post = async (path: string, session: string) => {
      const res = await fetch(`${server!.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${session}` } })
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> }
    }
    const login = await fetch(`${server.url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"alice"}' })
    const session = ((await login.json()) as { token: string }).token
    const first = await post('/faceid/biz-token', session)
    expect(first.status).toBe(201)
    expect((await post('/faceid/biz-token', session)).body.token).toBe(first.body.token)
    const eid = await post('/faceid/eid-token', session)
    expect(eid.status).toBe(429)
    expect(Number(eid.retryAfter)).toBeGreaterThan(3500)
    expect(eid.body.error.code).toBe('rate_limited')
  })

  it.each([
    ['behind one trusted proxy, per forwarded address', '1', [201, 201, 429]],
    ['without FACEID_TRUST_PROXY, X-Forwarded-For is ignored', '', [201, 429, 429]],
  ])('limits per IP %s', async (_label, trust, expected) => {
    const database = (await freshDatabase()).db
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      env: { FACEID_TRUST_PROXY: trust, FACEID_LIMIT_PER_IP_PER_HOUR: '1', FACEID_LIMIT_PER_USER_PER_HOUR: '0', FACEID_SWEEP_INTERVAL_SECONDS: '0' },
      database,
      logger: false,
    })
    const statuses: number[] = []
    for (const [user, forwarded] of [['a', '203.0.113.1'], ['b', '203.0.113.2'], ['c', '198.51.100.9, 203.0.113.1']] as const) {
      const login = await fetch(`${server.url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user }) })
      const session = ((await login.json()) as { token: string }).token
      const res = await fetch(`${server.url}/faceid/biz-token`, { method: 'POST', headers: { authorization: `Bearer ${session}`, 'x-forwarded-for': forwarded } })
      statuses.push(res.status)
    }
    expect(statuses).toEqual(expected)
    const rows = await database.queries.selectFrom('faceid_tokens').select('client_ip').orderBy('issued_at').execute()
    expect(rows[0]!.client_ip).toBe(trust ? '203.0.113.1' : '127.0.0.1')
  })
})
