/**
 * Several sweepers on one database (several server instances on one PostgreSQL): a token is
 * never fetched by two of them at once, and a crashed instance's claims come free after the lease.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/providers/tencent/client.js'
import { aroundAction } from '../../src/providers/provider.js'
import { Ledger } from '../../src/store/ledger.js'
import { ENGINES, type TestDatabase, useTestDatabase } from '../support/postgres-db.js'
import { createSandbox, MINUTE, type Sandbox } from '../support/sweeper-fixture.js'

/** Wraps the gateway the way Tencent sees it: counts fetches of each token in flight at once. */
function concurrencyProbe() {
  const inFlight = new Map<string, number>()
  const fetches = new Map<string, number>()
  let overlaps = 0
  const track = async <T>(token: string, call: () => Promise<T>): Promise<T> => {
    const now = (inFlight.get(token) ?? 0) + 1
    inFlight.set(token, now)
    fetches.set(token, (fetches.get(token) ?? 0) + 1)
    if (now > 1) overlaps += 1
    try {
      return await call()
    } finally {
      inFlight.set(token, (inFlight.get(token) ?? 1) - 1)
    }
  }
  return {
    wrap: (g: Gateway): Gateway =>
      aroundAction(
        aroundAction(g, 'GetDetectInfoEnhanced', (req, next) => track(req.BizToken, () => next(req))),
        'GetEidResult',
        (req, next) => track(req.EidToken, () => next(req)),
      ),
    overlaps: () => overlaps,
    fetches,
  }
}

describe.each(ENGINES)('sweepers sharing one database (%s)', (engine) => {
  let sb: Sandbox
  const database = useTestDatabase(engine)
  afterEach(async () => {
    await sb?.close()
  })

  it('never fetch the same token at the same time, and fetch each token once', async () => {
    const probe = concurrencyProbe()
    sb = await createSandbox(database, { gateway: probe.wrap })
    const tokens: string[] = []
    for (let i = 0; i < 60; i++) {
      const { token } = await sb.verifier.issue(i % 2 ? 'eid' : 'face', { userId: `u${i}` })
      sb.emulator.complete(token, { outcome: 'passed' })
      tokens.push(token)
    }
    // Slow answers widen the window in which a second fetch could overlap the first.
    sb.emulator.setFaults({ slowRate: 0.5, slowMs: 20, seed: 5 })
    sb.clock.advance(2 * MINUTE)
    // Instance B has its own connection pool (on SQLite, the one shared in-memory database).
    const ledgerB = await Ledger.open(await database.open())
    const a = sb.sweeper({ owner: 'instance-a', batchSize: 4, concurrency: 3 })
    const b = sb.sweeper({ owner: 'instance-b', batchSize: 4, concurrency: 3, ledger: ledgerB })
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()])

    expect(probe.overlaps()).toBe(0)
    expect(ra.claimed + rb.claimed).toBe(60)
    expect(ra.claimed).toBeGreaterThan(0)
    expect(rb.claimed).toBeGreaterThan(0)
    expect([...probe.fetches.values()].every((n) => n === 1)).toBe(true)
    expect(probe.fetches.size).toBe(60)
    for (const token of tokens) expect((await sb.ledger.get(token))!.final).toBe(true)
  }, 60_000)

  it('claim disjoint sets when racing for the same rows', async () => {
    sb = await createSandbox(database)
    for (let i = 0; i < 40; i++) await sb.verifier.issue('face', { userId: `u${i}` })
    sb.clock.advance(2 * MINUTE)
    const ledgers = [sb.ledger, await Ledger.open(await database.open()), await Ledger.open(await database.open())]
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        ledgers[i % 3]!.claimDue({ owner: `racer-${i}`, now: sb.clock.date(), leaseMs: MINUTE, limit: 5, firstFetchAfterMs: MINUTE }),
      ),
    )
    const claimed = claims.flat().map((c) => c.token)
    expect(new Set(claimed).size).toBe(claimed.length)
    expect(claimed.length).toBe(40)
    // Each claim took the oldest rows it could get.
    for (const batch of claims) expect(batch.map((c) => c.issuedAt.getTime())).toEqual([...batch.map((c) => c.issuedAt.getTime())].sort((x, y) => x - y))
  }, 60_000)

  it('leave a crashed instance’s claims alone until its lease lapses, then take them over', async () => {
    sb = await createSandbox(database)
    for (let i = 0; i < 5; i++) {
      const { token } = await sb.verifier.issue('face', { userId: `u${i}` })
      sb.emulator.complete(token, { outcome: 'passed' })
    }
    sb.clock.advance(2 * MINUTE)
    // An instance claims everything, then dies before fetching.
    const dead = await sb.ledger.claimDue({ owner: 'crashed', now: sb.clock.date(), leaseMs: 5 * MINUTE, limit: 10, firstFetchAfterMs: MINUTE })
    expect(dead).toHaveLength(5)

    const survivor = sb.sweeper({ owner: 'survivor' })
    const blocked = await survivor.runOnce()
    expect(blocked.claimed).toBe(0)
    expect(blocked.remaining).toMatchObject({ open: 5, leased: 5, due: 0 })

    sb.clock.advance(5 * MINUTE + 1)
    expect(await survivor.runOnce()).toMatchObject({ claimed: 5, finalized: 5, remaining: { open: 0 } })
  }, 60_000)

  it('ignore a late release from an instance whose lease was taken over', async () => {
    sb = await createSandbox(database)
    const { token } = await sb.verifier.issue('face', { userId: 'u' })
    sb.clock.advance(2 * MINUTE)
    await sb.ledger.claimDue({ owner: 'slow', now: sb.clock.date(), leaseMs: MINUTE, limit: 1, firstFetchAfterMs: MINUTE })
    sb.clock.advance(2 * MINUTE)
    const [taken] = await sb.ledger.claimDue({ owner: 'fast', now: sb.clock.date(), leaseMs: MINUTE, limit: 1, firstFetchAfterMs: MINUTE })
    expect(taken?.token).toBe(token)
    // The slow one comes back and releases: the fast one's lease must survive it.
    await sb.ledger.releaseClaim(token, 'slow', { attempted: true, nextAttemptAt: null })
    expect((await sb.ledger.sweepCounts(sb.clock.date(), MINUTE)).leased).toBe(1)
  }, 60_000)
})
