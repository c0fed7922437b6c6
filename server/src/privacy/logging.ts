import type { Context, Next } from 'koa'
import pino, { type DestinationStream, type Logger } from 'pino'

/**
 * Logs never carry personal data or secrets (invariant 6 in docs/architecture.md). Three layers:
 * 1. `redact` paths for the usual places (headers, credentials);
 * 2. a formatter that walks every logged object: values under personal or secret keys are
 *    replaced, errors become plain objects, strings are scrubbed;
 * 3. a last pass over each serialized line (messages and child bindings included) that removes
 *    ID numbers, mobile numbers, JWTs, bearer tokens, long base64 (media) and the configured
 *    secret values.
 */

export const REDACTED = '[redacted]'

/** Keys whose values are personal data or secrets wherever they appear (case-insensitive). */
const SENSITIVE_KEY =
  /^(name|realname|fullname|identity|id_?card\w*|idcard\w*|idno|id_?number|ocr\w+|[\w-]*mobile[\w-]*|[\w-]*phone[\w-]*|tel|location|address|passno|visanum|birth\w*|extra|user_?info|eid_?info|eid_?code|eid_?sign|des_?key|best_?frames?|avatar|ocr_?front|ocr_?back|processed\w*image|\w*video\w*|\w*audio\w*|\w*image\w*|screenshot|authorization|proxy-authorization|cookie|set-cookie|x-test-user|\w*secret\w*|\w*password\w*|\w*data_?keys?|session_?token|access_?token|refresh_?token|jwt|bearer|encrypted_?body|ciphertext_?blob|result_?sealed)$/i

/** Standard places, for pino's own redaction. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'config.secretKey',
  'config.sessionSecret',
  'secretKey',
  'SecretKey',
  'sessionSecret',
  'identity',
  '*.identity',
]

const ID_NUMBER = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi
const LONG_BASE64 = /[A-Za-z0-9+/]{200,}={0,2}/g
/**
 * A mainland mobile number (1[3-9]x xxxx xxxx), with an optional +86 / 0086 / 86 prefix and the
 * usual space or hyphen groups; standalone only, so longer numbers (timestamps, IDs) stay.
 */
const MOBILE = /(?<![0-9A-Za-z])(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9A-Za-z])/g

export interface ScrubOptions {
  /** Secret values (API keys, session and data keys) to remove wherever they appear. */
  secrets?: readonly (string | undefined)[]
}

function secretList(options: ScrubOptions): string[] {
  // Short values would blank out ordinary words; a real secret is longer.
  return [...new Set((options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8))]
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Each list of secrets' pattern, made once: the logger scrubs every string of every line with it. */
const secretPatterns = new WeakMap<readonly string[], RegExp | null>()

/** One pattern for every secret as written and as JSON escapes it, the longest first (a secret holding another goes whole). */
function secretPattern(secrets: readonly string[]): RegExp | null {
  let pattern = secretPatterns.get(secrets)
  if (pattern === undefined) {
    const forms = [...new Set(secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]))].sort((a, b) => b.length - a.length)
    pattern = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : null
    secretPatterns.set(secrets, pattern)
  }
  return pattern
}

/** Removes ID numbers, mobile numbers, tokens, long base64 and the given secrets from free text. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  const pattern = secrets.length > 0 ? secretPattern(secrets) : null
  const out = pattern ? text.replace(pattern, REDACTED) : text
  return out
    .replace(JWT, '[jwt]')
    .replace(BEARER, '$1 [redacted]')
    .replace(LONG_BASE64, (m) => `[base64 ${m.length} chars]`)
    .replace(ID_NUMBER, '[id-number]')
    .replace(MOBILE, '[mobile]')
}

/** A deep copy of `value` safe to log. */
export function scrubValue(value: unknown, secrets: readonly string[] = [], depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value, secrets)
  if (value === null || typeof value !== 'object') return value
  if (depth > 8) return '[deep]'
  if (seen.has(value)) return '[circular]'
  seen.add(value)
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>
    const out: Record<string, unknown> = { type: e.name, message: scrubText(e.message, secrets) }
    if (e.stack) out['stack'] = scrubText(e.stack, secrets)
    // Keep the diagnostic fields our errors carry; drop anything else (SDK errors hold requests).
    for (const k of ['code', 'status', 'tencentCode', 'requestId', 'action', 'retryable']) {
      if (e[k] !== undefined) out[k] = scrubValue(e[k], secrets, depth + 1, seen)
    }
    if (e.cause !== undefined) out['cause'] = scrubValue(e.cause, secrets, depth + 1, seen)
    return out
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1, seen))
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[binary ${(value as ArrayBufferView).byteLength} bytes]`
  if (value instanceof Date) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : scrubValue(v, secrets, depth + 1, seen)
  }
  return out
}

export interface CreateLoggerOptions extends ScrubOptions {
  /** Where lines go. Default stdout. */
  destination?: DestinationStream
  level?: string
  name?: string
}

/** The kit's logger: pino with the redaction layers above. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = secretList(options)
  return pino(
    {
      name: options.name ?? 'faceid-kit',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { log: (object) => scrubValue(object, secrets) as Record<string, unknown> },
      // Errors are already plain, scrubbed objects (see scrubValue); pino's serializer would re-type them.
      serializers: { err: (error: unknown) => error },
      hooks: { streamWrite: (line) => scrubText(line, secrets) },
    },
    options.destination ?? pino.destination(1),
  )
}

/** `/faceid/biz-token/AbC…` → keeps 4 characters of anything token-like. */
function shortenTokens(path: string): string {
  return path.replace(/[A-Za-z0-9_-]{20,}/g, (m) => `${m.slice(0, 4)}…`)
}

/**
 * One line per request: method, route pattern (not the concrete path, which holds tokens),
 * status and duration. Mount it first.
 */
export function requestLogger(log: Logger) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint()
    try {
      await next()
    } finally {
      const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute
      const route = typeof matched === 'string' ? matched : undefined
      const durationMs = Number((process.hrtime.bigint() - started) / 1000n) / 1000
      const entry: Record<string, unknown> = { method: ctx.method, status: ctx.status, durationMs }
      if (route) entry['route'] = route
      else entry['path'] = shortenTokens(ctx.path.slice(0, 200))
      const level = ctx.status >= 500 ? 'error' : ctx.status >= 400 ? 'warn' : 'info'
      log[level](entry, 'request')
    }
  }
}
