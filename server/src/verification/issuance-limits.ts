import type { TokenKind, TokenResponse } from '@faceid-kit/shared'
import { ConfigurationError, FaceidError, LedgerUnavailableError } from '../errors/index.js'
import type { IssueSlotRequest, Ledger } from '../store/ledger.js'

/**
 * Every token costs money, so issuance is limited per user and per client IP. A slot is taken in
 * the ledger before Tencent is called (one statement for both limits, ordered by row locks), so
 * a limit of N gives at most N tokens per rolling hour under any concurrency, across every
 * instance sharing the database. A request that buys no token gives its slot back.
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

/** What `reserveIssue` took; settle it when issuance fails. */
export interface IssueReservation {
  /**
   * Gives the slots back unless a token was bought with them (one Tencent issued but the ledger
   * could not record: it was paid for, so it keeps counting). Never throws: a slot that cannot
   * be given back stays taken until it leaves the hour.
   */
  settleFailure(error: unknown): Promise<void>
}

/**
 * Before a token is bought: takes a slot of every limit that applies, or throws
 * `RateLimitedError` (429, `Retry-After`). Without limits it still asks the ledger once, so no
 * token is bought that could not be recorded. Throws `LedgerUnavailableError` (503) when the
 * ledger cannot be reached.
 */
export async function reserveIssue(ledger: Ledger, limits: IssueLimits | undefined, who: { userId: string; clientIp?: string | undefined }, now: Date): Promise<IssueReservation> {
  const since = new Date(now.getTime() - HOUR_MS)
  const wanted: IssueSlotRequest[] = []
  if (limits?.perUserPerHour) wanted.push({ scope: 'user', key: who.userId, limit: limits.perUserPerHour })
  if (limits?.perIpPerHour && who.clientIp) wanted.push({ scope: 'ip', key: who.clientIp, limit: limits.perIpPerHour })
  if (wanted.length === 0) {
    await ledger.ping()
    return { settleFailure: async () => undefined }
  }
  const outcome = await ledger.takeIssueSlots(wanted, now, since)
  if (!outcome.taken) throw new RateLimitedError(outcome.scope, Math.max(1, Math.ceil((outcome.freesAt.getTime() - now.getTime()) / 1000)))
  return {
    async settleFailure(error) {
      if (error instanceof LedgerUnavailableError && error.tokenUnrecorded) return
      for (const { scope, key } of wanted) await ledger.releaseIssueSlot(scope, key, now).catch(() => undefined)
    },
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
  wanted: { ruleId?: string | undefined; merchantId?: string | undefined; perVerification?: boolean | undefined },
): Promise<TokenResponse | undefined> {
  // An open token was issued with another script (the ledger does not keep it): never hand it out.
  if (wanted.perVerification) return undefined
  const minMs = (options.minRemainingSeconds ?? 300) * 1000
  const record = await ledger.findReusable(userId, kind, new Date(now.getTime() + minMs))
  if (!record) return undefined
  if (wanted.ruleId !== undefined && record.ruleId !== wanted.ruleId) return undefined
  if (wanted.merchantId !== undefined && record.merchantId !== wanted.merchantId) return undefined
  return { token: record.token, kind: record.kind, expiresAt: record.expiresAt.toISOString() }
}


/** Defaults of the standalone server: a person rarely needs more than a few tries an hour. */
export const DEFAULT_PER_USER_PER_HOUR = 20
export const DEFAULT_PER_IP_PER_HOUR = 200
