/**
 * The bucket against the way Tencent counts: calls per second by *arrival* at the server. The
 * bucket only sees when a call leaves and when it settles, so these runs put random delays
 * between the two (on fake timers: no real waiting, the same run every time) and count the
 * arrivals per second.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mulberry32 } from '../../emulator/faults.js'
import { TokenBucket } from '../../src/resilience/token-bucket.js'
import { maxInWindow } from '../support/windows.js'

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Most events in one fixed second (the server's windows start at whole seconds of its clock). */
function maxPerFixedSecond(times: number[]): number {
  const counts = new Map<number, number>()
  for (const t of times) counts.set(Math.floor(t / 1000), (counts.get(Math.floor(t / 1000)) ?? 0) + 1)
  return Math.max(...counts.values())
}

interface Path {
  /** Leaving the bucket → arriving at the server (event loop, sockets, network). */
  out: (i: number) => number
  /** Arrival → the caller sees the answer (server time and the way back). */
  back: (i: number) => number
}

/** `workers` callers share the bucket, as the sweeper's do, for `calls` calls in all. */
async function run(bucket: TokenBucket, path: Path, calls: number, workers: number, mode: 'acquire' | 'take'): Promise<{ sent: number[]; arrived: number[] }> {
  const sent: number[] = []
  const arrived: number[] = []
  let next = 0
  const worker = async () => {
    while (next < calls) {
      const i = next++
      const release = mode === 'acquire' ? await bucket.acquire() : (await bucket.take(), () => undefined)
      sent.push(Date.now())
      await delay(path.out(i))
      arrived.push(Date.now())
      await delay(path.back(i))
      release()
    }
  }
  let finished = false
  const done = Promise.all(Array.from({ length: workers }, worker)).then(() => void (finished = true))
  while (!finished) await vi.advanceTimersByTimeAsync(50)
  await done
  return { sent, arrived }
}

/** Mostly a few ms each way; now and then a stall (a GC pause, a busy event loop) of up to 250 ms. */
function jitteryPath(seed: number): Path {
  const random = mulberry32(seed)
  const leg = () => (random() < 0.1 ? 50 + random() * 200 : random() * 20)
  return { out: () => Math.round(leg()), back: () => Math.round(leg()) }
}

describe('TokenBucket counted at the server', () => {
  beforeEach(() => {
    // Start half-way into a second so that fixed windows and the bucket's start are out of phase.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_500 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it.each([
    [20, 4, 1],
    [50, 4, 2],
    [50, 16, 3],
    [5, 8, 4],
  ])('at %s/s with %s callers and jittery delays (seed %s), no second at the server gets more than the cap', async (rate, workers, seed) => {
    const bucket = new TokenBucket({ ratePerSecond: rate, now: () => Date.now() })
    const { arrived } = await run(bucket, jitteryPath(seed), rate * 20, workers, 'acquire')
    expect(arrived).toHaveLength(rate * 20)
    expect(maxPerFixedSecond(arrived)).toBeLessThanOrEqual(rate)
    // Every phase of the window, i.e. a server whose seconds start anywhere.
    expect(maxInWindow(arrived, 1000)).toBeLessThanOrEqual(rate)
  })

  it('a cap on send times alone is not enough: the same jitter breaks it (why calls hold their slot until they settle)', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 20, now: () => Date.now() })
    const { sent, arrived } = await run(bucket, jitteryPath(1), 400, 4, 'take')
    expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(20)
    expect(maxInWindow(arrived, 1000)).toBeGreaterThan(20)
  })

  it('keeps the cap when a whole burst arrives together after a stall', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, now: () => Date.now() })
    // Calls sent during the first 900 ms are all held up and arrive together, right after the
    // next ten leave without delay.
    const start = Date.now()
    const path: Path = { out: () => Math.max(0, start + 905 - Date.now()), back: () => 1 }
    const { arrived } = await run(bucket, path, 60, 20, 'acquire')
    expect(maxInWindow(arrived, 1000)).toBeLessThanOrEqual(10)
  })

  it('holds a slot while its call is in flight, and for one window after it settles', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 2, now: () => Date.now() })
    const first = await bucket.acquire()
    await bucket.acquire()
    let third = false
    const pending = bucket.acquire().then((release) => {
      third = true
      return release
    })
    await vi.advanceTimersByTimeAsync(10_000)
    // Both calls are still in flight: they may yet arrive, so the cap is full.
    expect(third).toBe(false)
    first()
    first() // a second release changes nothing
    await vi.advanceTimersByTimeAsync(999)
    expect(third).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(third).toBe(true)
    ;(await pending)()
  })

  it('an unreleased take() counts from when it left, as before', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 3, now: () => Date.now() })
    const times: number[] = []
    const all = Promise.all(Array.from({ length: 9 }, () => bucket.take().then(() => times.push(Date.now()))))
    await vi.advanceTimersByTimeAsync(5_000)
    await all
    expect(maxInWindow(times, 1000)).toBe(3)
    expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(2_700)
  })

  it('caps a fractional rate at its whole part per second', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 7.5, now: () => Date.now() })
    const times: number[] = []
    const all = Promise.all(Array.from({ length: 60 }, () => bucket.take().then(() => times.push(Date.now()))))
    await vi.advanceTimersByTimeAsync(20_000)
    await all
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(7)
  })
})
