/**
 * An upstream that answers with headers and then stalls (or is slow to send even the headers):
 * the real tencentcloud SDK client must give up at the deadline, close the socket, and reject
 * with a typed timeout. The upstream counts its open connections from its own side.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { UpstreamError } from '../../src/errors/index.js'
import { createTencentGateway, UpstreamTimeoutError } from '../../src/providers/tencent/client.js'
import { withRetries } from '../../src/resilience/retry.js'
import { TokenBucket, withRateLimit } from '../../src/resilience/token-bucket.js'

interface Stalling {
  url: string
  /** Connections open right now, as the upstream sees them. */
  open(): number
  /** Requests received in all. */
  requests(): number
  close(): Promise<void>
}

/** Sends `200` headers (after `headerDelayMs`) and the first bytes of a JSON body, then nothing. */
async function stallingUpstream(headerDelayMs = 0): Promise<Stalling> {
  const sockets = new Set<Socket>()
  let requests = 0
  const server = http.createServer((req, res) => {
    requests += 1
    req.resume()
    setTimeout(() => {
      if (res.destroyed) return
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '4096' })
      res.write('{"Response":{')
    }, headerDelayMs)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => sockets.size,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let upstream: Stalling | undefined
afterEach(async () => {
  await upstream?.close()
  upstream = undefined
})

const request = { RuleId: '1' }

describe('a stalled upstream', () => {
  it('leaves no socket open: every attempt that passes its deadline is closed, and the call rejects with a typed timeout', async () => {
    upstream = await stallingUpstream()
    const gateway = withRetries(createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: upstream.url, timeoutSeconds: 0.3 }), {
      attempts: 2,
      baseDelayMs: 1,
      maxDelayMs: 5,
    })
    expect(upstream.open()).toBe(0)
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => gateway.call('DetectAuth', request)))
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      const error = (outcome as PromiseRejectedResult).reason as unknown
      expect(error).toBeInstanceOf(UpstreamTimeoutError)
      expect(error).toBeInstanceOf(UpstreamError)
      expect(error).toMatchObject({ action: 'DetectAuth', tencentCode: 'Timeout', retryable: true, status: 503, code: 'upstream_unavailable', scope: 'attempt' })
    }
    // Two attempts per call reached the upstream, and none of their connections is left.
    expect(upstream.requests()).toBe(20)
    await vi.waitFor(() => expect(upstream!.open()).toBe(0), { timeout: 3000, interval: 50 })
  })

  it('one deadline per attempt covers headers and body together (not a header timeout and then a fresh body timeout)', async () => {
    // Headers arrive at 70 % of the deadline; the body never does. Today's SDK would wait a
    // second full timeout for the body (170 % in all).
    upstream = await stallingUpstream(700)
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: upstream.url, timeoutSeconds: 1 })
    const started = performance.now()
    const error = await gateway.call('GetDetectInfoEnhanced', { BizToken: 'X'.repeat(36), RuleId: '1' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect(error).toMatchObject({ scope: 'attempt', timeoutMs: 1000 })
    expect(elapsed).toBeGreaterThanOrEqual(990)
    expect(elapsed).toBeLessThan(1400)
    await vi.waitFor(() => expect(upstream!.open()).toBe(0), { timeout: 3000, interval: 50 })
  })

  it('one deadline per call bounds all attempts and backoffs, and also ends the attempt in flight', async () => {
    upstream = await stallingUpstream()
    const gateway = withRetries(createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: upstream.url, timeoutSeconds: 1 }), {
      attempts: 5,
      baseDelayMs: 1,
      maxDelayMs: 1,
      budgetMs: 1500,
    })
    const started = performance.now()
    const error = await gateway.call('GetEidResult', { EidToken: 'X'.repeat(36) }).then(
      () => undefined,
      (e: unknown) => e,
    )
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect(error).toMatchObject({ action: 'GetEidResult', scope: 'call', timeoutMs: 1500 })
    // The second attempt was cut short at the call's deadline (it would have run to 2 s).
    expect(upstream.requests()).toBe(2)
    expect(elapsed).toBeLessThan(1800)
    await vi.waitFor(() => expect(upstream!.open()).toBe(0), { timeout: 3000, interval: 50 })
  })

  it("the call's deadline ends a first attempt whose own deadline is later", async () => {
    upstream = await stallingUpstream()
    const gateway = withRetries(createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: upstream.url, timeoutSeconds: 5 }), { attempts: 3, budgetMs: 800 })
    const started = performance.now()
    const error = await gateway.call('DetectAuth', request).catch((e: unknown) => e)
    expect(performance.now() - started).toBeLessThan(3000)
    expect(error).toMatchObject({ scope: 'call', timeoutMs: 800 })
    expect(upstream.requests()).toBe(1)
    await vi.waitFor(() => expect(upstream!.open()).toBe(0), { timeout: 3000, interval: 50 })
  })

  it("the call's deadline also reaches through the sweeper's rate limiter to the attempt in flight", async () => {
    upstream = await stallingUpstream()
    const bare = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: upstream.url, timeoutSeconds: 5 })
    const gateway = withRetries(withRateLimit(bare, new TokenBucket({ ratePerSecond: 100 })), { attempts: 3, budgetMs: 800 })
    const started = performance.now()
    const error = await gateway.call('GetDetectInfoEnhanced', { BizToken: 'X'.repeat(36), RuleId: '1' }).catch((e: unknown) => e)
    // Ended at the call's 0.8 s, not at the attempt's 5 s.
    expect(performance.now() - started).toBeLessThan(3000)
    expect(error).toMatchObject({ scope: 'call', timeoutMs: 800 })
    await vi.waitFor(() => expect(upstream!.open()).toBe(0), { timeout: 3000, interval: 50 })
  })

  it('a caller can end a call early with its own AbortSignal; the socket is closed all the same', async () => {
    upstream = await stallingUpstream()
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: upstream.url, timeoutSeconds: 30 })
    const controller = new AbortController()
    const pending = gateway.call('DetectAuth', request, { signal: controller.signal })
    await vi.waitFor(() => expect(upstream!.requests()).toBe(1), { timeout: 3000, interval: 20 })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ tencentCode: 'Aborted', retryable: false })
    await vi.waitFor(() => expect(upstream!.open()).toBe(0), { timeout: 3000, interval: 50 })
  })
})
