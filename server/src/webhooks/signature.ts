/**
 * The webhook signature, the scheme of payment webhooks: the header
 * `FaceID-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` — one `v1` per
 * secret the sender holds, so both secrets are valid while one is rotated. The timestamp is
 * signed with the body, so a receiver that checks it against a tolerance window refuses replays.
 */
import crypto from 'node:crypto'
import { FaceidError } from '../errors/index.js'
import type { WebhookEvent } from './events.js'

export const SIGNATURE_HEADER = 'faceid-signature'
export const EVENT_ID_HEADER = 'faceid-event-id'
export const EVENT_TYPE_HEADER = 'faceid-event-type'
/** Default tolerance of `verifyWebhook`: the signed timestamp may be this far from the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300

/** The hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function computeSignature(secret: string, timestamp: number, body: string | Uint8Array): string {
  const hmac = crypto.createHmac('sha256', secret)
  hmac.update(`${timestamp}.`)
  hmac.update(body)
  return hmac.digest('hex')
}

/** The `FaceID-Signature` header value for a body sent at `at`, signed with every secret given. */
export function signatureHeader(body: string, secrets: readonly string[], at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000)
  return [`t=${t}`, ...secrets.map((s) => `v1=${computeSignature(s, t, body)}`)].join(',')
}

export type WebhookVerificationFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch'
  | 'malformed_body'

/** Thrown by `verifyWebhook`: answer it with 400 and do not act on the body. */
export class WebhookVerificationError extends FaceidError {
  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
  ) {
    super(400, 'webhook_verification_failed', message)
  }
}

/** Node's `req.headers`, a Fetch `Headers`, or a plain record. */
export type WebhookHeaders = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>

export interface VerifyWebhookOptions {
  /** Largest gap between the signed timestamp and this receiver's clock, seconds. Default 300. */
  toleranceSeconds?: number
  /** The receiver's clock (tests). */
  now?: () => Date
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  const key = Object.keys(record).find((k) => k.toLowerCase() === name)
  const value = key === undefined ? undefined : record[key]
  // Two signature headers are refused rather than guessed between.
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined
  return value as string | undefined
}

/**
 * Checks a webhook request on the receiving side and returns its event. `rawBody` must be the
 * body exactly as received (a parsed and re-serialised object would not match the signature).
 * `secret` may be a list: during a rotation, accept the new secret and the old one. Throws
 * `WebhookVerificationError` for a missing, malformed or forged signature and for a timestamp
 * outside the tolerance window (a replay, or a clock far off).
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const secrets = (typeof secret === 'string' ? [secret] : [...secret]).filter((s) => typeof s === 'string' && s !== '')
  if (secrets.length === 0) throw new TypeError('verifyWebhook: no secret given')
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new WebhookVerificationError('malformed_body', 'verifyWebhook needs the raw body (a string or a Buffer), not a parsed object')
  }
  const value = header(headers, SIGNATURE_HEADER)
  if (!value) throw new WebhookVerificationError('missing_signature', `No single ${SIGNATURE_HEADER} header`)
  let timestamp: number | undefined
  const signatures: Buffer[] = []
  for (const part of value.split(',')) {
    const at = part.indexOf('=')
    if (at < 0) continue
    const k = part.slice(0, at).trim()
    const v = part.slice(at + 1).trim()
    if (k === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(v)) throw new WebhookVerificationError('malformed_signature', 'Bad timestamp in the signature header')
      timestamp = Number(v)
    } else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v)) signatures.push(Buffer.from(v, 'hex'))
  }
  if (timestamp === undefined || signatures.length === 0) throw new WebhookVerificationError('malformed_signature', 'The signature header needs t= and at least one v1=')
  const t = timestamp
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (!(tolerance >= 0)) throw new TypeError('verifyWebhook: toleranceSeconds must be ≥ 0')
  const nowSeconds = (options.now?.() ?? new Date()).getTime() / 1000
  if (Math.abs(nowSeconds - t) > tolerance) {
    throw new WebhookVerificationError('timestamp_outside_tolerance', `The signed timestamp is more than ${tolerance} s from this server's clock`)
  }
  const matches = secrets.some((s) => {
    const expected = Buffer.from(computeSignature(s, t, rawBody), 'hex')
    return signatures.some((given) => crypto.timingSafeEqual(given, expected))
  })
  if (!matches) throw new WebhookVerificationError('signature_mismatch', 'No signature matches the body with the secrets given')
  let event: unknown
  try {
    event = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'))
  } catch {
    throw new WebhookVerificationError('malformed_body', 'The signed body is not JSON')
  }
  if (typeof event !== 'object' || event === null || typeof (event as { id?: unknown }).id !== 'string' || typeof (event as { type?: unknown }).type !== 'string') {
    throw new WebhookVerificationError('malformed_body', 'The signed body is not a webhook event')
  }
  return event as WebhookEvent
}
