import { BillNotReadyError, billAvailableAt, previousBeijingDate, pullBill, readBill, ruleScopeOf, type BillPull } from '../billing/bill.js'
import type { Gateway } from '../providers/tencent/client.js'
import type { RetryOptions } from '../resilience/retry.js'
import type { Database } from '../store/database.js'
import { createPeriodicJob, type JobLogger } from './periodic.js'

export interface DailyBillPullOptions {
  db: Database
  gateway: Gateway
  /** The configured RuleId: the kit's own tokens. Unset: every RuleId of the account. */
  ruleId?: string | undefined
  now?: () => Date
  /** How often to check whether yesterday's bill is due. Default 15 min. */
  checkEveryMs?: number
  logger?: JobLogger | undefined
  retry?: RetryOptions
  /** Called after each pull is stored (e.g. to reconcile that day); a failure is logged and does not undo the pull. */
  afterPull?: ((pull: BillPull) => Promise<void>) | undefined
}

export interface DailyBillPull {
  /** Pulls yesterday's bill if it is available and not stored yet; returns the pull it made. */
  tick(): Promise<BillPull | undefined>
  start(): void
  stop(): Promise<void>
}

/**
 * Once a day, after 06:00 Beijing time, pulls the previous day's bill of the configured RuleId
 * (every RuleId when none is configured). Idempotent: the check is "is there a stored pull
 * covering that day", so restarts and several instances at worst pull twice.
 */
export function createDailyBillPull(options: DailyBillPullOptions): DailyBillPull {
  const now = options.now ?? (() => new Date())

  async function tick(): Promise<BillPull | undefined> {
    const date = previousBeijingDate(now())
    if (now() < billAvailableAt(date)) return undefined
    const { missing } = await readBill(options.db, date, ruleScopeOf(options.ruleId))
    if (missing.length === 0) return undefined
    const made = await pullBill({ db: options.db, gateway: options.gateway, date, ruleId: options.ruleId, now, retry: options.retry })
    options.logger?.info({ date, ruleId: made.ruleId || 'all', pages: made.pages, tokens: made.tokens, chargeCount: made.chargeCount }, 'pulled the daily bill')
    if (options.afterPull) {
      await options.afterPull(made).catch((error: unknown) =>
        options.logger?.warn({ date, err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'after the daily bill pull: reconciliation failed'),
      )
    }
    return made
  }

  const job = createPeriodicJob({
    name: 'daily bill pull',
    intervalMs: options.checkEveryMs ?? 15 * 60_000,
    logger: options.logger,
    run: () =>
      tick().catch((error: unknown) => {
        // Expected now and then (a late bill, a clock ahead): the next check tries again.
        if (!(error instanceof BillNotReadyError)) throw error
        options.logger?.info({ date: error.date, retryAfter: error.retryAfter.toISOString(), tencentMessage: error.tencentMessage }, 'the daily bill is not ready yet; will retry')
        return undefined
      }),
  })
  return { tick, start: () => job.start(), stop: () => job.stop() }
}
