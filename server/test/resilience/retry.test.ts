import { afterEach, describe, expect, it } from 'vitest'
import { createEmulator, SANDBOX_CREDENTIAL, type Emulator } from '../../emulator/index.js'
import { UpstreamError } from '../../src/errors/index.js'
import type { CallOptions } from '../../src/providers/provider.js'
import { createTencentGateway, type Gateway } from '../../src/providers/tencent/client.js'
import { UpstreamTimeoutError } from '../../src/resilience/deadlines.js'
import { backoffDelay, retrying, withRetries } from '../../src/resilience/retry.js'

function upstream(tencentCode: string, retryable: boolean): UpstreamError {
  return new UpstreamError({ action: 'Test', tencentCode, retryable, status: 502, code: 'upstream_error', message: tencentCode })
}

/** A call that fails with each of `failures` in turn, then answers `value`. */
function flaky<T>(failures: unknown[], value: T) {
  let calls = 0
  const fn = async () => {
    calls += 1
    if (calls <= failures.length) throw failures[calls - 1]
    return value
  }
  return { fn, calls: () => calls }
}

function recordingSleep() {
  const delays: number[] = []
  return { delays, sleep: async (ms: number) => void delays.push(ms) }
}

describe('retrying', () => {
  it('retries transient failures and returns the eventual answer', async () => {
    const { fn, calls } = flaky([upstream('RequestLimitExceeded', true), upstream('InternalError', true)], 'ok')
    const { delays, sleep } = recordingSleep()
    await expect(retrying('DetectAuth', fn, { attempts: 3, sleep, random: () => 0.5 })).resolves.toBe('ok')
    expect(calls()).toBe(3)
    expect(delays).toEqual([50, 100])
  })

  it('does not retry a failure that cannot succeed', async () => {
    const permanent = upstream('InvalidParameterValue.RuleIdNotExist', false)
    const { fn, calls } = flaky([permanent], 'never')
    const { delays, sleep } = recordingSleep()
    await expect(retrying('DetectAuth', fn, { attempts: 5, sleep })).rejects.toBe(permanent)
    expect(calls()).toBe(1)
    expect(delays).toEqual([])
  })

  it('gives up after the configured number of attempts with the last error', async () => {
    const errors = Array.from({ length: 10 }, (_, i) => upstream(i % 2 ? 'InternalError' : 'RequestLimitExceeded', true))
    const { fn, calls } = flaky(errors, 'never')
    const { delays, sleep } = recordingSleep()
    await expect(retrying('GetDetectInfoEnhanced', fn, { attempts: 4, sleep, random: () => 0 })).rejects.toBe(errors[3])
    expect(calls()).toBe(4)
    expect(delays).toHaveLength(3)
  })

  it('classifies raw SDK errors: HTTP 5xx and network errors are retried, HTTP 4xx and Tencent auth errors are not', async () => {
    const { sleep } = recordingSleep()
    const http503 = Object.assign(new Error('Service Unavailable'), { httpCode: 503 })
    const network = new Error('request to http://127.0.0.1:1/ failed, reason: socket hang up')
    const ok = flaky([http503, network], 'ok')
    await expect(retrying('GetEidResult', ok.fn, { attempts: 3, sleep })).resolves.toBe('ok')
    expect(ok.calls()).toBe(3)

    const http404 = Object.assign(new Error('Not Found'), { httpCode: 404 })
    const notFound = flaky([http404], 'never')
    const thrown = await retrying('GetEidResult', notFound.fn, { attempts: 3, sleep }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(UpstreamError)
    expect((thrown as UpstreamError).tencentCode).toBe('HTTP404')
    expect(notFound.calls()).toBe(1)

    const auth = flaky([Object.assign(new Error('signature'), { code: 'AuthFailure.SignatureFailure' })], 'never')
    await expect(retrying('DetectAuth', auth.fn, { attempts: 3, sleep })).rejects.toMatchObject({ tencentCode: 'AuthFailure.SignatureFailure', retryable: false })
    expect(auth.calls()).toBe(1)
  })

  it('stops retrying when the next wait would overrun the time budget', async () => {
    let clock = 0
    const errors = Array.from({ length: 10 }, () => upstream('InternalError', true))
    const { fn, calls } = flaky(errors, 'never')
    const sleep = async (ms: number) => void (clock += ms)
    // random 0.999: waits of ~100, ~200, ~400 ms; a 350 ms budget allows the first two only.
    await expect(retrying('DetectAuth', fn, { attempts: 10, baseDelayMs: 100, budgetMs: 350, sleep, random: () => 0.999, now: () => clock })).rejects.toBe(errors[2])
    expect(calls()).toBe(3)
  })

  it("gives a first attempt that ends within the budget on its own no signal, and every later attempt the budget's", async () => {
    const seen: Array<AbortSignal | undefined> = []
    const fn = async (o: CallOptions) => {
      seen.push(o.signal)
      if (seen.length < 3) throw upstream('InternalError', true)
      return 'ok'
    }
    await expect(retrying('DetectAuth', fn, { attempts: 3, budgetMs: 20_000, sleep: recordingSleep().sleep }, {}, 10_000)).resolves.toBe('ok')
    expect(seen[0]).toBeUndefined()
    expect(seen[1]).toBeInstanceOf(AbortSignal)
    // One budget for the whole call: the same signal for every attempt after the first.
    expect(seen[2]).toBe(seen[1])
  })

  it('gives the first attempt the budget when it could outlast it, or when the caller passed a signal', async () => {
    for (const [attemptTimeoutMs, callOptions] of [[30_000, {}], [undefined, {}], [1_000, { signal: new AbortController().signal }]] as const) {
      let first: AbortSignal | undefined
      await retrying('DetectAuth', async (o: CallOptions) => void (first = o.signal), { budgetMs: 20_000 }, callOptions, attemptTimeoutMs)
      expect(first).toBeInstanceOf(AbortSignal)
    }
  })

  it("names the wrapped client's provider when the budget ends an attempt that was not a timeout of its own", async () => {
    // What a rate limiter does when the budget ends its wait: it rejects with the signal's reason.
    const waiting = (o: CallOptions) => new Promise<never>((_, reject) => o.signal?.addEventListener('abort', () => reject(o.signal?.reason)))
    const named = await retrying('getFaceId', waiting, { budgetMs: 50, provider: 'WeBank' }).catch((e: unknown) => e)
    expect(named).toBeInstanceOf(UpstreamTimeoutError)
    expect((named as Error).message).toBe('WeBank getFaceId is unreachable (no complete answer within the call deadline of 50 ms)')
    const unnamed = await retrying('DetectAuth', waiting, { budgetMs: 50 }).catch((e: unknown) => e)
    expect((unnamed as Error).message).toMatch(/^Tencent DetectAuth is unreachable/)
  })
})

describe('backoffDelay (full jitter)', () => {
  it('draws below a ceiling that doubles per attempt up to the maximum', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 }
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { ...opts, random: () => 0.9999 }))).toEqual([99, 199, 399, 799, 999, 999])
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(0)
    expect(backoffDelay(2, { ...opts, random: () => 0.5 })).toBe(100)
  })
})

describe('withRetries over the real SDK and the emulator', () => {
  let emulator: Emulator | undefined
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
  })

  async function gatewayFor(e: Emulator, timeoutSeconds = 5): Promise<Gateway> {
    const { url } = await e.listen(0, '127.0.0.1')
    return createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url, timeoutSeconds })
  }

  it('gets every call through rate limits, 5xx, internal errors and dropped connections', async () => {
    emulator = createEmulator({ logger: false, faults: { rateLimitRate: 0.15, http5xxRate: 0.15, internalErrorRate: 0.1, dropRate: 0.1, seed: 42 } })
    const gateway = withRetries(await gatewayFor(emulator), { attempts: 12, sleep: async () => undefined })
    const tokens: string[] = []
    for (let i = 0; i < 30; i++) tokens.push((await gateway.call('DetectAuth', { RuleId: '1' })).BizToken!)
    for (const token of tokens) expect((await gateway.call('GetDetectInfoEnhanced', { BizToken: token, RuleId: '1', InfoType: '1' })).Text).toBeDefined()
    const stats = emulator.stats()
    expect(stats.faultsInjected).toBeGreaterThan(0)
    // Every injected fault cost exactly one extra call; nothing else was retried.
    expect((stats.calls['DetectAuth'] ?? 0) + (stats.calls['GetDetectInfoEnhanced'] ?? 0)).toBe(60 + stats.faultsInjected)
  })

  it('does not retry an error Tencent will repeat', async () => {
    emulator = createEmulator({ logger: false })
    const gateway = withRetries(await gatewayFor(emulator), { attempts: 5, sleep: async () => undefined })
    await expect(gateway.call('DetectAuth', { RuleId: 'no-such-rule' })).rejects.toMatchObject({ retryable: false })
    expect(emulator.stats().calls['DetectAuth']).toBe(1)
  })

  it('retries a request that timed out', async () => {
    emulator = createEmulator({ logger: false, faults: { slowRate: 1, slowMs: 1500, seed: 1 } })
    const retries: string[] = []
    const gateway = withRetries(await gatewayFor(emulator, 0.2), {
      attempts: 2,
      sleep: async () => undefined,
      onRetry: (info) => {
        retries.push(info.error.tencentCode)
        emulator!.setFaults(undefined)
      },
    })
    await expect(gateway.call('DetectAuth', { RuleId: '1' })).resolves.toMatchObject({ BizToken: expect.any(String) })
    // The attempt's deadline passed: a typed timeout, retried.
    expect(retries).toEqual(['Timeout'])
    expect(emulator.stats().calls['DetectAuth']).toBe(2)
  })
})
