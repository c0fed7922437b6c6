/**
 * The ops dashboard's routes: the page and its scripts (no data in them), and the JSON endpoints
 * under `<path>/api/`, each behind the dashboard's own authentication. Everything is served by the
 * kit itself, the chart library included, so the page works with no network beyond the server.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import { z } from 'zod'
import { BadRequestError, ConfigurationError, UnauthorizedError } from '../errors/index.js'
import { errorHandler } from '../http/error-body.js'
import type { DashboardAuth, DashboardOptions } from './options.js'
import { billing, failures, overview, reconciliation, sweeper, webhooks, type DashboardQuery, type ReportContext } from './report.js'

export interface DashboardRouterOptions extends DashboardOptions {
  report: Omit<ReportContext, 'unitPrices' | 'currency'>
  onError?: ((error: unknown, ctx: Context) => void) | undefined
}

/** A static file of the page: its bytes and how to serve them. */
interface Asset {
  body: Buffer
  type: string
}

/** The page's own files, next to this module in the source tree and in the build (`npm run build` copies them). */
const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url))

const PAGE_FILES: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
}

/** The longest period one request may ask for. */
const MAX_PERIOD_MS = 400 * 86_400_000
const DEFAULT_PERIOD_MS = 7 * 86_400_000

/**
 * The chart library's browser bundle, read from the installed package. Chart.js exports no
 * `./dist/*` subpath, so the bundle is found beside the file its main export resolves to.
 */
function chartLibrary(): Asset {
  let file: string
  try {
    const require = createRequire(import.meta.url)
    file = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js')
    return { body: fs.readFileSync(file), type: 'text/javascript; charset=utf-8' }
  } catch (error) {
    throw new ConfigurationError('dashboard: the chart.js package (a dependency of @faceid-kit/server) is not installed or has no dist/chart.umd.min.js', { cause: error })
  }
}

function readAssets(): { page: Asset; files: Map<string, Asset> } {
  try {
    const files = new Map<string, Asset>()
    for (const [name, type] of Object.entries(PAGE_FILES)) files.set(name, { body: fs.readFileSync(path.join(PAGE_DIR, name)), type })
    files.set('chart.umd.min.js', chartLibrary())
    return { page: { body: fs.readFileSync(path.join(PAGE_DIR, 'index.html')), type: 'text/html; charset=utf-8' }, files }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    throw new ConfigurationError(`dashboard: the page's files are missing from ${PAGE_DIR} (a build that did not copy src/dashboard/page?)`, { cause: error })
  }
}

/** Equal strings, compared in time independent of where they differ (both are hashed to one length first). */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(presented).digest()
  const b = crypto.createHash('sha256').update(expected).digest()
  return crypto.timingSafeEqual(a, b)
}

function bearerOf(ctx: Context): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(ctx.get('authorization'))
  return match?.[1]
}

function authenticate(auth: DashboardAuth) {
  return async function dashboardAuth(ctx: Context, next: Next): Promise<void> {
    const presented = bearerOf(ctx)
    let allowed = auth.token !== undefined && presented !== undefined && tokensMatch(presented, auth.token)
    if (!allowed && auth.authorize) allowed = (await auth.authorize(ctx)) === true
    if (!allowed) {
      ctx.set('WWW-Authenticate', 'Bearer realm="faceid-dashboard"')
      throw new UnauthorizedError('The dashboard needs its admin token (Authorization: Bearer …) or the partner\'s sign-in')
    }
    await next()
  }
}

const Period = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    kind: z.string().max(64).optional(),
    provider: z.string().max(64).optional(),
  })
  .strict()

/** The period and filter of a request: `from`/`to` ISO times (default the last 7 days), `kind`, `provider`. */
function queryOf(ctx: Context, report: DashboardRouterOptions['report']): DashboardQuery {
  const parsed = Period.safeParse(ctx.query)
  if (!parsed.success) throw new BadRequestError('invalid_query', 'Expected from and to as ISO 8601 times, and optionally one kind and one provider')
  const { kind, provider } = parsed.data
  const to = parsed.data.to ? new Date(parsed.data.to) : report.now()
  const from = parsed.data.from ? new Date(parsed.data.from) : new Date(to.getTime() - DEFAULT_PERIOD_MS)
  if (!(from < to)) throw new BadRequestError('invalid_period', '`from` must be before `to`')
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new BadRequestError('invalid_period', 'A period is at most 400 days')
  if (kind !== undefined && !report.kinds.some((k) => k.kind === kind)) throw new BadRequestError('unknown_kind', 'No such kind of verification')
  if (provider !== undefined && !report.kinds.some((k) => k.provider === provider)) throw new BadRequestError('unknown_provider', 'No such provider')
  return { from, to, kind, provider }
}

/**
 * The dashboard under `options.path`: `GET <path>/` the page, `<path>/assets/*` its scripts and the
 * chart library, `<path>/api/*` its data (authenticated, never cached).
 */
export function createDashboardRouter(options: DashboardRouterOptions): Router {
  const assets = readAssets()
  const base = options.path
  const ctx: ReportContext = { ...options.report, unitPrices: options.unitPrices ?? {}, currency: options.currency ?? 'CNY' }
  const router = new Router({ prefix: base })
  router.use(errorHandler({ onError: options.onError }))

  // The page and its scripts hold no data: they are served to anyone, and ask the API, which is not.
  router.get('/', async function dashboardPage(c) {
    // `<path>` without the slash: relative URLs in the page must resolve under the path.
    if (!c.path.endsWith('/')) {
      c.redirect(`${c.path}/`)
      return
    }
    send(c, assets.page)
    c.set('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    c.set('X-Frame-Options', 'DENY')
  })
  router.get('/assets/:file', async function dashboardAsset(c) {
    const asset = assets.files.get(c.params['file'] ?? '')
    if (!asset) {
      c.status = 404
      c.body = { error: { code: 'not_found', message: 'No such file' } }
      return
    }
    send(c, asset)
  })

  const api = new Router()
  api.use(authenticate(options.auth))
  api.use(async (c, next) => {
    c.set('Cache-Control', 'no-store')
    await next()
  })
  api.get('/filters', async (c) => {
    const providers = [...new Set(ctx.kinds.map((k) => k.provider))]
    c.body = { kinds: ctx.kinds, providers, currency: ctx.currency, unitPrices: ctx.unitPrices, now: ctx.now().toISOString() }
  })
  api.get('/overview', async (c) => {
    c.body = await overview(ctx, queryOf(c, options.report))
  })
  api.get('/billing', async (c) => {
    c.body = await billing(ctx, queryOf(c, options.report))
  })
  api.get('/failures', async (c) => {
    c.body = await failures(ctx, queryOf(c, options.report))
  })
  api.get('/sweeper', async (c) => {
    c.body = await sweeper(ctx, queryOf(c, options.report))
  })
  api.get('/reconciliation', async (c) => {
    c.body = await reconciliation(ctx)
  })
  api.get('/webhooks', async (c) => {
    c.body = await webhooks(ctx)
  })
  router.use('/api', api.routes(), api.allowedMethods())
  return router
}

function send(ctx: Context, asset: Asset): void {
  ctx.type = asset.type
  ctx.body = asset.body
  ctx.set('Cache-Control', 'no-cache')
  ctx.set('X-Content-Type-Options', 'nosniff')
  ctx.set('Referrer-Policy', 'no-referrer')
}
