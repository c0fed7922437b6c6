import Router from '@koa/router'
import { isValidToken, TOKEN_PATTERN, tokenPatternOf } from '@faceid-kit/shared'
import type { Context } from 'koa'
import { BadRequestError, ConfigurationError, FaceidError, NotFoundError, UnauthorizedError } from '../errors/index.js'
import { errorHandler } from './error-body.js'
import { byteCount, emptyJsonBody, requireJson } from './json-requests.js'
import { findReusableToken, reserveIssue, validateLimits } from '../verification/issuance-limits.js'
import type { FaceidRouterOptions } from '../types.js'
import { FLOW_LIST } from '../flows/index.js'
import { callbackBase, returnHandler, returnPath, returnUrl, validateH5Options } from './web-return.js'
import { mountMegviiRoutes } from './megvii-callbacks.js'

/** The client may not choose anything about a verification: identity and options come from the partner. */
const ISSUE_BODY_RULE = 'The body must be empty or {}: the verification is configured by the server'

function validateOptions(options: FaceidRouterOptions): void {
  if (!options || typeof options !== 'object') throw new ConfigurationError('createFaceidRouter needs an options object')
  if (!options.verifier) throw new ConfigurationError('createFaceidRouter: `verifier` is required')
  if (typeof options.resolveUser !== 'function') throw new ConfigurationError('createFaceidRouter: `resolveUser(ctx)` is required')
  if (options.prefix !== undefined && !/^\/[\w\-/]*$/.test(options.prefix)) throw new ConfigurationError(`createFaceidRouter: bad prefix ${options.prefix}`)
  if (options.jsonLimit !== undefined) {
    try {
      if (typeof options.jsonLimit !== 'string') throw new RangeError('not a string')
      byteCount(options.jsonLimit)
    } catch {
      throw new ConfigurationError(`createFaceidRouter: jsonLimit must be a size such as '16kb', got ${JSON.stringify(options.jsonLimit)}`)
    }
  }
  validateLimits(options.limits)
  validateH5Options(options.h5, options.prefix ?? '/faceid', 'createFaceidRouter')
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
  const issueBody = emptyJsonBody({ limit: options.jsonLimit ?? '16kb', message: ISSUE_BODY_RULE })

  async function userOf(ctx: Context): Promise<string> {
    const user = await options.resolveUser(ctx)
    if (typeof user !== 'string' || user === '') throw new UnauthorizedError()
    return user
  }

  // Only the flows of configured providers are served: the others' routes do not exist here.
  for (const flow of FLOW_LIST.filter((f) => verifier.serves(f))) {
    const { kind, path } = flow

    router.post(path, requireJson, issueBody, async function issueToken(ctx) {
      const userId = await userOf(ctx)
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
        const back = flow.web && options.h5 ? returnUrl(options.h5, ctx, prefix, flow, userId, now) : undefined
        const callbacks = options.h5 ? callbackBase(options.h5, ctx, prefix) : undefined
        issued = await verifier.issue(kind, { userId, identity, clientIp: ctx.ip, ...partnerOptions, redirectUrl: back?.url, returnNonce: back?.nonce, callbackBase: callbacks }, { ledgerChecked: true })
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
