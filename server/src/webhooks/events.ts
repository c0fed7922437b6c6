/**
 * The events the kit sends to a partner's webhook endpoints, and how their bodies are built.
 * A body never carries personal data in clear or media: the identity is masked with the same
 * helpers as the mini-program's answers, whatever the caller passes in.
 */
import crypto from 'node:crypto'
import { maskIdCard, maskName, type MaskedIdentity, type TokenKind, type VerificationStatus } from '@faceid-kit/shared'

/** A verification became final: passed, failed, or expired (no result within the token's life). */
export type VerificationEventType = 'verification.passed' | 'verification.failed' | 'verification.expired'
/** Billing reconciliation found a discrepancy between the ledger and Tencent's bill. */
export type ReconciliationEventType = 'reconciliation.discrepancy'
export type WebhookEventType = VerificationEventType | ReconciliationEventType

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = ['verification.passed', 'verification.failed', 'verification.expired', 'reconciliation.discrepancy']

/** `data` of a `verification.*` event. */
export interface VerificationEventData {
  token: string
  kind: TokenKind
  /** Your user id, as `resolveUser` gave it when the token was issued. */
  userId: string
  status: Exclude<VerificationStatus, 'pending'>
  /** Tencent's `Text.ErrCode` (0: passed); null when no result ever came (expired). */
  code: number | null
  /** Tencent's message or the catalog's; null when none. */
  message: string | null
  /** Whether Tencent charges for this verification (any attempt with `IsNeedCharge`). */
  billable: boolean
  /** Charged attempts. */
  billableCount: number
  /** Masked ("*小宝", "1120**********243X"), or null when the result names nobody. */
  identity: MaskedIdentity | null
}

/** `data` of a `reconciliation.discrepancy` event: one discrepancy of the daily report. */
export interface ReconciliationEventData {
  /** The Beijing day reconciled, `YYYY-MM-DD`. */
  date: string
  /** The discrepancy as the report gives it (`kind`, `token`, `ruleId` and its counts). */
  discrepancy: { kind: string; token: string; ruleId: string | null } & Record<string, string | number | boolean | null>
}

interface EventBase<T extends WebhookEventType, D> {
  /** Stable: the same on every attempt and for every endpoint. Deduplicate on it. */
  id: string
  type: T
  /** When the event was recorded (ISO 8601). */
  createdAt: string
  data: D
}

export type VerificationEvent = EventBase<VerificationEventType, VerificationEventData>
export type ReconciliationEvent = EventBase<ReconciliationEventType, ReconciliationEventData>
/** A webhook event as a receiver parses it from the body. */
export type WebhookEvent = VerificationEvent | ReconciliationEvent

/** An event ready for the outbox: the body is built once and sent as these exact bytes. */
export interface OutboxEvent {
  eventId: string
  type: WebhookEventType
  token: string | null
  body: string
  createdAt: Date
}

/** Ids derive from what the event is about, so writing the same event twice is a no-op. */
function eventId(...parts: string[]): string {
  return 'evt_' + crypto.createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)
}

/** What a final ledger row tells about its verification. */
export interface FinalVerification {
  token: string
  kind: string
  userId: string
  status: VerificationStatus
  code: number | null
  message: string | null
  billableCount: number
  identity?: { name: string; idCard: string } | null | undefined
}

export function verificationEvent(v: FinalVerification, at: Date): OutboxEvent {
  // A final row is never pending; one that was (nothing learnt in time) is reported as expired.
  const status = v.status === 'passed' || v.status === 'failed' ? v.status : 'expired'
  const identity = v.identity && (v.identity.name || v.identity.idCard) ? { name: maskName(v.identity.name), idCard: maskIdCard(v.identity.idCard) } : null
  const type: VerificationEventType = `verification.${status}`
  // A token becomes final once: its final event is one event, whichever instance wrote it.
  const id = eventId('verification.final', v.token)
  const event: VerificationEvent = {
    id,
    type,
    createdAt: at.toISOString(),
    data: {
      token: v.token,
      kind: v.kind as TokenKind,
      userId: v.userId,
      status,
      code: v.code,
      message: v.message,
      billable: v.billableCount > 0,
      billableCount: v.billableCount,
      identity,
    },
  }
  return { eventId: id, type, token: v.token, body: JSON.stringify(event), createdAt: at }
}

export function reconciliationEvent(date: string, discrepancy: ReconciliationEventData['discrepancy'], at: Date): OutboxEvent {
  // One event per discrepancy and day: reconciling the same day again sends nothing new.
  const detail = 'seq' in discrepancy ? String(discrepancy['seq']) : ''
  const id = eventId('reconciliation.discrepancy', date, discrepancy.kind, discrepancy.token, detail)
  const event: ReconciliationEvent = { id, type: 'reconciliation.discrepancy', createdAt: at.toISOString(), data: { date, discrepancy } }
  return { eventId: id, type: 'reconciliation.discrepancy', token: discrepancy.token, body: JSON.stringify(event), createdAt: at }
}
