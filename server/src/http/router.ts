import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { isValidToken, TOKEN_PATTERN, tokenPatternOf } from '@faceid-kit/shared'
import type { Context, Next } from 'koa'
import { z } from 'zod'
import { BadRequestError, ConfigurationError, FaceidError, NotFoundError, UnauthorizedError } from '../errors/index.js'
import { errorHandler } from './error-body.js'
import { findReusableToken, reserveIssue, validateLimits } from '../verification/issuance-limits.js'
import type { FaceidRouterOptions } from '../types.js'
import { FLOW_LIST } from '../flows/index.js'
import { callbackBase, returnHandler, returnPath, returnUrl, validateH5Options } from './web-return.js'
import { mountMegviiRoutes } from './megvii-callbacks.js'

/** The client may not choose anything about a verification: identity and options come from the partner. */
const IssueBody = z.object({}).strict()

function validateOptions(options: FaceidRouterOptions): void {
  if (!options || typeof options !== 'object') throw new ConfigurationError('createFaceidRouter needs an options object')
  if (!options.verifier) throw new ConfigurationError('createFaceidRouter: `verifier` is required')
  if (typeof options.resolveUser !== 'function') throw new ConfigurationError('createFaceidRouter: `resolveUser(ctx)` is required')
  if (options.prefix !== undefined && !/^\/[\w\-/]*$/.test(options.prefix)) throw new ConfigurationError(`createFaceidRouter: bad prefix ${options.prefix}`)
  validateLimits(options.limits)
  validateH5Options(options.h5, options.prefix ?? '/faceid', 'createFaceidRouter')
}

/**
 * Requests with a body must say it is JSON, in UTF-8 (RFC 8259), not compressed (no client of
 * the kit compresses requests); anything else is refused before parsing.
 */
export async function requireJson(ctx: Context, next: Next): Promise<void> {
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== ''
  if (hasBody) {
    if (!ctx.is('application/json')) throw new FaceidError(415, 'unsupported_media_type', 'Send JSON (Content-Type: application/json)')
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(ctx.get('content-type'))?.[1]?.toLowerCase()
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new FaceidError(415, 'unsupported_encoding', 'JSON must be UTF-8')
    const encoding = ctx.get('content-encoding').trim().toLowerCase()
    if (encoding !== '' && encoding !== 'identity') throw new FaceidError(415, 'unsupported_encoding', 'Send the body uncompressed')
  }
  await next()
}

/**
 * Two routes per registered flow (issue a token, read its result), mountable under any prefix in any Koa app:
 * `app.use(createFaceidRouter({ verifier, resolveUser }).routes())`.
 */
export function createFaceidRouter(options: FaceidRouterOptions): Router {
  validateOptions(options)
  const { verifier } = options
  const prefix = options.prefix ?? '/faceid'
  const router = new Router({ prefix })
  router.use(errorHandler({ onError: options.onError }))

  async function userOf(ctx: Context): Promise<string> {
    const user = await options.resolveUser(ctx)
    if (typeof user !== 'string' || user === '') throw new UnauthorizedError()
    return user
  }

  // Only the flows of configured providers are served: the others' routes do not exist here.
  for (const flow of FLOW_LIST.filter((f) => verifier.serves(f))) {
    const { kind, path } = flow

    router.post(path, requireJson, bodyParser({ enableTypes: ['json'], jsonLimit: options.jsonLimit ?? '16kb', jsonStrict: true }), async function issueToken(ctx) {
      const userId = await userOf(ctx)
      const body: unknown = ctx.request.body ?? {}
      const parsed = IssueBody.safeParse(body)
      if (!parsed.success) throw new BadRequestError('invalid_body', 'The body must be empty or {}: the verification is configured by the server')
      if (flow.web && !options.h5) throw new FaceidError(501, 'h5_not_configured', 'The web flows are not configured on this server (the kit\'s `h5` option)')
      const partnerOptions = await flow.partnerOptions(options, userId, ctx)
      const now = verifier.now()
      // A web token is not reused: the provider's page (`url`) is not kept.
      if (options.reuseOpenToken && !flow.web) {
        const reuse = options.reuseOpenToken === true ? {} : options.reuseOpenToken
        const open = await findReusableToken(verifier.ledger, kind, userId, now, reuse, flow.reuseScope(partnerOptions))
        if (open) {
          // Nothing new was paid for: 200, not 201.
          ctx.body = open
          return
        }
      }
      // Before paying Tencent: a slot of every limit, or at least an answer from the ledger.
      const reservation = await reserveIssue(verifier.ledger, options.limits, { userId, clientIp: ctx.ip }, now)
      let issued
      try {
        const identity = await options.resolveIdentity?.(userId, ctx)
        const redirectUrl = flow.web && options.h5 ? returnUrl(options.h5, ctx, prefix, flow, userId, now) : undefined
        const callbacks = options.h5 ? callbackBase(options.h5, ctx, prefix) : undefined
        issued = await verifier.issue(kind, { userId, identity, clientIp: ctx.ip, ...partnerOptions, redirectUrl, callbackBase: callbacks }, { ledgerChecked: true })
      } catch (error) {
        await reservation.settleFailure(error)
        throw error
      }
      ctx.status = 201
      ctx.body = issued
    })

    // The browser comes back here from the provider's page: no session, a redirect whatever happens.
    if (flow.web && options.h5) router.get(returnPath(flow), returnHandler(flow, { verifier, h5: options.h5, onError: options.onError }))

    router.get(`${path}/:token`, async function getResult(ctx) {
      const userId = await userOf(ctx)
      const token = ctx.params['token']
      if (!isValidToken(token, kind)) throw new BadRequestError('invalid_token', tokenPatternOf(kind) !== TOKEN_PATTERN ? 'Not a token of this flow' : 'A token is 36 characters of A-Z, a-z, 0-9 and -')
      const record = await verifier.ledger.getForUser(token, userId, kind)
      if (!record) throw new NotFoundError('No such token')
      ctx.body = await verifier.refresh(record)
    })
  }
  // Providers that call the kit back get their receivers when configured.
  if (verifier.servesProvider('megvii')) mountMegviiRoutes(router, { verifier, onError: options.onError })
  return router
}
