/**
 * The HTTP side: `POST /` speaks Tencent API 3.0 (always HTTP 200 with a `Response` wrapper,
 * except injected 5xx / drops), `/sandbox/*` is the sandbox control surface.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { actions, isEmulatorAction, type ActionContext } from './actions.js'
import { ApiError, apiErrors } from './errors.js'
import type { FaultInjector } from './faults.js'
import { playTransportFault } from './transport-faults.js'
import type { QpsLimiter } from './ratelimit.js'
import { handleH5Page, isH5PagePath } from './h5-page.js'
import type { IdentityRegistry } from './checks.js'
import { handleSandbox, type SandboxDeps } from './sandbox.js'
import { verifyTc3 } from './signature.js'
import type { TokenStore } from './store.js'
import type { EmulatorLogger } from './types.js'

export const API_VERSION = '2018-03-01'
/** Tencent's limit for a POST body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024

export interface ServerDeps {
  store: TokenStore
  faults: FaultInjector
  limiter: QpsLimiter
  calls: Record<string, number>
  credentials: ReadonlyMap<string, string>
  now: () => number
  maxSkewSeconds: number
  ruleIds: ReadonlySet<string>
  merchantIds: ReadonlySet<string>
  billPageSize: number
  identities: IdentityRegistry
  logger: EmulatorLogger | undefined
  sandbox: SandboxDeps
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...extraHeaders,
  })
  res.end(payload)
}

/**
 * Runs one API request to its `Response` body; throws `ApiError` for Tencent errors.
 * `arrivedAt`: when the request reached the emulator, which is what Tencent's rate limits count.
 */
function runApi(req: IncomingMessage, body: Buffer, arrivedAt: number, deps: ServerDeps): Record<string, unknown> {
  const method = req.method ?? 'GET'
  if (method !== 'POST') throw apiErrors.unsupportedOperation('The FaceID emulator only accepts POST requests with a JSON body.')
  const secretId = verifyTc3(
    { method, url: req.url ?? '/', headers: req.headers, body },
    { credentials: deps.credentials, nowSeconds: Math.floor(deps.now() / 1000), maxSkewSeconds: deps.maxSkewSeconds },
  )
  const action = header(req, 'x-tc-action')
  if (!action) throw apiErrors.missingParameter('X-TC-Action')
  const version = header(req, 'x-tc-version')
  if (!version) throw apiErrors.missingParameter('X-TC-Version')
  if (version !== API_VERSION) throw apiErrors.noSuchVersion(version)
  if (!isEmulatorAction(action)) throw apiErrors.invalidAction(action)

  const verdict = deps.limiter.check(action, secretId, arrivedAt)
  if (!verdict.ok) throw apiErrors.requestLimitExceeded(verdict.count, verdict.limit)

  const contentType = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (contentType !== 'application/json') throw apiErrors.invalidParameter('The Content-Type must be application/json.')
  let params: unknown = {}
  if (body.length > 0) {
    try {
      params = JSON.parse(body.toString('utf8'))
    } catch {
      throw apiErrors.invalidParameter('The request body is not valid JSON.')
    }
  }
  const context: ActionContext = {
    store: deps.store,
    now: deps.now(),
    ruleIds: deps.ruleIds,
    merchantIds: deps.merchantIds,
    billPageSize: deps.billPageSize,
    origin: `http://${header(req, 'host') ?? '127.0.0.1'}`,
    identities: deps.identities,
  }
  return actions[action](params, context)
}

async function serveApi(req: IncomingMessage, res: ServerResponse, body: Buffer, arrivedAt: number, deps: ServerDeps): Promise<void> {
  const started = Date.now()
  const action = header(req, 'x-tc-action') ?? '(none)'
  deps.calls[action] = (deps.calls[action] ?? 0) + 1
  const traceId = header(req, 'x-tc-traceid')
  const traceHeader: Record<string, string> = traceId ? { 'X-TC-TraceId': traceId } : {}
  const requestId = randomUUID()

  const fault = deps.faults.decide()
  if (await playTransportFault(fault, req, res, { action, stallPrefix: '{"Response":{', errorStatus: 500, headers: traceHeader, logger: deps.logger })) return

  let response: Record<string, unknown>
  let code = 'OK'
  try {
    if (fault.kind === 'rateLimit') throw apiErrors.requestLimitExceeded()
    if (fault.kind === 'internalError') throw apiErrors.internalError()
    response = { ...runApi(req, body, arrivedAt, deps), RequestId: requestId }
  } catch (e) {
    if (!(e instanceof ApiError)) deps.logger?.error({ action, requestId, err: e }, 'emulator bug: unexpected exception')
    const error = e instanceof ApiError ? e : apiErrors.internalError()
    code = error.code
    response = { Error: { Code: error.code, Message: error.message }, RequestId: requestId }
  }
  // Logs carry the action and outcome only: parameters may hold names and ID numbers.
  deps.logger?.info({ action, code, requestId, ms: Date.now() - started }, 'api request')
  sendJson(res, 200, { Response: response }, traceHeader)
}

export function createListener(deps: ServerDeps): RequestListener {
  return (req, res) => {
    // Stamped before anything else: reading the body, checking the signature and injected
    // latency all come after the request reached the server, and must not move it to a later second.
    const arrivedAt = deps.now()
    const handle = async (): Promise<void> => {
      const path = (req.url ?? '/').split('?')[0]!
      const isSandbox = path === '/sandbox' || path.startsWith('/sandbox/')
      if (!isSandbox && path !== '/') {
        sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'The FaceID API is served at POST /' } })
        return
      }
      let body: Buffer
      try {
        body = await readBody(req)
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e
        sendJson(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body exceeds 10 MB' } }, { Connection: 'close' })
        return
      }
      if (isH5PagePath(path)) {
        // A browser page, not the JSON control surface.
        const page = handleH5Page(req.method ?? 'GET', path, (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase(), body, deps.sandbox)
        deps.logger?.info({ sandbox: '/sandbox/h5', status: page.status }, 'sandbox page')
        res.writeHead(page.status, { ...page.headers, 'Content-Length': String(Buffer.byteLength(page.body)) })
        res.end(page.body)
        return
      }
      if (isSandbox) {
        const reply = handleSandbox(req.method ?? 'GET', path, body, deps.sandbox)
        deps.logger?.info({ sandbox: path, status: reply.status }, 'sandbox request')
        sendJson(res, reply.status, reply.body)
        return
      }
      await serveApi(req, res, body, arrivedAt, deps)
    }
    handle().catch((e: unknown) => {
      deps.logger?.error({ err: e }, 'emulator request failed')
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'Emulator failure' } })
      else res.destroy()
    })
  }
}
