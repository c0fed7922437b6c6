import type { BizTokenOptions, EidTokenOptions, Identity } from '@faceid-kit/shared'
import type { Context } from 'koa'
import type { IssueLimits, ReuseOptions } from './verification/issuance-limits.js'
import type { Verifier } from './verification/verifier.js'

export type Awaitable<T> = T | Promise<T>

/** The part of a pino logger the background tasks (sweeper, daily bill pull) use. */
export interface TaskLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

/** Options of `createFaceidRouter`. */
export interface FaceidRouterOptions {
  verifier: Verifier
  /** Who is calling: a user id, or `undefined` for an unauthenticated request (→ 401). */
  resolveUser: (ctx: Context) => Awaitable<string | undefined>
  /** The person to verify, from the partner's own records; never from the request body. */
  resolveIdentity?: (userId: string, ctx: Context) => Awaitable<Identity | undefined>
  /** Partner-set DetectAuth fields (RuleId, RedirectUrl, Extra, 意愿核身 config…) per user. */
  bizTokenOptions?: (userId: string, ctx: Context) => Awaitable<BizTokenOptions | undefined>
  /** Partner-set GetEidToken fields (MerchantId, Extra, Config…) per user. */
  eidTokenOptions?: (userId: string, ctx: Context) => Awaitable<EidTokenOptions | undefined>
  /** Mount point. Default `/faceid`. */
  prefix?: string
  /** Largest accepted JSON body. Default `'16kb'`. */
  jsonLimit?: string
  /** Issuance limits per user and per client IP (`ctx.ip`), counted in the ledger. Default: none. */
  limits?: IssueLimits
  /**
   * Answer a user's token request with their still-open token of the same kind (no result yet,
   * enough life left) instead of paying for a new one. Default off.
   */
  reuseOpenToken?: boolean | ReuseOptions
  /** Called with every 5xx error before the JSON error body is sent (log it here). */
  onError?: (error: unknown, ctx: Context) => void
}

export type { BizTokenOptions, EidTokenOptions, Identity, IssueLimits, ReuseOptions }
