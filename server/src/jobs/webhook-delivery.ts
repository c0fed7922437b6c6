import crypto from 'node:crypto'
import os from 'node:os'
import type { Database } from '../store/database.js'
import * as outbox from '../store/outbox.js'
import type { EndpointHealth, OutboxDelivery } from '../store/outbox.js'
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from '../webhooks/signature.js'
import { createPeriodicJob, type JobLogger } from './periodic.js'

/** A partner's endpoint: where events are POSTed and the secret(s) they are signed with. */
export interface WebhookEndpoint {
  /** `https://…` (plain `http://` only to a loopback address, or in sandbox mode). */
  url: string
  /** Signs every event: at least 32 characters, e.g. `openssl rand -hex 32`. */
  secret: string
  /** During a rotation: the old secret, which signs every event too (a second `v1=`), so receivers holding either accept. */
  previousSecret?: string | undefined
  /**
   * Names the endpoint's queue in the ledger. Default the URL. Set it to keep undelivered events
   * when the URL changes: events wait for the endpoint id, not the address.
   */
  id?: string | undefined
}

export interface WebhookDeliveryOptions {
  db: Database
  endpoints: readonly WebhookEndpoint[]
  /** An event not delivered within this long after it was recorded is given up (state `failed`). Default 72 h. */
  deliveryWindowMs?: number
  /** Deadline of one POST, headers and body. Default 10 s. */
  attemptTimeoutMs?: number
  /** How long a claim holds an event; renewed before each attempt. Must outlast an attempt. Default 2 × attempt timeout + 5 s. */
  leaseMs?: number
  /** Full-jitter backoff: before retry n, a uniform wait in [0, min(max, base·2ⁿ⁻¹)). Defaults 10 s and 1 h. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Pause between passes. Default 5 s. */
  intervalMs?: number
  /** Events claimed at once. Default 20. */
  batchSize?: number
  /** POSTs in flight at once. Default 4. */
  concurrency?: number
  /** Failed attempts in a row after which an endpoint is reported as failing (log line, `failing` in `health()`). Default 5. */
  failureReportAfter?: number
  /** Delivered and given-up events are deleted this long after they were recorded. Default 7 days. */
  keepFinishedMs?: number
  /** Unique per instance. Default `<hostname>:<pid>:<random>`. */
  owner?: string
  now?: () => Date
  /** [0, 1), for the jitter. */
  random?: () => number
  logger?: JobLogger | undefined
  /** The HTTP client. Default the global `fetch`. */
  fetch?: typeof fetch
}

export interface WebhookDeliveryPassResult {
  claimed: number
  delivered: number
  /** Attempts that failed and will be retried. */
  retried: number
  /** Events given up (past the delivery window). */
  gaveUp: number
  /** Claims found taken over by another instance before the attempt (nothing was sent). */
  lost: number
}

/** An endpoint's health as `WebhookDelivery.health()` reports it. */
export interface WebhookEndpointHealth extends EndpointHealth {
  url: string
  /** The oldest pending event has failed `failureReportAfter` times or more: look at the endpoint. */
  failing: boolean
}

export interface WebhookDelivery {
  readonly owner: string
  /** One pass: claims and delivers due events until none is due or no progress is made. */
  runOnce(): Promise<WebhookDeliveryPassResult>
  start(): void
  /** Stops the loop, waits for the POSTs in flight, and hands unsent claims back. */
  stop(): Promise<void>
  /** Per endpoint: pending, delivered and given-up counts, the last error, and whether it keeps failing. */
  health(): Promise<WebhookEndpointHealth[]>
}

const SECOND = 1000
const HOUR = 3600 * SECOND

/** The id an endpoint's events are kept under. */
export const endpointId = (e: WebhookEndpoint): string => e.id ?? e.url

/**
 * Delivers the outbox at least once, in order per token and endpoint, with full-jitter backoff
 * for the delivery window, under leases so that several instances never send the same event at
 * the same time. Receivers deduplicate on the event id (a crash after a POST and before its
 * record repeats it).
 */
export function createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  const { db } = options
  const now = options.now ?? (() => new Date())
  const random = options.random ?? Math.random
  const send = options.fetch ?? fetch
  const owner = options.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`
  const windowMs = options.deliveryWindowMs ?? 72 * HOUR
  const timeoutMs = options.attemptTimeoutMs ?? 10 * SECOND
  const leaseMs = options.leaseMs ?? 2 * timeoutMs + 5 * SECOND
  if (!(leaseMs > timeoutMs)) throw new RangeError('webhook delivery: leaseMs must be longer than attemptTimeoutMs')
  const baseDelayMs = options.baseDelayMs ?? 10 * SECOND
  const maxDelayMs = options.maxDelayMs ?? HOUR
  const batchSize = Math.max(1, options.batchSize ?? 20)
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const reportAfter = Math.max(1, options.failureReportAfter ?? 5)
  const keepFinishedMs = options.keepFinishedMs ?? 7 * 24 * HOUR
  const log = options.logger
  const byId = new Map(options.endpoints.map((e) => [endpointId(e), e]))
  const ids = [...byId.keys()]
  /** Failed attempts in a row per endpoint, in this instance: for the "failing" / "recovered" log lines. */
  const failuresInRow = new Map<string, number>()
  let lastPurge = 0
  let stopping = false

  function backoff(attemptsBefore: number): number {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attemptsBefore, 30))
    return random() * ceiling
  }

  async function attempt(d: OutboxDelivery): Promise<{ ok: true } | { ok: false; error: string }> {
    const endpoint = byId.get(d.endpoint)!
    const secrets = [endpoint.secret, ...(endpoint.previousSecret ? [endpoint.previousSecret] : [])]
    try {
      const res = await send(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'faceid-kit-webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(d.body, secrets, now()),
          [EVENT_ID_HEADER]: d.eventId,
          [EVENT_TYPE_HEADER]: d.type,
        },
        body: d.body,
        // A redirect is an answer of its own, not a delivery: payment webhooks do not follow them either.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      })
      // The answer's body is not needed; drop it rather than read an endpoint's arbitrary output.
      await res.body?.cancel().catch(() => undefined)
      return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` }
    } catch (error) {
      return { ok: false, error: describe(error) }
    }
  }

  function noteOutcome(endpoint: string, ok: boolean, error?: string): void {
    const before = failuresInRow.get(endpoint) ?? 0
    if (ok) {
      if (before >= reportAfter) log?.info({ endpoint: byId.get(endpoint)?.url, failedAttempts: before }, 'webhook endpoint recovered')
      failuresInRow.set(endpoint, 0)
      return
    }
    failuresInRow.set(endpoint, before + 1)
    if (before + 1 === reportAfter) log?.warn({ endpoint: byId.get(endpoint)?.url, failedAttempts: before + 1, error }, 'webhook endpoint failing; events are kept and retried')
  }

  async function deliver(d: OutboxDelivery, tally: WebhookDeliveryPassResult): Promise<boolean> {
    if (stopping) {
      await outbox.release(db, d.id, owner)
      return false
    }
    // Renewed right before the POST: the lease then outlasts the attempt, so no other instance
    // can take the event over while it is in flight.
    if (!(await outbox.renew(db, d.id, owner, now(), leaseMs))) {
      tally.lost += 1
      return false
    }
    const outcome = await attempt(d)
    const at = now()
    noteOutcome(d.endpoint, outcome.ok, outcome.ok ? undefined : outcome.error)
    if (outcome.ok) {
      await outbox.settle(db, d.id, owner, at, { state: 'delivered' })
      tally.delivered += 1
      return true
    }
    const deadline = d.createdAt.getTime() + windowMs
    if (at.getTime() >= deadline) {
      await outbox.settle(db, d.id, owner, at, { state: 'failed', error: outcome.error })
      tally.gaveUp += 1
      log?.warn({ endpoint: byId.get(d.endpoint)?.url, eventId: d.eventId, type: d.type, attempts: d.attempts + 1, error: outcome.error }, 'webhook event given up after the delivery window')
      return false
    }
    // The last try falls on the window's end rather than past it.
    const next = new Date(Math.min(at.getTime() + backoff(d.attempts), deadline))
    await outbox.settle(db, d.id, owner, at, { state: 'pending', error: outcome.error, nextAttemptAt: next })
    tally.retried += 1
    return false
  }

  async function pass(): Promise<WebhookDeliveryPassResult> {
    const tally: WebhookDeliveryPassResult = { claimed: 0, delivered: 0, retried: 0, gaveUp: 0, lost: 0 }
    // Delivering an event can release the token's next one, so claim again while progress is made.
    let progress = true
    while (!stopping && progress) {
      const batch = await outbox.claim(db, { owner, now: now(), leaseMs, limit: batchSize, endpoints: ids })
      if (batch.length === 0) break
      tally.claimed += batch.length
      progress = false
      let next = 0
      const worker = async () => {
        while (next < batch.length) {
          const d = batch[next++]!
          if (await deliver(d, tally)) progress = true
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker))
    }
    const at = now().getTime()
    if (at - lastPurge > HOUR) {
      lastPurge = at
      await outbox.purgeFinished(db, new Date(at - keepFinishedMs))
    }
    if (tally.claimed > 0) log?.info({ owner, ...tally }, 'webhook delivery pass')
    return tally
  }

  const job = createPeriodicJob({ name: 'webhook delivery', intervalMs: options.intervalMs ?? 5 * SECOND, logger: log, run: pass })

  return {
    owner,
    runOnce: () => job.runOnce(),
    start() {
      stopping = false
      job.start()
    },
    async stop() {
      stopping = true
      await job.stop()
    },
    async health() {
      return (await outbox.health(db, ids)).map((h) => ({ ...h, url: byId.get(h.endpoint)!.url, failing: h.oldestPendingAttempts >= reportAfter }))
    },
  }
}

/** A log-safe reason: a timeout, a socket error code, or the error's name. Never a body. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout'
    const cause = (error as { cause?: { code?: unknown } }).cause
    if (cause && typeof cause.code === 'string') return cause.code
    return error.name
  }
  return 'error'
}
