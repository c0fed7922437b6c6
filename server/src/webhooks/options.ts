import { ConfigurationError } from '../errors/index.js'
import { endpointId, type WebhookEndpoint } from '../jobs/webhook-delivery.js'

/** The `webhooks` option of `createFaceidKit`. */
export interface WebhookOptions {
  /** One or more endpoints; each gets every event, on its own queue (one endpoint down holds up no other). */
  endpoints: readonly WebhookEndpoint[]
  /** Retry an undelivered event for this long after it was recorded, then give it up and report it. Default 72 (Tencent keeps results 3 days too). */
  deliveryWindowHours?: number
  /** Deadline of one POST, seconds. Default 10. */
  attemptTimeoutSeconds?: number
  /** Full-jitter backoff between attempts: first ceiling and largest ceiling, seconds. Defaults 10 and 3600. */
  retryBaseSeconds?: number
  retryMaxSeconds?: number
  /** Pause between delivery passes, seconds. Default 5. */
  intervalSeconds?: number
  /** Failed attempts in a row after which an endpoint is reported as failing. Default 5. */
  failureReportAfter?: number
}

/** Shortest secret accepted: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_SECRET_LENGTH = 32

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** Checks every webhook setting; throws a `ConfigurationError` naming the bad one. */
export function validateWebhookOptions(options: WebhookOptions, mode: 'live' | 'sandbox', where = 'createFaceidKit'): void {
  const fail = (message: string): never => {
    throw new ConfigurationError(`${where}: ${message}`)
  }
  if (typeof options !== 'object' || options === null) fail('`webhooks` must be an object { endpoints: [{ url, secret }] }')
  if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) fail('`webhooks.endpoints` must list at least one { url, secret }')
  const seen = new Set<string>()
  options.endpoints.forEach((e, i) => {
    const name = `webhooks.endpoints[${i}]`
    if (typeof e !== 'object' || e === null) fail(`\`${name}\` must be an object { url, secret, previousSecret?, id? }`)
    let url: URL | undefined
    try {
      url = typeof e.url === 'string' ? new URL(e.url) : undefined
    } catch {
      url = undefined
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) fail(`\`${name}.url\` must be an absolute http(s) URL`)
    if (url!.username || url!.password) fail(`\`${name}.url\` must not carry credentials (they would end up in logs); authenticate with the signature`)
    if (url!.protocol === 'http:' && mode === 'live' && !LOOPBACK.test(url!.hostname)) {
      fail(`\`${name}.url\` must be https:// (plain http only to a loopback address or in sandbox mode): events carry results`)
    }
    for (const key of ['secret', 'previousSecret'] as const) {
      const value = e[key]
      if (key === 'previousSecret' && value === undefined) continue
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) fail(`\`${name}.${key}\` must be a string of at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`)
    }
    if (e.previousSecret !== undefined && e.previousSecret === e.secret) fail(`\`${name}.previousSecret\` is the same as \`secret\``)
    if (e.id !== undefined && (typeof e.id !== 'string' || e.id.trim() === '' || e.id.length > 200)) fail(`\`${name}.id\` must be a non-empty string`)
    const id = endpointId(e)
    if (seen.has(id)) fail(`\`${name}\` repeats the endpoint ${JSON.stringify(id)}: give each endpoint its own URL or id`)
    seen.add(id)
  })
  const positive = (key: keyof WebhookOptions, max?: number) => {
    const value = options[key]
    if (value === undefined) return
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (max !== undefined && value > max)) fail(`\`webhooks.${key}\` must be a number > 0${max !== undefined ? ` and ≤ ${max}` : ''}`)
  }
  positive('deliveryWindowHours', 24 * 365)
  positive('attemptTimeoutSeconds', 300)
  positive('retryBaseSeconds')
  positive('retryMaxSeconds')
  positive('intervalSeconds')
  positive('failureReportAfter')
  if (options.retryBaseSeconds !== undefined && options.retryMaxSeconds !== undefined && options.retryBaseSeconds > options.retryMaxSeconds) {
    fail('`webhooks.retryBaseSeconds` must not exceed `webhooks.retryMaxSeconds`')
  }
}
