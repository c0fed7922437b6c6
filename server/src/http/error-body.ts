import type { ErrorBody } from '@faceid-kit/shared'
import type { Context, Next } from 'koa'
import { FaceidError, LedgerUnavailableError, UpstreamError } from '../errors/index.js'

interface HttpLikeError {
  status?: unknown
  statusCode?: unknown
  expose?: unknown
  type?: unknown
  message?: unknown
}

/** Body-parser and Koa errors carry a status and a `type`; give them stable codes. */
const CODE_BY_TYPE: Record<string, string> = {
  'entity.parse.failed': 'invalid_json',
  'entity.too.large': 'body_too_large',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_encoding',
  'request.aborted': 'request_aborted',
}

/** Fixed messages: a parser's own message may quote the request body back (V8's JSON errors do). */
const MESSAGE_BY_CODE: Record<string, string> = {
  invalid_json: 'The body is not valid JSON (an object or an array)',
  body_too_large: 'The body is too large',
  unsupported_encoding: 'Unsupported content or character encoding',
  request_aborted: 'The request was aborted',
}

export function toErrorBody(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof FaceidError) {
    const message = error.expose ? error.message : 'Internal server error'
    return { status: error.status, body: { error: { code: error.code, message } }, headers: error.headers }
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpLikeError
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status >= 400 && status < 500) {
    // co-body reports JSON it cannot parse as a SyntaxError with status 400 and no `type`.
    const code = (typeof e.type === 'string' && CODE_BY_TYPE[e.type]) || (error instanceof SyntaxError ? 'invalid_json' : `http_${status}`)
    const message = MESSAGE_BY_CODE[code] ?? (typeof e.message === 'string' && e.expose !== false ? e.message : 'Bad request')
    return { status, body: { error: { code, message } }, headers: {} }
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error' } }, headers: {} }
}

/**
 * Turns every thrown error into the JSON error body of the HTTP contract (docs/architecture.md).
 * Never echoes stacks, secrets or upstream payloads.
 */
export function errorHandler(options: { onError?: (error: unknown, ctx: Context) => void } = {}) {
  return async function faceidErrorHandler(ctx: Context, next: Next): Promise<void> {
    try {
      await next()
    } catch (error) {
      const { status, body, headers } = toErrorBody(error)
      if (status >= 500) options.onError?.(error, ctx)
      ctx.status = status
      ctx.set(headers)
      ctx.body = body
    }
  }
}

/** The part of a pino logger `errorReporter` writes to. */
export interface ErrorLogger {
  error(obj: object, msg?: string): void
}

export interface ErrorReporterOptions {
  /** At most one line per failure class per this many milliseconds. Default 60 000. */
  intervalMs?: number
  /** Clock, for tests. */
  now?: () => number
}

interface FailureClass {
  key: string
  fields: Record<string, unknown>
}

/** A short description of an error's cause: type, code and message, no stack. */
function causeOf(error: Error): Record<string, unknown> | undefined {
  const cause = error.cause
  if (!(cause instanceof Error)) return undefined
  const code = (cause as Error & { code?: unknown }).code
  return { type: cause.name, ...(typeof code === 'string' && { code }), message: cause.message }
}

/** What an operator acts on: the kind of failure, not the request that met it. */
function classify(error: unknown): FailureClass {
  if (error instanceof FaceidError) {
    const cause = causeOf(error)
    const err = { type: error.name, message: error.message, ...(cause && { cause }) }
    if (error instanceof LedgerUnavailableError) return { key: error.code, fields: { code: error.code, status: error.status, reason: error.reason, err } }
    if (error instanceof UpstreamError) {
      const { action, tencentCode, requestId } = error
      return { key: `${error.code}:${action}:${tencentCode}`, fields: { code: error.code, status: error.status, action, tencentCode, requestId, err } }
    }
    return { key: `${error.code}:${error.name}`, fields: { code: error.code, status: error.status, err } }
  }
  // Not an error the kit expects: a bug. Its stack is logged, once per interval per place.
  const e = error instanceof Error ? error : new Error(String(error))
  const where = /\n\s+at [^\n]*/.exec(e.stack ?? '')?.[0]?.trim() ?? ''
  return { key: `internal_error:${e.name}:${where}`, fields: { code: 'internal_error', status: 500, err: e } }
}

/** How many classes are remembered; more (a flood of distinct bugs) starts afresh rather than grow. */
const MAX_CLASSES = 1000

/**
 * An `onError` for the routes and `errorHandler` that logs one concise line per failure class
 * (`ledger_unavailable`, one Tencent error code of one action, one place of an unexpected
 * error…) per interval, instead of a stack trace per request: an outage at hundreds of requests
 * a second stays a few lines. Later failures of a class within the interval are counted and
 * reported as `suppressed` on its next line. Stacks are logged only for unexpected errors.
 */
export function errorReporter(log: ErrorLogger, options: ErrorReporterOptions = {}): (error: unknown, ctx: Context) => void {
  const intervalMs = options.intervalMs ?? 60_000
  const now = options.now ?? Date.now
  const classes = new Map<string, { until: number; suppressed: number }>()
  return function reportError(error, ctx) {
    const t = now()
    const { key, fields } = classify(error)
    const seen = classes.get(key)
    if (seen && t < seen.until) {
      seen.suppressed += 1
      return
    }
    if (!seen && classes.size >= MAX_CLASSES) classes.clear()
    classes.set(key, { until: t + intervalMs, suppressed: 0 })
    const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute
    const suppressed = seen?.suppressed ?? 0
    log.error({ ...fields, method: ctx.method, route: typeof matched === 'string' ? matched : 'unmatched', ...(suppressed > 0 && { suppressed }) }, 'request failed')
  }
}
