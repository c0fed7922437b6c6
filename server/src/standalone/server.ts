import crypto from 'node:crypto'
import http from 'node:http'
import { isIP, type AddressInfo, type Socket } from 'node:net'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { TOKEN_PATTERN, type Identity } from '@faceid-kit/shared'
import Koa from 'koa'
import pino, { type DestinationStream, type Logger } from 'pino'
import { z } from 'zod'
import { isProduction, keyringOf, readConfig, type HttpServerLimits, type ServerConfig } from '../config/environment.js'
import type { Database } from '../store/database.js'
import { createMegviiEmulator, MEGVII_PRESETS, MEGVII_SANDBOX_APPCODE, type MegviiEmulator } from '../../emulator/megvii/index.js'
import { createEmulator, createWebankEmulator, DEFAULT_MERCHANT_ID, DEFAULT_RULE_ID, EmulatorError, parseFaultOptions, SANDBOX_CREDENTIAL, SANDBOX_WEBANK_APP, type Emulator, type WebankEmulator } from '../../emulator/index.js'
import { BadRequestError, ConfigurationError, FaceidError, NotFoundError, UnauthorizedError } from '../errors/index.js'
import { errorHandler, errorReporter } from '../http/error-body.js'
import { requireJson } from '../http/json-requests.js'
import { createSessions, type Sessions } from '../http/sessions.js'
import type { Sweeper } from '../jobs/sweeper.js'
import { createFaceidKit, type FaceidKit } from '../kit.js'
import { dataKeySecrets } from '../privacy/data-keys.js'
import { createLogger, requestLogger } from '../privacy/logging.js'
import type { FaceidKitOptions, H5Options } from '../types.js'
import { DEMO_H5_PATH, demoH5Page } from './demo-page.js'
import { SANDBOX_DASHBOARD_TOKEN } from '../dashboard/options.js'
import type { Verifier } from '../verification/verifier.js'

export interface StartServerOptions {
  /** Overrides `PORT`; 0 picks a free port. */
  port?: number
  host?: string
  /** Environment to read the configuration from. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Embedded database directory or `'memory'` (ignored when DATABASE_URL is set). Default `FACEID_DATA_DIR`, else `./.data`. */
  dataDir?: string
  /** An already open database to keep the ledger in (not closed by `close()`); overrides DATABASE_URL and dataDir. */
  database?: Database
  logger?: Logger | false
  /** Where the kit's own redacting logger writes (default stdout); ignored when `logger` is given. */
  logDestination?: DestinationStream
  /** How long `close()` lets requests in flight finish before cutting them. Default 10 s. */
  shutdownGraceMs?: number
}

export interface RunningServer {
  url: string
  port: number
  config: ServerConfig
  /** The embedded emulator, in sandbox mode. */
  emulator: Emulator | undefined
  /** The embedded emulator's WeBank mode (App SDK / mobile H5), in sandbox mode without FACEID_WEBANK_*. */
  webankEmulator: WebankEmulator | undefined
  /** The embedded emulator's Megvii mode, in sandbox mode without FACEID_MEGVII_APPCODE. */
  megviiEmulator: MegviiEmulator | undefined
  verifier: Verifier
  /** The background result sweeper; off when `FACEID_SWEEP_INTERVAL_SECONDS=0`. */
  sweeper: Sweeper | undefined
  /** The kit the server is built on (routes and jobs). */
  kit: FaceidKit
  app: Koa
  server: http.Server
  /** Graceful: stops accepting, finishes the requests in flight, stops the jobs, closes the database. */
  close(): Promise<void>
}

/** The embedded database of `npm start`, relative to the working directory. */
const DEFAULT_DATA_DIR = './.data'

const DevLoginBody = z.object({
  userId: z.string().min(1).max(128).regex(/^[\w.@:-]+$/),
  identity: z.object({ name: z.string().min(1).max(64), idCard: z.string().regex(/^\d{17}[\dXx]$/) }).strict().optional(),
}).strict()

const MegviiCompleteBody = z.strictObject({
  token: z.string().max(128),
  outcome: z.string().refine((name) => Object.prototype.hasOwnProperty.call(MEGVII_PRESETS, name)),
})

const WebankCompleteBody = z.discriminatedUnion('outcome', [
  z.object({ orderNo: z.string().regex(/^[A-Za-z0-9]{32}$/), outcome: z.literal('passed') }).strict(),
  z.object({ orderNo: z.string().regex(/^[A-Za-z0-9]{32}$/), outcome: z.literal('failed'), code: z.string().regex(/^\d{1,9}$/).optional() }).strict(),
  z.object({ orderNo: z.string().regex(/^[A-Za-z0-9]{32}$/), outcome: z.literal('abandoned') }).strict(),
])

const CompleteBody = z.discriminatedUnion('outcome', [
  z.object({ token: z.string().regex(TOKEN_PATTERN), outcome: z.literal('passed') }).strict(),
  z.object({ token: z.string().regex(TOKEN_PATTERN), outcome: z.literal('failed'), code: z.number().int().optional() }).strict(),
  z.object({ token: z.string().regex(TOKEN_PATTERN), outcome: z.literal('abandoned') }).strict(),
  // 意愿核身: the face part passed, the answer to question `item` (0-based) did not.
  z.object({ token: z.string().regex(TOKEN_PATTERN), outcome: z.literal('intention-failed'), item: z.number().int().min(0).optional() }).strict(),
])

/**
 * What `npm start` runs: the faceid routes under `/faceid`, bearer sessions, `/health`, and —
 * with no Tencent credentials — the embedded emulator plus `/auth/dev-login` and `/sandbox/complete`.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env
  const config = readConfig(env)
  if (config.sandbox && (config.production || isProduction(process.env))) {
    throw new ConfigurationError('Sandbox mode (no FACEID_SECRET_ID/FACEID_SECRET_KEY) refuses NODE_ENV=production: the emulator and dev-login are for development only')
  }
  if (!config.sandbox && !config.sessionSecret) throw new ConfigurationError('SESSION_SECRET is required outside sandbox mode')
  // Live mode refuses to start without a data key; the sandbox uses a public one and says so.
  const keyring = keyringOf(config)
  const log =
    options.logger === false
      ? pino({ enabled: false })
      : (options.logger ?? createLogger({ destination: options.logDestination, secrets: secretsOf(config) }))
  const mode = config.sandbox ? 'sandbox' : 'live'

  let emulator: Emulator | undefined
  let webankEmulator: WebankEmulator | undefined
  let megviiEmulator: MegviiEmulator | undefined
  let kit: FaceidKit | undefined
  const closers: Array<() => Promise<void>> = []
  try {
    const ruleId = config.ruleId ?? (config.sandbox ? DEFAULT_RULE_ID : undefined)
    const merchantId = config.merchantId ?? (config.sandbox ? DEFAULT_MERCHANT_ID : undefined)
    let tencent: Pick<FaceidKitOptions, 'secretId' | 'secretKey' | 'endpoint' | 'region'>
    if (config.sandbox) {
      emulator = createEmulator({ ruleIds: ruleId ? [ruleId] : undefined, merchantIds: merchantId ? [merchantId] : undefined, logger: false })
      const listening = await emulator.listen(0, '127.0.0.1')
      closers.push(() => emulator!.close())
      tencent = { ...SANDBOX_CREDENTIAL, endpoint: listening.url, region: config.region }
    } else {
      tencent = { secretId: config.secretId!, secretKey: config.secretKey!, endpoint: config.endpoint, region: config.region }
    }
    // WeBank: the configured WBappid, or in sandbox mode the emulator's WeBank mode on its own port.
    let webank = config.webank
    if (!webank && config.sandbox) {
      webankEmulator = createWebankEmulator({ logger: false })
      const listening = await webankEmulator.listen(0, '127.0.0.1')
      closers.push(() => webankEmulator!.close())
      webank = { ...SANDBOX_WEBANK_APP, licence: 'sandbox-licence', endpoint: listening.url }
    }
    // Megvii: the configured AppCode, or in sandbox mode the emulator's Megvii mode on its own port.
    let megvii = config.megvii
    if (!megvii && config.sandbox) {
      megviiEmulator = createMegviiEmulator({ logger: false })
      const listening = await megviiEmulator.listen(0, '127.0.0.1')
      closers.push(() => megviiEmulator!.close())
      megvii = { appCode: MEGVII_SANDBOX_APPCODE, endpoint: listening.url, pageBase: listening.url }
    }
    if (keyring.dev) log.warn('stored results are sealed with the public sandbox key: set FACEID_DATA_KEY to protect personal data')

    // A random secret in sandbox mode keeps the demo working with no set-up; sessions end with the process.
    // Sandbox sessions are signed with a key derived from the secret and carry the sandbox issuer,
    // so a sandbox sharing production's SESSION_SECRET still mints nothing production accepts.
    const sessions = createSessions(config.sessionSecret ?? crypto.randomBytes(32).toString('hex'), {
      mode,
      maxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
    })
    const demoIdentities = new Map<string, Identity>()
    // One concise line per failure class per minute: an outage must not flood the log with stacks.
    const logError = errorReporter(log)
    kit = await createFaceidKit({
      ...tencent,
      mode,
      ruleId,
      merchantId,
      dataKey: keyring,
      database: options.database ?? config.databaseUrl ?? { dataDir: options.dataDir ?? config.dataDir ?? DEFAULT_DATA_DIR, ...(config.sqliteSynchronous ? { synchronous: config.sqliteSynchronous } : {}) },
      resolveUser: sessions.resolveUser,
      resolveIdentity: (userId) => demoIdentities.get(userId),
      limits: config.limits,
      reuseOpenToken: config.reuseOpenToken,
      timeoutSeconds: config.timeoutSeconds,
      retry: config.retry,
      ...(config.retry.budgetMs ? { totalTimeoutSeconds: config.retry.budgetMs / 1000 } : {}),
      resultInfoType: config.resultInfoType,
      ...(config.webhooks ? { webhooks: config.webhooks } : {}),
      ...(webank ? { webank } : {}),
      // Megvii calls the server back at the H5 public address: without the web flows, no Megvii.
      ...(megvii && webFlows(config).h5 ? { megvii } : {}),
      ...(config.dashboard ? { dashboard: config.dashboard } : {}),
      sweeper: config.sweep.enabled
        ? {
            ...(config.sweep.intervalSeconds !== undefined ? { intervalSeconds: config.sweep.intervalSeconds } : {}),
            ...(config.sweep.qps !== undefined ? { qps: config.sweep.qps } : {}),
            ...(config.sweep.leaseSeconds !== undefined ? { leaseSeconds: config.sweep.leaseSeconds } : {}),
            ...(config.sweep.batchSize !== undefined ? { batchSize: config.sweep.batchSize } : {}),
          }
        : false,
      billPull: config.billPull,
      ...(config.personalDataRetentionDays !== undefined ? { personalDataRetentionDays: config.personalDataRetentionDays } : {}),
      logger: log,
      onError: logError,
      ...webFlows(config),
    })
    const running = kit
    closers.push(() => running.close())
    const { verifier } = kit

    // X-Forwarded-For is read by clientAddress below, never by Koa.
    const app = new Koa({ proxy: false })
    app.use(closeUnreadRequests)
    app.use(requestLogger(log))
    app.use(errorHandler({ onError: logError }))
    app.use(clientAddress(config.trustProxy))
    app.use(kit.routes())
    app.use(serviceRoutes({ config, sessions, emulator, webankEmulator, megviiEmulator, verifier, demoIdentities }).routes())
    app.use(async (ctx) => {
      // The path is not echoed: it may hold whatever the caller put there.
      throw new NotFoundError(`No route for ${ctx.method} here`)
    })

    const server = createHttpServer(app, config.http)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? config.port, options.host ?? '0.0.0.0', () => resolve())
    })
    const port = (server.address() as AddressInfo).port
    const url = `http://127.0.0.1:${port}`
    // A database handed in may be either engine: say which it is.
    const external = options.database?.engine ?? (config.databaseUrl ? 'postgres' : undefined)
    const engine = external === 'postgres' ? 'postgresql' : `sqlite (${options.database ? 'given' : (options.dataDir ?? config.dataDir ?? DEFAULT_DATA_DIR)})`
    if (config.dashboard) {
      // The sandbox's token is public (README): say it, so the demo's operator can sign in.
      const sandboxToken = config.dashboard.auth.token === SANDBOX_DASHBOARD_TOKEN
      log.info({ path: `${config.dashboard.path}/` }, sandboxToken ? `ops dashboard at ${url}${config.dashboard.path}/ (sandbox token: ${SANDBOX_DASHBOARD_TOKEN})` : `ops dashboard at ${config.dashboard.path}/ (FACEID_DASHBOARD_TOKEN)`)
    }
    log.info(
      { port, mode, database: engine },
      config.sandbox ? 'faceid-kit listening in SANDBOX mode: embedded emulator, dev-login enabled' : 'faceid-kit listening in LIVE mode',
    )
    let closing: Promise<void> | undefined
    return {
      url,
      port,
      config,
      emulator,
      webankEmulator,
      megviiEmulator,
      verifier,
      sweeper: kit.jobs.sweeper,
      kit,
      app,
      server,
      close() {
        // Stop accepting, let the requests in flight finish (bounded), then stop the jobs and close the database.
        closing ??= (async () => {
          await closeServer(server, options.shutdownGraceMs ?? 10_000)
          for (const close of closers.reverse()) await close()
        })()
        return closing
      },
    }
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined)
    throw error
  }
}

/**
 * Stops accepting connections, closes idle ones, waits for the requests in flight to finish,
 * and cuts whatever is still open after `graceMs`.
 */
function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs)
    timer.unref()
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    server.closeIdleConnections()
  })
}

/** Every configured secret value, so the logger can remove them wherever they show up. */
function secretsOf(config: ServerConfig): string[] {
  return [config.secretKey, config.sessionSecret, config.webank?.secret, config.megvii?.appCode, ...dataKeySecrets([config.dataKey, ...config.previousDataKeys])].filter((s): s is string => Boolean(s))
}

/**
 * The HTTP listener with the kit's limits: `maxConnections` (Node drops any connection beyond it
 * at once, with no answer), the time to send the headers and the whole request (Node answers
 * 408), and errors of Node's HTTP parser answered in the kit's JSON shape.
 */
function createHttpServer(app: Koa, limits: HttpServerLimits): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks those two timeouts (its default, 30 s, would let them run late by that much).
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.round(limits.headersTimeoutMs / 4))),
    },
    app.callback(),
  )
  server.maxConnections = limits.maxConnections
  server.on('clientError', answerClientError)
  return server
}

const CLIENT_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'The request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'body_too_large', 'The chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request took too long to arrive'],
}

/**
 * Node's HTTP parser failed (malformed request, headers over 16 KB, a request too slow to
 * arrive): answer `{ error: { code, message } }` and close, never reading what follows. Node
 * allows an answer only while the socket is writable and no response is under way on it;
 * otherwise (a reset, or a malformed request pipelined behind one being answered) the socket is
 * just closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy()
    return
  }
  const [status, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'bad_request', 'The request is not valid HTTP']
  const body = JSON.stringify({ error: { code, message } })
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  )
}

/**
 * A request answered before its body was read (413 for a body over the limit, 415, 401…) closes
 * the connection after the answer: keeping it open would make Node read and discard the whole
 * declared body first.
 */
async function closeUnreadRequests(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  try {
    await next()
  } finally {
    if (!ctx.req.complete) ctx.set('Connection', 'close')
  }
}

/**
 * The client's IP, the key of the per-IP issuance limit and the `client_ip` stored with a token.
 * Behind N trusted proxies (`FACEID_TRUST_PROXY`) it is the N-th entry from the right of
 * X-Forwarded-For (the leftmost when there are fewer); that entry must be an IPv4 or IPv6 address
 * (`net.isIP`), or the request is refused with 400 `invalid_forwarded_for` — header text is never
 * used as a key. Without the header, or with no trusted proxy, it is the socket's address.
 * Addresses are stored canonical: lower-case IPv6, IPv4-mapped IPv6 as plain IPv4.
 */
function clientAddress(trustedProxies: number): Koa.Middleware {
  return async function clientIp(ctx, next) {
    let ip = canonicalIp(ctx.req.socket.remoteAddress ?? '') ?? ''
    const forwarded = trustedProxies > 0 ? ctx.get('x-forwarded-for') : ''
    if (forwarded !== '') {
      const hops = forwarded.split(',').map((hop) => hop.trim())
      const candidate = canonicalIp(hops[Math.max(0, hops.length - trustedProxies)] ?? '')
      if (candidate === undefined) throw new BadRequestError('invalid_forwarded_for', 'X-Forwarded-For does not name the client by an IP address')
      ip = candidate
    }
    ctx.request.ip = ip
    await next()
  }
}

/** An IP address in one spelling per address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  const version = isIP(text)
  if (version === 4) return text
  if (version !== 6) return undefined
  // The URL parser compresses and lower-cases IPv6 (it refuses zone ids, which no client address has).
  let host: string
  try {
    host = new URL(`http://[${text}]/`).hostname.slice(1, -1)
  } catch {
    return undefined
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host)
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)]
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }
  return host
}

/**
 * The web (H5) flows' settings. Live: both `FACEID_PUBLIC_BASE_URL` and `FACEID_H5_RETURN_PAGE`, or
 * no web flows. Sandbox: the address the browser used and the demo page, unless set.
 */
function webFlows(config: ServerConfig): { h5?: H5Options } {
  const { publicBaseUrl, returnPage, errorPage } = config.h5
  const error = errorPage ? { errorPage } : {}
  if (!config.sandbox) return publicBaseUrl && returnPage ? { h5: { publicBaseUrl, returnPage, ...error } } : {}
  return { h5: { publicBaseUrl: publicBaseUrl ?? ((ctx) => `${ctx.protocol}://${ctx.host}`), returnPage: returnPage ?? DEMO_H5_PATH, ...error } }
}

function serviceRoutes(deps: {
  config: ServerConfig
  sessions: Sessions
  emulator: Emulator | undefined
  webankEmulator: WebankEmulator | undefined
  megviiEmulator: MegviiEmulator | undefined
  verifier: Verifier
  demoIdentities: Map<string, Identity>
}): Router {
  const router = new Router()
  router.get('/health', async function health(ctx) {
    ctx.body = { ok: true, mode: deps.config.sandbox ? 'sandbox' : 'live' }
  })
  const emulator = deps.emulator
  // These routes only exist in sandbox mode, and the emulator itself refuses NODE_ENV=production.
  if (!deps.config.sandbox || !emulator) return router

  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '4kb', jsonStrict: true })
  // The web flows' demo: the partner page of the sandbox (README: "The web flows").
  router.get(DEMO_H5_PATH, async function demoH5(ctx) {
    const page = demoH5Page('/faceid', { megvii: deps.verifier.servesProvider('megvii'), webank: deps.verifier.servesProvider('webank') })
    ctx.set('Content-Security-Policy', page.csp)
    ctx.set('Cache-Control', 'no-store')
    ctx.set('Referrer-Policy', 'no-referrer')
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = page.html
  })
  router.post('/auth/dev-login', requireJson, json, async function devLogin(ctx) {
    const parsed = DevLoginBody.safeParse(ctx.request.body)
    if (!parsed.success) throw new BadRequestError('invalid_body', 'Expected { "userId": "…", "identity"?: { "name", "idCard" } }')
    if (parsed.data.identity) deps.demoIdentities.set(parsed.data.userId, parsed.data.identity)
    ctx.body = { token: await deps.sessions.issue(parsed.data.userId) }
  })
  router.post('/sandbox/complete', requireJson, json, async function completeVerification(ctx) {
    const userId = await deps.sessions.resolveUser(ctx)
    if (!userId) throw new UnauthorizedError()
    const parsed = CompleteBody.safeParse(ctx.request.body)
    if (!parsed.success) throw new BadRequestError('invalid_body', 'Expected { "token", "outcome": "passed" | "failed" | "abandoned" | "intention-failed", "code"?, "item"? }')
    const { token, ...outcome } = parsed.data
    const record = await deps.verifier.ledger.get(token)
    if (!record || record.userId !== userId) throw new NotFoundError('No such token')
    try {
      emulator.complete(token, outcome)
    } catch (error) {
      throw new FaceidError(409, 'sandbox_rejected', error instanceof Error ? error.message : 'The emulator refused to complete this token')
    }
    ctx.body = { token, kind: record.kind }
  })
  // A Megvii biz_token ends as its user would (the mini-program's stand-in; the H5 page has its own buttons).
  const megviiEmulator = deps.megviiEmulator
  if (megviiEmulator) {
    router.post('/sandbox/megvii/complete', requireJson, json, async function completeMegviiToken(ctx) {
      const userId = await deps.sessions.resolveUser(ctx)
      if (!userId) throw new UnauthorizedError()
      const parsed = MegviiCompleteBody.safeParse(ctx.request.body)
      if (!parsed.success) throw new BadRequestError('invalid_body', `Expected { "token", "outcome": ${Object.keys(MEGVII_PRESETS).map((k) => JSON.stringify(k)).join(' | ')} }`)
      const { token, outcome } = parsed.data
      const record = await deps.verifier.ledger.get(token)
      if (!record || record.userId !== userId || deps.verifier.flowProvider(record.kind) !== 'megvii') throw new NotFoundError('No such biz_token')
      const { label: _label, ...preset } = MEGVII_PRESETS[outcome]!
      try {
        await megviiEmulator.complete(token, preset)
      } catch (error) {
        throw new FaceidError(409, 'sandbox_rejected', error instanceof Error ? error.message : 'The emulator refused to complete this biz_token')
      }
      ctx.body = { token, kind: record.kind }
    })
  }
  // A WeBank order ends as its user would (the App SDK's stand-in; the H5 page has its own buttons).
  const webankEmulator = deps.webankEmulator
  if (webankEmulator) {
    router.post('/sandbox/webank/complete', requireJson, json, async function completeWebankOrder(ctx) {
      const userId = await deps.sessions.resolveUser(ctx)
      if (!userId) throw new UnauthorizedError()
      const parsed = WebankCompleteBody.safeParse(ctx.request.body)
      if (!parsed.success) throw new BadRequestError('invalid_body', 'Expected { "orderNo", "outcome": "passed" | "failed" | "abandoned", "code"? }')
      const { orderNo, ...outcome } = parsed.data
      const record = await deps.verifier.ledger.get(orderNo)
      if (!record || record.userId !== userId || !record.kind.startsWith('webank-')) throw new NotFoundError('No such order')
      try {
        webankEmulator.complete(orderNo, outcome)
      } catch (error) {
        throw new FaceidError(409, 'sandbox_rejected', error instanceof Error ? error.message : 'The emulator refused to complete this order')
      }
      ctx.body = { orderNo, kind: record.kind }
    })
  }
  // Rehearsing outages against the embedded emulator: its faults and latency (not faulted itself).
  router.get('/sandbox/faults', async function showFaults(ctx) {
    ctx.body = { faults: emulator.currentFaults() ?? null, stats: emulator.stats() }
  })
  router.put('/sandbox/faults', requireJson, json, async function setFaults(ctx) {
    try {
      const faults = parseFaultOptions(ctx.request.body)
      emulator.setFaults(faults)
      ctx.body = { faults }
    } catch (error) {
      if (error instanceof EmulatorError) throw new BadRequestError('invalid_faults', error.message)
      throw error
    }
  })
  router.delete('/sandbox/faults', async function clearFaults(ctx) {
    emulator.setFaults(undefined)
    ctx.body = { faults: null }
  })
  return router
}
