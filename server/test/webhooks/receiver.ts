/**
 * A real receiving HTTP server for the webhook tests, as unkind as a partner's can be: it fails
 * a share of deliveries with 500, leaves some hanging until the sender gives up, and can be taken
 * down and brought back on the same port. It checks every signature with `verifyWebhook` and
 * counts what happens per event: requests, acceptances, requests in flight at once, and requests
 * that came before an earlier event of the same token had been accepted.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhook } from '../../src/webhooks/signature.js'

export interface ReceiverOptions {
  secrets: readonly string[]
  /** Share of requests answered 500, in [0, 1). */
  failRate?: number
  /** Share of requests never answered (the sender's timeout ends them). */
  hangRate?: number
  /** Hold each accepted request this long before answering (a slow endpoint). */
  holdMs?: number
  /** Deterministic [0, 1) source. */
  random?: () => number
  /** The order in which each token's events must arrive, per path (endpoint). */
  expectedOrder?: Map<string, string[]>
  /** Passed to `verifyWebhook`. Default its own. */
  toleranceSeconds?: number
}

export interface Receiver {
  readonly url: string
  /** Acceptances (2xx sent) per `<path> <eventId>`. */
  readonly accepted: Map<string, number>
  /** First acceptance order per `<path> <token>`. */
  readonly orderByToken: Map<string, string[]>
  readonly stats: { requests: number; failed: number; hung: number; badSignatures: number; outOfOrder: number; maxInFlightPerEvent: number }
  inFlight(): number
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

export function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const random = options.random ?? Math.random
  const accepted = new Map<string, number>()
  const orderByToken = new Map<string, string[]>()
  const inFlightPerEvent = new Map<string, number>()
  const stats = { requests: 0, failed: 0, hung: 0, badSignatures: 0, outOfOrder: 0, maxInFlightPerEvent: 0 }
  let open = 0

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const path = req.url ?? '/'
      let event
      try {
        event = verifyWebhook(raw, req.headers, options.secrets, options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds })
      } catch {
        stats.badSignatures += 1
        res.writeHead(400).end()
        return
      }
      stats.requests += 1
      const key = `${path} ${event.id}`
      // Requests of this event still unanswered. A request left hanging ends when the sender
      // aborts it, but that close and the sender's next attempt can reach this process in the
      // same turn of the event loop, in either order: hung requests are counted by the sender's
      // own bookkeeping instead (see the tests), answered ones here.
      const now = (inFlightPerEvent.get(key) ?? 0) + 1
      stats.maxInFlightPerEvent = Math.max(stats.maxInFlightPerEvent, now)
      let counted = true
      inFlightPerEvent.set(key, now)
      const done = () => {
        if (!counted) return
        counted = false
        inFlightPerEvent.set(key, (inFlightPerEvent.get(key) ?? 1) - 1)
      }
      open += 1
      res.on('close', () => {
        open -= 1
        done()
      })
      const token = 'token' in event.data ? event.data.token : event.data.discrepancy.token
      // Every earlier event of this token (same endpoint) must have been accepted already.
      const expected = options.expectedOrder?.get(`${path} ${token}`)
      if (expected) {
        const before = expected.slice(0, expected.indexOf(event.id))
        if (before.some((id) => !accepted.has(`${path} ${id}`))) stats.outOfOrder += 1
      }
      const r = random()
      if (r < (options.failRate ?? 0)) {
        stats.failed += 1
        done()
        res.writeHead(500).end()
        return
      }
      if (r < (options.failRate ?? 0) + (options.hangRate ?? 0)) {
        stats.hung += 1
        done()
        return
      }
      const accept = () => {
        if (!accepted.has(key)) {
          const list = orderByToken.get(`${path} ${token}`) ?? []
          list.push(event.id)
          orderByToken.set(`${path} ${token}`, list)
        }
        accepted.set(key, (accepted.get(key) ?? 0) + 1)
        done()
        res.writeHead(204).end()
      }
      if (options.holdMs) setTimeout(accept, options.holdMs)
      else accept()
    })
  }

  let server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    orderByToken,
    stats,
    inFlight: () => open,
    down: stop,
    async up() {
      server = http.createServer(handler)
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  }
}
