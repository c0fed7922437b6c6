import type { Ledger } from '../store/ledger.js'
import { createPeriodicJob, type JobLogger, type PeriodicJob } from './periodic.js'

export interface PersonalDataPurgeOptions {
  ledger: Ledger
  /** Sealed personal data of final results fetched longer ago than this is deleted. */
  retentionDays: number
  /** Default hourly. */
  intervalMs?: number
  now?: () => Date
  logger?: JobLogger | undefined
}

/** Deletes the sealed personal part of old final results (status, codes and billing stay). */
export function createPersonalDataPurge(options: PersonalDataPurgeOptions): PeriodicJob<number> {
  if (!(options.retentionDays >= 0)) throw new RangeError('personal data retention must be ≥ 0 days')
  const now = options.now ?? (() => new Date())
  return createPeriodicJob({
    name: 'personal data purge',
    intervalMs: options.intervalMs ?? 3_600_000,
    logger: options.logger,
    run: async () => {
      const at = now()
      const purged = await options.ledger.purgePersonalData(new Date(at.getTime() - options.retentionDays * 86_400_000), at)
      if (purged > 0) options.logger?.info({ purged, retentionDays: options.retentionDays }, 'personal data purged')
      return purged
    },
  })
}
