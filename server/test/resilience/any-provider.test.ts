import { describe, expect, it } from 'vitest'
import { UpstreamError } from '../../src/errors/index.js'
import { aroundAction, type CallOptions, type ProviderClient } from '../../src/providers/provider.js'
import { withRetries } from '../../src/resilience/retry.js'
import { TokenBucket, withRateLimit } from '../../src/resilience/token-bucket.js'

/** A provider that is not Tencent: its own actions, never listed in the wrappers. */
type OtherActions = {
  StartCheck: [{ person: string }, { ticket: string }]
  ReadCheck: [{ ticket: string }, { passed: boolean }]
}

function flaky(failuresPerCall: number): { client: ProviderClient<OtherActions>; calls: string[]; signals: (AbortSignal | undefined)[] } {
  const calls: string[] = []
  const signals: (AbortSignal | undefined)[] = []
  const failed = new Map<string, number>()
  const answer = (action: string, request: object): object => {
    if (action === 'StartCheck') return { ticket: `T-${(request as { person: string }).person}` }
    return { passed: true }
  }
  const client: ProviderClient<OtherActions> = {
    call(action, request, options?: CallOptions) {
      calls.push(action)
      signals.push(options?.signal)
      const n = failed.get(action) ?? 0
      if (n < failuresPerCall) {
        failed.set(action, n + 1)
        return Promise.reject(new UpstreamError({ action, tencentCode: 'InternalError', retryable: true, status: 503, code: 'upstream_unavailable', message: 'busy' }))
      }
      failed.delete(action)
      // The fake answers by action; the type map says what each one returns.
      return Promise.resolve(answer(action, request) as never)
    },
  }
  return { client, calls, signals }
}

describe('resilience wrappers on any provider client', () => {
  it('withRetries retries every action of a client it was never told about', async () => {
    const { client, calls, signals } = flaky(2)
    const retried: string[] = []
    const wrapped = withRetries(client, { attempts: 3, sleep: async () => undefined, onRetry: (info) => retried.push(`${info.action}#${info.attempt}`) })
    await expect(wrapped.call('StartCheck', { person: 'p1' })).resolves.toEqual({ ticket: 'T-p1' })
    await expect(wrapped.call('ReadCheck', { ticket: 'T-p1' })).resolves.toEqual({ passed: true })
    expect(calls).toEqual(['StartCheck', 'StartCheck', 'StartCheck', 'ReadCheck', 'ReadCheck', 'ReadCheck'])
    expect(retried).toEqual(['StartCheck#1', 'StartCheck#2', 'ReadCheck#1', 'ReadCheck#2'])
    // Each attempt carries the call's deadline signal.
    expect(signals.every((s) => s instanceof AbortSignal)).toBe(true)
  })

  it('withRetries gives up after its attempts with the last error, named by the action', async () => {
    const { client, calls } = flaky(5)
    const error = await withRetries(client, { attempts: 2, sleep: async () => undefined })
      .call('ReadCheck', { ticket: 'x' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpstreamError)
    expect(error).toMatchObject({ action: 'ReadCheck', retryable: true })
    expect(calls).toEqual(['ReadCheck', 'ReadCheck'])
  })

  it('withRateLimit paces every action, retries included, through one bucket', async () => {
    let clock = 0
    const bucket = new TokenBucket({ ratePerSecond: 2, now: () => clock, sleep: async (ms) => void (clock += ms) })
    const times: number[] = []
    const { client } = flaky(1)
    const timed = aroundAction(aroundAction(client, 'StartCheck', (req, next) => (times.push(clock), next(req))), 'ReadCheck', (req, next) => (times.push(clock), next(req)))
    const wrapped = withRetries(withRateLimit(timed, bucket), { attempts: 2, sleep: async () => undefined })
    await wrapped.call('StartCheck', { person: 'a' })
    await wrapped.call('ReadCheck', { ticket: 'T-a' })
    expect(times).toHaveLength(4)
    // No window of one second holds more than two calls (the bucket's rate).
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(1000)
  })

  it('aroundAction leaves the other actions alone', async () => {
    const { client, calls } = flaky(0)
    const seen: string[] = []
    const wrapped = aroundAction(client, 'ReadCheck', (req, next, options) => (seen.push(req.ticket), next(req, options)))
    await wrapped.call('StartCheck', { person: 'b' })
    await wrapped.call('ReadCheck', { ticket: 'T-b' })
    expect(seen).toEqual(['T-b'])
    expect(calls).toEqual(['StartCheck', 'ReadCheck'])
  })
})
