import crypto from 'node:crypto'
import os from 'node:os'
import { UpstreamError } from '../errors/index.js'
import type { Gateway } from '../providers/tencent/client.js'
import { mapClients, PROVIDER_LABELS, type OtherProviderClients } from '../providers/registry.js'
import type { MegviiThresholdKey } from '../providers/megvii/actions.js'
import type { ClaimedToken, Ledger, SweepCounts } from '../store/ledger.js'
import { withRetries, type RetryOptions } from '../resilience/retry.js'
import { TokenBucket, withRateLimit } from '../resilience/token-bucket.js'
import { createPeriodicJob, type JobLogger } from './periodic.js'
import { Verifier } from '../verification/verifier.js'


export interface SweeperOptions {
  ledger: Ledger
  /** The Tencent gateway, without retries or rate limits: the sweeper adds its own. */
  gateway: Gateway
  /** The other configured providers' clients, bare like `gateway`; their open tokens are swept the same way. */
  providers?: OtherProviderClients
  ruleId?: string | undefined
  merchantId?: string | undefined
  /** As in `VerifierOptions`. Default 300. */
  finalMarginSeconds?: number
  /** As in `VerifierOptions`: the parts of a result to fetch. Default there: text only. */
  infoType?: string | undefined
  /** As in `VerifierOptions`: Megvii's pass threshold. Default there: `'1e-4'`. */
  megviiThreshold?: MegviiThresholdKey | undefined
  /** Business clock (leases, schedules, finality). Default `() => new Date()`. */
  now?: () => Date
  /** Result fetches per second, retries included. Default 5. Ignored when `bucket` is given. */
  qps?: number
  /** A bucket shared with whatever else should count against the same cap. */
  bucket?: TokenBucket
  /** Retries of one fetch inside a pass. Default 2 attempts. */
  retry?: RetryOptions
  /** Unique per instance. Default `<hostname>:<pid>:<random>`. */
  owner?: string
  /** How long a claim holds a token. Must outlast a whole batch. Default 300 s. */
  leaseMs?: number
  /** Tokens claimed at once. Default 20. */
  batchSize?: number
  /** Fetches in flight at once (the bucket still paces them). Default 4. */
  concurrency?: number
  /** First sweep of a token this long after it was issued: before that the user is usually still verifying. Default 60 s. */
  firstFetchAfterMs?: number
  /** Wait after a fetch that found the token still open, doubling each time. Default 60 s. */
  pendingBaseMs?: number
  /** Longest such wait. Default 15 min. */
  pendingMaxMs?: number
  /** Wait after a failed fetch, doubling each time (with jitter). Default 30 s. */
  errorBaseMs?: number
  /** Longest such wait. Default 30 min. */
  errorMaxMs?: number
  /** Time between passes of the background loop. Default 30 s. */
  intervalMs?: number
  /**
   * Tencent keeps results this long; a token still failing past it is given up. Default 3 days.
   * Flows of other providers use their own (Megvii: a month).
   */
  retentionMs?: number
  logger?: JobLogger | undefined
  /** Injected for tests: [0, 1). */
  random?: () => number
}

export interface SweepPassResult {
  /** Tokens claimed in this pass. */
  claimed: number
  /** Fetches that stored a result (final or not). */
  fetched: number
  /** Tokens that became final. */
  finalized: number
  /** Fetches that failed (retried in a later pass). */
  errors: number
  /** Tokens past their provider's retention that could never be fetched. */
  gaveUp: number
  /** Counts after the pass. */
  remaining: SweepCounts
}

export interface Sweeper {
  readonly owner: string
  /** One pass: claims and fetches due tokens until none is due (or `stop()` is called). */
  runOnce(): Promise<SweepPassResult>
  /** Starts the background loop (a pass now, then every `intervalMs`). */
  start(): void
  /** Stops the loop, waits for the current fetches, and hands back unprocessed claims. */
  stop(): Promise<void>
}

const SECOND = 1000
const MINUTE = 60 * SECOND

/**
 * Re-fetches every token that is not final until it is (invariant 3 in docs/architecture.md).
 * State lives in the ledger (schedule and leases), so a restarted or a second instance carries on
 * where it stopped.
 */
export function createSweeper(options: SweeperOptions): Sweeper {
  const now = options.now ?? (() => new Date())
  const random = options.random ?? Math.random
  const owner = options.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`
  const leaseMs = options.leaseMs ?? 5 * MINUTE
  const batchSize = Math.max(1, options.batchSize ?? 20)
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const firstFetchAfterMs = options.firstFetchAfterMs ?? MINUTE
  const pendingBaseMs = options.pendingBaseMs ?? MINUTE
  const pendingMaxMs = options.pendingMaxMs ?? 15 * MINUTE
  const errorBaseMs = options.errorBaseMs ?? 30 * SECOND
  const errorMaxMs = options.errorMaxMs ?? 30 * MINUTE
  const intervalMs = options.intervalMs ?? 30 * SECOND
  const retentionMs = options.retentionMs ?? 3 * 24 * 60 * MINUTE
  const marginMs = (options.finalMarginSeconds ?? 300) * SECOND
  const bucket = options.bucket ?? new TokenBucket({ ratePerSecond: options.qps ?? 5 })
  const log = options.logger
  const ledger = options.ledger
  // Each attempt, retries included, waits for the bucket: the cap counts calls, not tokens. One
  // bucket for every provider keeps the cap simple; each provider's client gets its own retries.
  const { tencent, ...providers } = mapClients({ ...options.providers, tencent: options.gateway }, (client, name) =>
    withRetries(withRateLimit(client, bucket), { attempts: 2, provider: PROVIDER_LABELS[name], ...options.retry }),
  )
  const verifier = new Verifier({
    gateway: tencent,
    providers,
    ledger,
    ruleId: options.ruleId,
    merchantId: options.merchantId,
    finalMarginSeconds: options.finalMarginSeconds ?? 300,
    ...(options.infoType ? { infoType: options.infoType } : {}),
    megviiThreshold: options.megviiThreshold,
    now,
  })

  let stopping = false

  /** When to look at a token that is still open after a successful fetch. */
  function nextAfterPending(token: ClaimedToken, at: Date): Date {
    const wait = Math.min(pendingMaxMs, pendingBaseMs * 2 ** Math.min(token.sweepAttempts, 20))
    // Right after lifetime + margin the next fetch is the final one: do not sleep past it.
    const finalAt = token.expiresAt.getTime() + marginMs + SECOND
    const candidate = at.getTime() + wait
    return new Date(finalAt > at.getTime() ? Math.min(candidate, finalAt) : candidate)
  }

  function nextAfterError(token: ClaimedToken, at: Date): Date {
    const ceiling = Math.min(errorMaxMs, errorBaseMs * 2 ** Math.min(token.sweepAttempts, 20))
    // Half fixed, half jitter: spreads instances out yet keeps a floor on the wait.
    return new Date(at.getTime() + ceiling / 2 + random() * (ceiling / 2))
  }

  async function sweepOne(token: ClaimedToken, tally: Omit<SweepPassResult, 'remaining'>): Promise<void> {
    try {
      await verifier.refresh(token)
    } catch (error) {
      tally.errors += 1
      const at = now()
      const reason = error instanceof UpstreamError ? error.tencentCode : error instanceof Error ? error.name : 'Error'
      if (at > Verifier.retentionEnd(token, retentionMs)) {
        // The provider has dropped the result by now: nothing more can be learnt.
        await ledger.giveUp(token.token, owner, `gave up past retention: ${reason}`)
        tally.gaveUp += 1
        log?.warn({ token: token.token, reason }, 'sweeper gave up a token past its provider\'s retention')
        return
      }
      await ledger.releaseClaim(token.token, owner, { attempted: true, nextAttemptAt: nextAfterError(token, at), error: reason })
      return
    }
    tally.fetched += 1
    const stored = await ledger.get(token.token)
    if (stored?.final) {
      tally.finalized += 1
      await ledger.releaseClaim(token.token, owner, { attempted: true, nextAttemptAt: null })
    } else {
      await ledger.releaseClaim(token.token, owner, { attempted: true, nextAttemptAt: nextAfterPending(token, now()) })
    }
  }

  async function pass(): Promise<SweepPassResult> {
    const tally = { claimed: 0, fetched: 0, finalized: 0, errors: 0, gaveUp: 0 }
    while (!stopping) {
      const batch = await ledger.claimDue({ owner, now: now(), leaseMs, limit: batchSize, firstFetchAfterMs })
      if (batch.length === 0) break
      tally.claimed += batch.length
      let next = 0
      const worker = async () => {
        while (next < batch.length) {
          const token = batch[next++]!
          // Hand unprocessed claims back so another instance need not wait for the lease to lapse.
          if (stopping) await ledger.releaseClaim(token.token, owner, { attempted: false, nextAttemptAt: null })
          else await sweepOne(token, tally)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker))
    }
    const remaining = await ledger.sweepCounts(now(), firstFetchAfterMs)
    const result = { ...tally, remaining }
    if (tally.claimed > 0) log?.info({ owner, ...result }, 'sweep pass')
    return result
  }

  const job = createPeriodicJob({ name: 'sweep pass', intervalMs, logger: log, run: pass })

  return {
    owner,
    // One pass at a time per sweeper; a second caller joins the running one.
    runOnce: () => job.runOnce(),
    start() {
      stopping = false
      job.start()
    },
    async stop() {
      // Unprocessed claims of the pass under way are handed back (see `pass`).
      stopping = true
      await job.stop()
    },
  }
}
