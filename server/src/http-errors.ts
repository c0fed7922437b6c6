import type { ErrorBody } from '@faceid-kit/shared'
import type { Context, Next } from 'koa'
import { FaceidError } from './errors.js'

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
 * Turns every thrown error into the JSON error body of DESIGN §4. Never echoes stacks,
 * secrets or upstream payloads.
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
