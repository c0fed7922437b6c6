/**
 * The real sweeper, with its own token bucket, against the emulator enforcing the same cap on
 * GetDetectInfoEnhanced the way Tencent does (per second of arrival), while the way between
 * them delays calls unevenly. Real time: the emulator's seconds are the wall clock's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mulberry32 } from '../../emulator/faults.js'
import type { Gateway } from '../../src/providers/tencent/client.js'
import { wrapClient } from '../../src/providers/provider.js'
import { ENGINES, useTestDatabase } from '../support/postgres-db.js'
import { createSandbox, type Sandbox } from '../support/sweeper-fixture.js'

const QPS = 20
const TOKENS = 100
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Calls leave the bucket and reach the emulator after an uneven delay: a few ms at random, and
 * every call leaving in the last 300 ms of an even second is held until just after that second
 * ends. Odd seconds thus receive the stragglers of the second before on top of their own calls:
 * the worst bunching a jittery path can do to a per-second counter, every other second.
 */
function jittery(gateway: Gateway): Gateway {
  const random = mulberry32(7)
  return wrapClient(gateway, async (_action, next, options) => {
    const phase = Date.now() % 2000
    const hold = phase >= 700 && phase < 1000 ? 1000 - phase + 2 : 0
    await sleep(hold + Math.floor(random() * 8))
    return next(options)
  })
}

describe.each(ENGINES)('sweeper under the QPS cap (%s)', (engine) => {
  let sb: Sandbox | undefined
  const database = useTestDatabase(engine)
  afterEach(async () => {
    await sb?.close()
  })

  it('never exceeds the cap as the emulator counts it, however the calls bunch up on the way', async () => {
    sb = await createSandbox(database, {
      // The emulator's clock is the wall clock here, so that its seconds are real seconds.
      emulator: { now: Date.now, qpsLimit: { GetDetectInfoEnhanced: QPS } },
      gateway: jittery,
    })
    const tokens: string[] = []
    for (let i = 0; i < TOKENS; i++) tokens.push((await sb.verifier.issue('face', { userId: `u${i % 10}` })).token)
    for (const token of tokens) sb.emulator.complete(token, { outcome: 'passed' })

    // One attempt per fetch: a refused call shows up as an error, not as a silent retry.
    const sweeper = sb.sweeper({ qps: QPS, concurrency: 8, batchSize: 20, firstFetchAfterMs: 0, retry: { attempts: 1 } })
    const result = await sweeper.runOnce()

    const stats = sb.emulator.stats()
    expect(stats.qpsViolations).toBe(0)
    expect(stats.calls['GetDetectInfoEnhanced']).toBe(TOKENS)
    expect(result).toMatchObject({ claimed: TOKENS, fetched: TOKENS, finalized: TOKENS, errors: 0 })
  }, 60_000)
})
