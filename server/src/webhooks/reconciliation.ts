import type { ReconcileReport } from '../billing/reconcile.js'
import type { Ledger } from '../store/ledger.js'
import { reconciliationEvent } from './events.js'

/**
 * Writes one `reconciliation.discrepancy` event per discrepancy of a report to the outbox.
 * Event ids derive from the day, kind, token (and Seq), so reconciling a day again adds nothing
 * already sent. `not_final` is left out: it is a "wait", not a finding, and resolves by itself.
 */
export async function recordDiscrepancyEvents(ledger: Ledger, report: ReconcileReport, at: Date): Promise<number> {
  const events = report.discrepancies.filter((d) => d.kind !== 'not_final').map((d) => reconciliationEvent(report.date, { ...d }, at))
  await ledger.recordEvents(events)
  return events.length
}
