import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPeriodicJob } from '../../src/jobs/periodic.js'

describe('createPeriodicJob', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs at start, then every interval after the previous run ended', async () => {
    const starts: number[] = []
    const job = createPeriodicJob({
      name: 'tick',
      intervalMs: 1000,
      run: async () => {
        starts.push(Date.now())
        await new Promise((resolve) => setTimeout(resolve, 500))
      },
    })
    const t0 = Date.now()
    job.start()
    await vi.advanceTimersByTimeAsync(4000)
    await job.stop()
    expect(starts.map((t) => t - t0)).toEqual([0, 1500, 3000])
  })

  it('never overlaps runs: runOnce during a run joins it', async () => {
    let calls = 0
    let release!: () => void
    const job = createPeriodicJob({ name: 'slow', intervalMs: 10, run: () => ((calls += 1), new Promise<number>((r) => (release = () => r(calls)))) })
    const a = job.runOnce()
    const b = job.runOnce()
    release()
    expect(await Promise.all([a, b])).toEqual([1, 1])
    expect(calls).toBe(1)
  })

  it('logs a failed run without its stack and keeps the schedule', async () => {
    const warn = vi.fn()
    let n = 0
    const job = createPeriodicJob({
      name: 'flaky',
      intervalMs: 100,
      logger: { info: vi.fn(), warn },
      run: async () => {
        n += 1
        if (n === 1) throw new Error('database down')
        return n
      },
    })
    job.start()
    await vi.advanceTimersByTimeAsync(250)
    await job.stop()
    expect(n).toBe(3)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]?.[0]).toEqual({ job: 'flaky', err: { name: 'Error', message: 'database down' } })
  })

  it('stop() waits for the run under way and schedules nothing after it', async () => {
    let finished = false
    let runs = 0
    const job = createPeriodicJob({
      name: 'wait',
      intervalMs: 10,
      run: async () => {
        runs += 1
        await new Promise((resolve) => setTimeout(resolve, 200))
        finished = true
      },
    })
    job.start()
    await vi.advanceTimersByTimeAsync(1)
    const stopped = job.stop()
    expect(job.running).toBe(false)
    await vi.advanceTimersByTimeAsync(200)
    await stopped
    expect(finished).toBe(true)
    await vi.advanceTimersByTimeAsync(1000)
    expect(runs).toBe(1)
  })

  it('refuses an interval that is not positive', () => {
    expect(() => createPeriodicJob({ name: 'bad', intervalMs: 0, run: async () => 1 })).toThrow(/intervalMs/)
  })
})
