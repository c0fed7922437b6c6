/**
 * Invariant 3 under a hostile upstream: a few hundred verifications through the real routes,
 * verifier, SDK and emulator with 20 % of Tencent calls failing (5xx, RequestLimitExceeded,
 * InternalError, dropped connections, timeouts). No token a client received is missing from the
 * ledger, and after sweeping every one of them holds its final result.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { createEmulator, DEFAULT_MERCHANT_ID, SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { Ledger } from '../../src/store/ledger.js'
import { withRetries } from '../../src/resilience/retry.js'
import { createFaceidRouter } from '../../src/http/router.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import { Verifier } from '../../src/verification/verifier.js'
import { ENGINES, resetDatabase, type TestDatabase, useTestDatabase } from '../support/postgres-db.js'

const VERIFICATIONS = 300
const MINUTE = 60_000
const FAULTS = { http5xxRate: 0.05, rateLimitRate: 0.05, internalErrorRate: 0.05, dropRate: 0.04, slowRate: 0.01, slowMs: 800, seed: 20 }

type Outcome = 'passed' | 'failed' | 'abandoned' | 'untouched'
const OUTCOMES: Outcome[] = ['passed', 'passed', 'passed', 'passed', 'failed', 'failed', 'failed', 'abandoned', 'abandoned', 'untouched']
const EXPECTED_STATUS: Record<Outcome, string> = { passed: 'passed', failed: 'failed', abandoned: 'expired', untouched: 'expired' }

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }))
}

describe.each(ENGINES)('20 %% upstream faults (%s)', (engine) => {
  const database = useTestDatabase(engine)

  it('loses no token and ends with every finished verification final', async () => {
    let t = Date.parse('2025-03-03T02:00:00Z')
    const now = () => new Date(t)
    const emulator = createEmulator({ now: () => t, maxSkewSeconds: Infinity, logger: false, faults: FAULTS })
    const { url } = await emulator.listen(0, '127.0.0.1')
    const db = await database.open()
    const ledger = await Ledger.open(db)
    await resetDatabase(db)
    const bare = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url, timeoutSeconds: 0.5 })
    const verifier = new Verifier({ gateway: withRetries(bare, { attempts: 4, baseDelayMs: 2, maxDelayMs: 20 }), ledger, ruleId: '1', merchantId: DEFAULT_MERCHANT_ID, now })

    const app = new Koa()
    app.use(createFaceidRouter({ verifier, resolveUser: (ctx) => ctx.get('x-test-user') || undefined }).routes())
    const server = http.createServer(app.callback())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const call = (method: string, path: string, user: string) =>
      fetch(base + path, { method, headers: { 'x-test-user': user, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, body: method === 'POST' ? '{}' : undefined })

    try {
      // 1. Users ask for tokens; some requests may still fail after all retries, and say so.
      const received = new Map<string, { user: string; kind: 'face' | 'eid'; outcome: Outcome }>()
      let refused = 0
      await pool(Array.from({ length: VERIFICATIONS }, (_, i) => i), 8, async (i) => {
        const kind = i % 4 === 3 ? 'eid' : 'face'
        const user = `user-${i}`
        const res = await call('POST', kind === 'face' ? '/faceid/biz-token' : '/faceid/eid-token', user)
        if (res.status !== 201) {
          expect([502, 503]).toContain(res.status)
          refused += 1
          return
        }
        const body = (await res.json()) as { token: string }
        received.set(body.token, { user, kind, outcome: OUTCOMES[i % OUTCOMES.length]! })
      })
      expect(received.size + refused).toBe(VERIFICATIONS)
      expect(received.size).toBeGreaterThan(VERIFICATIONS * 0.95)

      // 2. The users verify (or not); half of them come back and ask, which may or may not get through.
      let i = 0
      for (const [token, v] of received) {
        if (v.outcome === 'passed') emulator.complete(token, { outcome: 'passed' })
        else if (v.outcome === 'failed') emulator.complete(token, { outcome: 'failed' })
        else if (v.outcome === 'abandoned') emulator.complete(token, { outcome: 'abandoned' })
        if (i++ % 2 === 0) await call('GET', `/faceid/${v.kind === 'face' ? 'biz' : 'eid'}-token/${token}`, v.user).then((r) => r.arrayBuffer())
      }

      // 3. The sweeper runs while time passes, under the same faults, until nothing is open.
      const sweeper = createSweeper({ ledger, gateway: bare, ruleId: '1', merchantId: DEFAULT_MERCHANT_ID, now, qps: 1000, concurrency: 8, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } })
      let open = Infinity
      for (let round = 0; round < 60 && open > 0; round++) {
        t += 10 * MINUTE
        open = (await sweeper.runOnce()).remaining.open
      }
      await sweeper.stop()
      expect(open).toBe(0)

      // Every token a client received is in the ledger, bound to its user, final, with the right result.
      for (const [token, v] of received) {
        const record = await ledger.get(token)
        expect(record, token).toBeDefined()
        expect({ token, user: record!.userId, final: record!.final, status: record!.status }).toEqual({ token, user: v.user, final: true, status: EXPECTED_STATUS[v.outcome] })
        if (v.outcome === 'passed') expect(record!.code).toBe(0)
        if (v.outcome === 'failed') expect(record!.code).not.toBeNull()
        expect(record!.billableCount).toBe(v.outcome === 'passed' || v.outcome === 'failed' ? 1 : 0)
        // …and Tencent knows it: no token in the ledger that upstream never issued.
        expect(emulator.token(token)).toBeDefined()
      }
      // The ledger holds exactly the tokens clients received.
      expect(await ledger.count()).toBe(received.size)
      // The faults really happened, at about the configured rate.
      const stats = emulator.stats()
      const calls = Object.values(stats.calls).reduce((a, b) => a + b, 0)
      expect(stats.faultsInjected / calls).toBeGreaterThan(0.12)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await emulator.close()
      if (engine === 'postgres') await db.close()
    }
  }, 240_000)
})
