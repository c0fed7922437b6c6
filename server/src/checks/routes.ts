/**
 * Optional back-office routes for the checks, for the partner's own staff tools: never mounted by
 * `createFaceidKit` on its own, and never meant for the end-user client (which sends no identity
 * data to the kit: DESIGN invariant 2). Every request must pass the partner's `authorize`.
 */
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import type { Context } from 'koa'
import { ConfigurationError, NotFoundError, UnauthorizedError } from '../errors/index.js'
import { errorHandler } from '../http/error-body.js'
import { requireJson } from '../http/json-requests.js'
import type { IdentityChecks } from './types.js'

type Awaitable<T> = T | Promise<T>

export interface IdentityCheckRouterOptions {
  checks: IdentityChecks
  /**
   * Who is calling, from the partner's back-office authentication: an operator id, or undefined
   * (→ 401). Required: these routes take names, ID numbers and card numbers.
   */
  authorize: (ctx: Context) => Awaitable<string | undefined>
  /** Mount point. Default `/faceid-admin/checks`. */
  prefix?: string
  /** Called with every 5xx error before the JSON error body is sent. */
  onError?: (error: unknown, ctx: Context) => void
}

/**
 * `POST <prefix>/id-card`, `/phone`, `/bank-card`, `/phone-status`, `/phone-tenure` with the
 * check's fields as JSON → `200` result; `GET <prefix>/:id` → the ledger row without its sealed part.
 */
export function createIdentityCheckRouter(options: IdentityCheckRouterOptions): Router {
  if (!options || typeof options.authorize !== 'function') throw new ConfigurationError('createIdentityCheckRouter: `authorize(ctx)` is required')
  if (!options.checks) throw new ConfigurationError('createIdentityCheckRouter: `checks` is required')
  const prefix = options.prefix ?? '/faceid-admin/checks'
  if (!/^\/[\w\-/]*$/.test(prefix)) throw new ConfigurationError(`createIdentityCheckRouter: bad prefix ${prefix}`)
  const { checks } = options
  const router = new Router({ prefix })
  router.use(errorHandler({ onError: options.onError }))
  router.use(async (ctx, next) => {
    const operator = await options.authorize(ctx)
    if (typeof operator !== 'string' || operator === '') throw new UnauthorizedError()
    await next()
  })
  const json = [requireJson, bodyParser({ enableTypes: ['json'], jsonLimit: '4kb', jsonStrict: true })] as const
  // Typed as any input: every check validates each field at run time, before anything is called.
  const body = (ctx: Context): never => ctx.request.body as never

  router.post('/id-card', ...json, async (ctx) => {
    ctx.body = await checks.idCard(body(ctx))
  })
  router.post('/phone', ...json, async (ctx) => {
    ctx.body = await checks.phone(body(ctx))
  })
  router.post('/bank-card', ...json, async (ctx) => {
    ctx.body = await checks.bankCard(body(ctx))
  })
  router.post('/phone-status', ...json, async (ctx) => {
    ctx.body = await checks.phoneStatus(body(ctx))
  })
  router.post('/phone-tenure', ...json, async (ctx) => {
    ctx.body = await checks.phoneTenure(body(ctx))
  })
  router.get('/:id', async (ctx) => {
    const record = await checks.read(ctx.params['id'] ?? '')
    if (!record) throw new NotFoundError()
    const { sealed: _sealed, ...clear } = record
    ctx.body = clear
  })
  return router
}
