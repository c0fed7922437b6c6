import type { Context, Next } from 'koa'
import getRawBody from 'raw-body'
import { BadRequestError, FaceidError } from '../errors/index.js'

/** Whether the request declares a body (a length above 0, or a chunked one). */
function hasBody(ctx: Context): boolean {
  const length = ctx.get('content-length')
  return length !== '' ? Number(length) > 0 : ctx.get('transfer-encoding') !== ''
}

/**
 * Requests with a body must say it is JSON, in UTF-8 (RFC 8259), not compressed (no client of
 * the kit compresses requests); anything else is refused before parsing.
 */
export async function requireJson(ctx: Context, next: Next): Promise<void> {
  if (hasBody(ctx)) {
    const contentType = ctx.get('content-type')
    const semicolon = contentType.indexOf(';')
    const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
    if (essence !== 'application/json') throw new FaceidError(415, 'unsupported_media_type', 'Send JSON (Content-Type: application/json)')
    const charset = semicolon === -1 ? undefined : /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType)?.[1]?.toLowerCase()
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new FaceidError(415, 'unsupported_encoding', 'JSON must be UTF-8')
    const encoding = ctx.get('content-encoding').trim().toLowerCase()
    if (encoding !== '' && encoding !== 'identity') throw new FaceidError(415, 'unsupported_encoding', 'Send the body uncompressed')
  }
  await next()
}

/**
 * The body of a route that takes no input: empty, or the JSON object `{}`. It is read (up to
 * `limit`, a byte count or a string such as `'16kb'`) only to tell these apart from anything
 * else; nothing in it is used, so no general parser runs on the issuance path. Put it after
 * `requireJson`. Errors: `invalid_json` (400) for text that is not a JSON object or array,
 * `invalid_body` (400) for any other JSON, and raw-body's own (413 `entity.too.large`,
 * 400 `request.aborted` …), which the error handler names. A body the partner's app parsed
 * already (a body parser mounted before the kit's routes) is checked as parsed.
 */
export function emptyJsonBody(options: { limit: string | number; message: string }) {
  const limit = byteCount(options.limit)
  return async function readEmptyJsonBody(ctx: Context, next: Next): Promise<void> {
    const parsed = (ctx.request as { body?: unknown }).body
    if (parsed !== undefined) {
      if (!isEmptyObject(parsed)) throw new BadRequestError('invalid_body', options.message)
    } else if (hasBody(ctx)) {
      const length = ctx.get('content-length')
      const text = (await getRawBody(ctx.req, { length: length === '' ? undefined : length, limit })).toString('utf8').trim()
      if (text !== '') checkEmptyObject(text, options.message)
    }
    await next()
  }
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 }

/** A size such as `'16kb'` (b, kb, mb; 1024-based, as body parsers count) in bytes. */
export function byteCount(size: string | number): number {
  if (typeof size === 'number' && Number.isInteger(size) && size >= 0) return size
  const match = typeof size === 'string' ? /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(size.trim()) : null
  if (!match) throw new RangeError(`not a size such as '16kb': ${JSON.stringify(size)}`)
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!)
}

function checkEmptyObject(text: string, message: string): void {
  let value: unknown
  // JSON.parse's own message may quote the body back: the error says only what went wrong.
  const invalid = () => new BadRequestError('invalid_json', 'The body is not valid JSON (an object or an array)')
  // Strict JSON, as the other routes take it: an object or an array, not a bare value.
  if (text[0] !== '{' && text[0] !== '[') throw invalid()
  try {
    value = JSON.parse(text)
  } catch {
    throw invalid()
  }
  if (!isEmptyObject(value)) throw new BadRequestError('invalid_body', message)
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
}
