import type { TokenKind, TokenResponse } from '@faceid-kit/shared'
import { envFlag, envNumber } from './config.js'
import { ConfigurationError, FaceidError } from './errors.js'
import type { Ledger } from './ledger.js'

/**
 * Every token costs money, so issuance is limited per user and per client IP. Counts come from
 * the ledger, so the limits hold across instances sharing one database. They are soft by the
 * number of requests in flight at the same moment (the check and the insert are not atomic:
 * holding a lock across the Tencent call would be worse).
 */
export interface IssueLimits {
  /** Tokens one user may obtain per rolling hour; 0 or undefined: no limit. */
  perUserPerHour?: number | undefined
  /** Tokens one client IP may obtain per rolling hour; 0 or undefined: no limit. */
  perIpPerHour?: number | undefined
}

export interface ReuseOptions {
  /** A token is reused only while it has at least this long left. Default 300 s. */
  minRemainingSeconds?: number
}

export class RateLimitedError extends FaceidError {
  readonly retryAfterSeconds: number
  constructor(scope: 'user' | 'ip', retryAfterSeconds: number) {
    super(429, 'rate_limited', scope === 'user' ? 'Too many verifications for this user; try again later' : 'Too many verifications from this address; try again later', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    })
    this.retryAfterSeconds = retryAfterSeconds
  }
}

const HOUR_MS = 3600_000

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new ConfigurationError(`${name} must be a whole number ≥ 0 (0: no limit)`)
}

export function validateLimits(limits: IssueLimits | undefined): void {
  checkLimit('perUserPerHour', limits?.perUserPerHour)
  checkLimit('perIpPerHour', limits?.perIpPerHour)
}

/** Throws `RateLimitedError` (429, `Retry-After`) when a new token would exceed a limit. */
export async function enforceIssueLimits(ledger: Ledger, limits: IssueLimits, who: { userId: string; clientIp?: string | undefined }, now: Date): Promise<void> {
  const since = new Date(now.getTime() - HOUR_MS)
  const checks: Array<['user' | 'ip', { userId: string } | { clientIp: string }, number]> = []
  if (limits.perUserPerHour) checks.push(['user', { userId: who.userId }, limits.perUserPerHour])
  if (limits.perIpPerHour && who.clientIp) checks.push(['ip', { clientIp: who.clientIp }, limits.perIpPerHour])
  for (const [scope, where, limit] of checks) {
    const recent = await ledger.recentIssues(where, since, limit)
    if (recent.length < limit) continue
    // The limit-th newest issue leaves the window first among those that matter.
    const frees = recent[limit - 1]!.getTime() + HOUR_MS
    throw new RateLimitedError(scope, Math.max(1, Math.ceil((frees - now.getTime()) / 1000)))
  }
}

/**
 * A user's open token of the same kind that nobody has a result for yet and that lives long
 * enough, so asking twice does not pay twice. Only for partners whose identity and options do
 * not change between two requests of one user (the reused token keeps the ones it was issued with).
 */
export async function findReusableToken(
  ledger: Ledger,
  kind: TokenKind,
  userId: string,
  now: Date,
  options: ReuseOptions,
  wanted: { ruleId?: string | undefined; merchantId?: string | undefined },
): Promise<TokenResponse | undefined> {
  const minMs = (options.minRemainingSeconds ?? 300) * 1000
  const record = await ledger.findReusable(userId, kind, new Date(now.getTime() + minMs))
  if (!record) return undefined
  if (wanted.ruleId !== undefined && record.ruleId !== wanted.ruleId) return undefined
  if (wanted.merchantId !== undefined && record.merchantId !== wanted.merchantId) return undefined
  return { token: record.token, kind: record.kind, expiresAt: record.expiresAt.toISOString() }
}

/** Reads `FACEID_LIMIT_PER_USER_PER_HOUR`, `FACEID_LIMIT_PER_IP_PER_HOUR`, `FACEID_REUSE_OPEN_TOKEN`. */
export function issuanceOptionsFromEnv(env: NodeJS.ProcessEnv): { limits: IssueLimits; reuseOpenToken: boolean } {
  const limit = (name: string, fallback: number): number => envNumber(env, name, { integer: true, hint: '0: no limit' }) ?? fallback
  return {
    limits: { perUserPerHour: limit('FACEID_LIMIT_PER_USER_PER_HOUR', DEFAULT_PER_USER_PER_HOUR), perIpPerHour: limit('FACEID_LIMIT_PER_IP_PER_HOUR', DEFAULT_PER_IP_PER_HOUR) },
    reuseOpenToken: envFlag(env, 'FACEID_REUSE_OPEN_TOKEN', false),
  }
}

/** Defaults of the standalone server: a person rarely needs more than a few tries an hour. */
export const DEFAULT_PER_USER_PER_HOUR = 20
export const DEFAULT_PER_IP_PER_HOUR = 200
