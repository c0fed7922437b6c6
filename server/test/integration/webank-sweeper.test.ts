/**
 * No WeBank result is lost: the sweeper fetches orders whose user never came back until they are
 * final, and with a fifth of WeBank's answers failing (5xx, dropped connections, "network not
 * good") every order the client saw ends in the ledger with the verdict WeBank holds.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SANDBOX_WEBANK_APP } from '../../emulator/index.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import type { Gateway } from '../../src/providers/tencent/client.js'
import { createWebankClient } from '../../src/providers/webank/client.js'
import { startWebankKit, type WebankKitHarness } from '../support/webank.js'

let hx: WebankKitHarness
afterEach(async () => {
  await hx?.close()
})

/** Only WeBank orders are in these ledgers: a Tencent call would be a bug. */
const noTencent: Gateway = { call: () => Promise.reject(new Error('no Tencent call expected')) }

function sweeperOf(h: WebankKitHarness) {
  // The sweeper's own bare client on the kit's database: it shares the kit's token and ticket.
  const webank = createWebankClient({ ...SANDBOX_WEBANK_APP, endpoint: h.webankUrl, db: h.kit.ledger.db, timeoutSeconds: 2 })
  return createSweeper({
    ledger: h.kit.ledger,
    gateway: noTencent,
    providers: { webank },
    firstFetchAfterMs: 0,
    pendingBaseMs: 1,
    pendingMaxMs: 1,
    errorBaseMs: 1,
    errorMaxMs: 1,
    qps: 1000,
    logger: undefined,
  })
}

describe('WeBank orders and the sweeper', () => {
  it('finishes an order whose user never came back, and one that failed for good', async () => {
    hx = await startWebankKit()
    const h5 = (await hx.call('POST', '/faceid/webank/h5/order', { user: 'alice', body: {} })).body
    const app = (await hx.call('POST', '/faceid/webank/app/order', { user: 'bob', body: {} })).body
    const open = (await hx.call('POST', '/faceid/webank/app/order', { user: 'carol', body: {} })).body
    hx.emulator.complete(h5.token, { outcome: 'passed' })
    // Name and ID number do not match: no retry can change it, so the order is final at once.
    hx.emulator.complete(app.token, { outcome: 'failed', code: '66660010' })

    const pass = await sweeperOf(hx).runOnce()
    expect(pass.errors).toBe(0)
    expect(await hx.kit.ledger.get(h5.token)).toMatchObject({ status: 'passed', final: true, code: 0 })
    expect(await hx.kit.ledger.get(app.token)).toMatchObject({ status: 'failed', final: true, code: 66660010 })
    // Still in the hands of its user: fetched, not final.
    expect(await hx.kit.ledger.get(open.token)).toMatchObject({ status: 'pending', final: false })
    expect((await hx.kit.ledger.get(h5.token))?.billableCount).toBe(1)
  })

  it('keeps the photo and video WeBank returns sealed: never in the clear column, never in an answer', async () => {
    hx = await startWebankKit()
    const order = (await hx.call('POST', '/faceid/webank/app/order', { user: 'alice', body: {} })).body
    hx.emulator.complete(order.token, { outcome: 'passed' })
    const webank = createWebankClient({ ...SANDBOX_WEBANK_APP, endpoint: hx.webankUrl, db: hx.kit.ledger.db })
    const withFiles = await webank.protocol.queryFaceRecord(order.token, { getFile: '1' })
    expect(withFiles.result?.photo).toBeTruthy()
    const answer = await hx.call('GET', `/faceid/webank/app/order/${order.token}`, { user: 'alice' })
    expect(answer.body).toMatchObject({ status: 'passed' })
    const row = await hx.kit.ledger.db.queries.selectFrom('faceid_tokens').selectAll().where('token', '=', order.token).executeTakeFirstOrThrow()
    const clear = typeof row.result === 'string' ? row.result : JSON.stringify(row.result)
    expect(clear).toContain('"code":"0"')
    expect(clear).not.toMatch(/photo|video/)
    expect(JSON.stringify(answer.body)).not.toMatch(/photo|video|张小宝|11204416541220243X/)
    expect(row.result_sealed).toBeTruthy()
  })

  it('loses nothing when a fifth of WeBank\'s answers fail', async () => {
    hx = await startWebankKit({ kit: { retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 } } })
    hx.emulator.setFaults({ http5xxRate: 0.1, dropRate: 0.05, internalErrorRate: 0.05, seed: 20261202 })
    const shown: Array<{ token: string; user: string }> = []
    let refused = 0
    for (let i = 0; i < 24; i++) {
      const user = `user${i}`
      const res = await hx.call('POST', i % 2 ? '/faceid/webank/app/order' : '/faceid/webank/h5/order', { user, body: {} })
      if (res.status === 201) shown.push({ token: res.body.token, user })
      else {
        expect(res.status).toBeGreaterThanOrEqual(500)
        refused += 1
      }
    }
    expect(hx.emulator.stats().faults.http5xx + hx.emulator.stats().faults.drop + hx.emulator.stats().faults.internalError).toBeGreaterThan(0)
    expect(shown.length).toBeGreaterThan(12)
    // Every order a client saw is in the ledger, bound to its user.
    for (const { token, user } of shown) expect(await hx.kit.ledger.get(token)).toMatchObject({ userId: user })
    shown.forEach(({ token }, i) => hx.emulator.complete(token, i % 3 ? { outcome: 'passed' } : { outcome: 'failed', code: '66660017' }))

    const sweeper = sweeperOf(hx)
    for (let pass = 0; pass < 40; pass++) {
      const result = await sweeper.runOnce()
      if (result.remaining.open === 0) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    for (const [i, { token }] of shown.entries()) {
      expect(await hx.kit.ledger.get(token)).toMatchObject({ final: true, status: i % 3 ? 'passed' : 'failed' })
    }
    expect(refused + shown.length).toBe(24)
  }, 60_000)
})
