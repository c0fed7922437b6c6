/**
 * TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature v3), both directions: `signTc3` builds the
 * Authorization header as the SDK does (used by tests for raw requests), `verifyTc3` checks one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { apiErrors } from './errors.js'

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256'

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest()

/** The UTC date (YYYY-MM-DD) of a unix timestamp in seconds: the date in the credential scope. */
export function utcDate(timestampSeconds: number): string {
  return new Date(timestampSeconds * 1000).toISOString().slice(0, 10)
}

interface SignatureInput {
  method: string
  /** path + query as sent, e.g. `/` */
  path: string
  query: string
  /** lowercase header name → value, for the signed headers, in signed order */
  canonicalHeaders: [string, string][]
  /** SHA-256 of the body, lowercase hex. */
  bodyHash: string
  timestamp: number
  date: string
  service: string
  secretKey: string
}

/**
 * The signing key of a day and service: three HMACs that every request of that day repeats, so
 * they are kept for the few (SecretKey, date, service) triples a process meets.
 */
const signingKeys = new Map<string, Buffer>()
const SIGNING_KEYS_KEPT = 64

function signingKey(secretKey: string, date: string, service: string): Buffer {
  const id = `${date}\n${service}\n${secretKey}`
  let key = signingKeys.get(id)
  if (key === undefined) {
    if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.clear()
    key = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request')
    signingKeys.set(id, key)
  }
  return key
}

function computeSignature(input: SignatureInput): string {
  const headerLines = input.canonicalHeaders.map(([name, value]) => `${name}:${value}\n`).join('')
  const signedHeaders = input.canonicalHeaders.map(([name]) => name).join(';')
  const canonicalRequest = [input.method, input.path, input.query, headerLines, signedHeaders, input.bodyHash].join('\n')
  const scope = `${input.date}/${input.service}/tc3_request`
  const stringToSign = [TC3_ALGORITHM, String(input.timestamp), scope, sha256Hex(canonicalRequest)].join('\n')
  return createHmac('sha256', signingKey(input.secretKey, input.date, input.service)).update(stringToSign, 'utf8').digest('hex')
}

export interface SignOptions {
  secretId: string
  secretKey: string
  /** The SDK uses `endpoint.split('.')[0]`, i.e. `127` for `127.0.0.1:PORT`. */
  service: string
  /** Host as signed: the SDK signs the hostname without the port. */
  host: string
  timestamp: number
  body: string
  contentType?: string
}

/** Builds an `Authorization` header value for a POST to `/`. */
export function signTc3(options: SignOptions): string {
  const date = utcDate(options.timestamp)
  const signature = computeSignature({
    method: 'POST',
    path: '/',
    query: '',
    canonicalHeaders: [
      ['content-type', (options.contentType ?? 'application/json').toLowerCase()],
      ['host', options.host.toLowerCase()],
    ],
    bodyHash: sha256Hex(options.body),
    timestamp: options.timestamp,
    date,
    service: options.service,
    secretKey: options.secretKey,
  })
  return `${TC3_ALGORITHM} Credential=${options.secretId}/${date}/${options.service}/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`
}

interface ParsedAuthorization {
  secretId: string
  date: string
  service: string
  signedHeaders: string[]
  signature: string
}

const AUTH_PATTERN =
  /^TC3-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,\s]+)\/tc3_request\s*,\s*SignedHeaders=([a-z0-9;-]+)\s*,\s*Signature=([0-9a-f]{64})$/

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) throw apiErrors.invalidAuthorization('the header is missing')
  const match = AUTH_PATTERN.exec(header.trim())
  if (!match) throw apiErrors.invalidAuthorization('expected `TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`')
  const signedHeaders = match[4]!.split(';')
  if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) {
    throw apiErrors.invalidAuthorization('SignedHeaders must include content-type and host')
  }
  return { secretId: match[1]!, date: match[2]!, service: match[3]!, signedHeaders, signature: match[5]! }
}

export interface VerifyRequest {
  method: string
  /** The request target, e.g. `/` or `/?a=b`. */
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface VerifyContext {
  /** SecretId → SecretKey */
  credentials: ReadonlyMap<string, string>
  nowSeconds: number
  maxSkewSeconds: number
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** Reads and checks X-TC-Timestamp; returns it. */
export function checkTimestamp(headers: IncomingHttpHeaders, nowSeconds: number, maxSkewSeconds: number): number {
  const raw = headerValue(headers, 'x-tc-timestamp')
  if (raw === undefined || raw === '') throw apiErrors.missingParameter('X-TC-Timestamp')
  if (!/^\d{1,12}$/.test(raw)) throw apiErrors.invalidParameter('The parameter `X-TC-Timestamp` is not a valid unix timestamp.')
  const timestamp = Number(raw)
  if (Math.abs(nowSeconds - timestamp) > maxSkewSeconds) throw apiErrors.signatureExpire(timestamp, nowSeconds, maxSkewSeconds)
  return timestamp
}

/**
 * Verifies a TC3 request; returns the SecretId. Throws an `ApiError` in Tencent's order of checks:
 * malformed header, expired timestamp, unknown SecretId, wrong signature.
 */
export function verifyTc3(request: VerifyRequest, context: VerifyContext): string {
  const auth = parseAuthorization(headerValue(request.headers, 'authorization'))
  const timestamp = checkTimestamp(request.headers, context.nowSeconds, context.maxSkewSeconds)
  const secretKey = context.credentials.get(auth.secretId)
  if (secretKey === undefined) throw apiErrors.secretIdNotFound()
  if (auth.date !== utcDate(timestamp)) throw apiErrors.signatureFailure()

  const queryAt = request.url.indexOf('?')
  const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt)
  const query = queryAt < 0 ? '' : request.url.slice(queryAt + 1)
  const hostHeader = (headerValue(request.headers, 'host') ?? '').trim().toLowerCase()
  // The Node SDK signs the hostname without the port while sending `Host` with it; accept both,
  // the SDK's form first (each try is a signature computed).
  const withoutPort = hostHeader.replace(/:\d+$/, '')
  const hostCandidates = withoutPort === hostHeader ? [hostHeader] : [withoutPort, hostHeader]
  const bodyHash = sha256Hex(request.body)

  const expected = Buffer.from(auth.signature, 'hex')
  for (const host of hostCandidates) {
    const canonicalHeaders = auth.signedHeaders.map((name): [string, string] => [
      name,
      name === 'host' ? host : (headerValue(request.headers, name) ?? '').trim().toLowerCase(),
    ])
    const actual = Buffer.from(
      computeSignature({
        method: request.method.toUpperCase(),
        path,
        query,
        canonicalHeaders,
        bodyHash,
        timestamp,
        date: auth.date,
        service: auth.service,
        secretKey,
      }),
      'hex',
    )
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return auth.secretId
  }
  throw apiErrors.signatureFailure()
}
