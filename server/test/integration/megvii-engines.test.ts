/**
 * The Megvii H5 flow on both ledger engines: the tokenless return finds its token from the signed
 * state by issue time (a date range query), among other users' tokens issued the same second,
 * and the notice's background fetch and the sweeper store the sealed result.
 */
import { describe, expect, it } from 'vitest'
import { MEGVII_PRESETS } from '../../emulator/megvii/index.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import { NO_TENCENT, startMegviiHarness } from '../support/megvii.js'
import { createTestDatabase, ENGINES } from '../support/postgres-db.js'

describe.each(ENGINES)('Megvii H5 on %s', (engine) => {
  it('returns each browser to its own token among same-second issues, and sweeps the rest', async () => {
    const database = await createTestDatabase(engine)
    const db = await database.open()
    const hx = await startMegviiHarness({ database: db, emulator: { notify: 'never' } })
    try {
      const users = ['u1', 'u2', 'u3', 'u4']
      const issued = await Promise.all(
        users.map(async (user) => {
          const res = await hx.call('POST', '/faceid/megvii/h5/biz-token', { user, body: {} })
          expect(res.status).toBe(201)
          return { user, ...(res.body as { token: string; url: string }) }
        }),
      )
      // u1 and u3 come back; u2 and u4 never do.
      for (const { user, token, url } of issued.filter((i) => i.user === 'u1' || i.user === 'u3')) {
        await fetch(url)
        const finish = await fetch(url, { method: 'POST', body: new URLSearchParams({ outcome: user === 'u1' ? 'pass' : 'not-same' }), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
        const back = await fetch(finish.headers.get('location')!, { redirect: 'manual' })
        const landed = new URL(back.headers.get('location')!, hx.url)
        expect(landed.searchParams.get('token')).toBe(token)
        expect(landed.searchParams.get('status')).toBe(user === 'u1' ? 'passed' : 'failed')
      }
      for (const { user, token } of issued.filter((i) => i.user === 'u2' || i.user === 'u4')) {
        expect(await hx.ledger.get(token)).toMatchObject({ userId: user, status: 'pending', fetchCount: 0 })
        await hx.emulator.complete(token, MEGVII_PRESETS[user === 'u2' ? 'pass' : 'user-cancel']!, { notify: false })
      }
      const sweeper = createSweeper({ ledger: hx.ledger, gateway: NO_TENCENT, providers: { megvii: hx.client }, now: hx.clock.date, firstFetchAfterMs: 0 })
      await sweeper.runOnce()
      const byUser = Object.fromEntries(await Promise.all(issued.map(async (i) => [i.user, await hx.ledger.get(i.token)] as const)))
      expect(byUser['u1']).toMatchObject({ status: 'passed', final: true })
      expect(byUser['u2']).toMatchObject({ status: 'passed', final: true })
      expect(byUser['u3']).toMatchObject({ status: 'failed', code: 2000, final: true })
      expect(byUser['u4']).toMatchObject({ status: 'failed', code: 6000, final: true })
      expect((await hx.verifier.readFullResult(issued[0]!.token))?.result).toMatchObject({ result_code: '1000', idcard_result: { idcard_number: '11204416541220243X' } })
    } finally {
      await hx.close()
      // SQLite's one in-memory database is closed by drop(); a PostgreSQL pool is ours to close.
      if (engine === 'postgres') await db.close()
      await database.drop()
    }
  }, 30_000)
})
