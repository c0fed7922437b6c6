/**
 * Two kit instances on one database (PostgreSQL when configured) start WeBank orders at the same
 * moment: one of them fetches the access token and SIGN ticket, the other reads them from the
 * ledger, and every start gets its own NONCE ticket.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SANDBOX_CREDENTIAL, SANDBOX_WEBANK_APP, createEmulator } from '../../emulator/index.js'
import { createFaceidKit, type FaceidKit } from '../../src/kit.js'
import { ENGINES, useTestDatabase } from '../support/postgres-db.js'
import { startWebank } from '../support/webank.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

describe.each(ENGINES)('two kit instances and WeBank (%s)', (engine) => {
  const database = useTestDatabase(engine)

  it('make one token refresh upstream between them', async () => {
    const tencent = createEmulator({ logger: false })
    const { url: tencentUrl } = await tencent.listen()
    closers.push(() => tencent.close())
    // Slow answers widen the window in which both would refresh.
    const { emulator, url } = await startWebank({ faults: { slowRate: 1, slowMs: 40, seed: 3 } })
    const kitOn = async (): Promise<FaceidKit> => {
      const kit = await createFaceidKit({
        ...SANDBOX_CREDENTIAL,
        endpoint: tencentUrl,
        mode: 'sandbox',
        database: await database.open(),
        resolveUser: () => undefined,
        webank: { ...SANDBOX_WEBANK_APP, licence: 'sandbox-licence', endpoint: url },
        startJobs: false,
        logger: false,
      })
      closers.push(() => kit.close())
      return kit
    }
    const [a, b] = [await kitOn(), await kitOn()]
    const identity = { name: '张小宝', idCard: '11204416541220243X' }
    const starts = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).verifier.issue(i % 4 < 2 ? 'webank-app' : 'webank-h5', { userId: `user${i}`, identity, redirectUrl: 'https://partner.example/back' })),
    )
    expect(emulator.stats().calls['access_token']).toBe(1)
    expect(emulator.stats().issued.signTickets).toBe(1)
    expect(emulator.stats().issued.nonceTickets).toBe(16)
    expect(new Set(starts.map((s) => s.token)).size).toBe(16)
    for (const [i, s] of starts.entries()) expect(await a.ledger.get(s.token)).toMatchObject({ userId: `user${i}` })
  }, 60_000)
})
