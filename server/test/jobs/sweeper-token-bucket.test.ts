import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../src/resilience/token-bucket.js'
import { maxInWindow } from '../support/windows.js'

/** A fake clock the bucket sleeps on: sleeping moves time, nothing waits for real. */
function fakeTime() {
  let clock = 0
  return { now: () => clock, sleep: async (ms: number) => void (clock += ms), advance: (ms: number) => void (clock += ms) }
}

describe('TokenBucket', () => {
  it.each([1, 3, 7, 20, 0.5])('never lets more than %s takes into any one-second window', async (rate) => {
    const time = fakeTime()
    const bucket = new TokenBucket({ ratePerSecond: rate, now: time.now, sleep: time.sleep })
    const times: number[] = []
    // Many concurrent callers, as the sweeper's workers are.
    await Promise.all(Array.from({ length: 60 }, () => bucket.take().then(() => times.push(time.now()))))
    expect(times).toHaveLength(60)
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(Math.max(1, Math.floor(rate)))
    // …and it does not starve either: the takes span about what the rate implies.
    expect(Math.max(...times)).toBeLessThanOrEqual(Math.ceil((59 / rate) * 1000) + 59)
  })

  it('allows a burst up to its capacity, then the sustained rate', async () => {
    const time = fakeTime()
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 5, now: time.now, sleep: time.sleep })
    const times: number[] = []
    for (let i = 0; i < 25; i++) {
      await bucket.take()
      times.push(time.now())
    }
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0])
    expect(times[5]).toBe(100)
    // capacity + rate·T: never more than 5 + 10 in a second.
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(15)
  })

  it('refills while idle, but never beyond its capacity', async () => {
    const time = fakeTime()
    const bucket = new TokenBucket({ ratePerSecond: 2, capacity: 2, now: time.now, sleep: time.sleep })
    await bucket.take()
    await bucket.take()
    time.advance(60_000)
    const start = time.now()
    for (let i = 0; i < 3; i++) await bucket.take()
    // Two from the refilled bucket at once, the third waits 500 ms.
    expect(time.now() - start).toBe(500)
  })

  it('keeps serving after a caller’s sleep fails', async () => {
    const time = fakeTime()
    let fail = true
    const bucket = new TokenBucket({
      ratePerSecond: 1,
      now: time.now,
      sleep: async (ms) => {
        if (fail) {
          fail = false
          throw new Error('timer broke')
        }
        await time.sleep(ms)
      },
    })
    await bucket.take()
    await expect(bucket.take()).rejects.toThrow('timer broke')
    await expect(bucket.take()).resolves.toBeUndefined()
  })

  it('rejects nonsense settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError)
    expect(() => new TokenBucket({ ratePerSecond: Infinity })).toThrow(RangeError)
    expect(() => new TokenBucket({ ratePerSecond: 1, capacity: 0.5 })).toThrow(RangeError)
  })
})

describe('TokenBucket under late timers', () => {
  /** A clock whose sleeps always wake `lateMs` late, as real timers do on a busy machine. */
  function lateTime(lateMs: number) {
    let clock = 0
    return { now: () => clock, sleep: async (ms: number) => void (clock += ms + lateMs) }
  }

  it.each([
    [50, 1],
    [50, 3],
    [20, 2],
    [7, 5],
  ])('at %s/s with timers %s ms late, keeps the cap and does not fall behind the rate', async (rate, lateMs) => {
    const time = lateTime(lateMs)
    const bucket = new TokenBucket({ ratePerSecond: rate, now: time.now, sleep: time.sleep })
    const times: number[] = []
    const n = rate * 20
    for (let i = 0; i < n; i++) {
      await bucket.take()
      times.push(time.now())
    }
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(rate)
    // The ideal span is (n-1)/rate seconds; lateness may cost a little once per second, not per take.
    const ideal = ((n - 1) / rate) * 1000
    expect(times.at(-1)! / ideal).toBeLessThan(1.02)
  })
})
