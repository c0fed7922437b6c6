import crypto from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'
import type { Context } from 'koa'
import { ConfigurationError } from '../errors/index.js'

/**
 * Bearer sessions of the standalone server: HS256 JWTs whose `sub` is the user id. A partner's
 * own login issues live ones with SESSION_SECRET; sandbox mode also has dev-login.
 */
export interface Sessions {
  issue(userId: string, ttlSeconds?: number): Promise<string>
  /** The user id of a valid bearer token, or undefined. */
  resolveUser(ctx: Context): Promise<string | undefined>
}

export type SessionMode = 'live' | 'sandbox'

export interface SessionOptions {
  /** Default `'live'`. */
  mode?: SessionMode
  /** Longest accepted session, `exp` − `iat` (and `exp` − now). Default 24 h. */
  maxLifetimeSeconds?: number
}

/** Longest session accepted by default (`SESSION_MAX_LIFETIME_SECONDS`). */
export const DEFAULT_SESSION_MAX_LIFETIME_SECONDS = 24 * 3600
const DEFAULT_TTL_SECONDS = 12 * 3600
/** Clock difference tolerated between the signer and this server. */
const CLOCK_TOLERANCE_SECONDS = 30
/** A user id: 1–128 visible ASCII characters (no spaces, controls or NUL, which PostgreSQL text refuses). */
export const USER_ID_PATTERN = /^[\x21-\x7e]{1,128}$/

/**
 * Sandbox sessions are a different kind of token, so a sandbox instance that shares
 * SESSION_SECRET with production still cannot mint a session production accepts: they are
 * signed with a key derived from the secret (never the secret itself) and carry the sandbox
 * issuer and audience, which both modes check.
 */
export const SANDBOX_ISSUER = 'faceid-kit/sandbox'

function signingKey(secret: string, mode: SessionMode): Buffer {
  if (mode === 'live') return Buffer.from(secret, 'utf8')
  return crypto.createHmac('sha256', secret).update('faceid-kit sandbox session key v1').digest()
}

/** The claims of a session as they arrive: anything JSON, checked by `acceptable`. */
type SessionClaims = Record<string, unknown>

/** `Authorization` sent more than once: Node keeps only the first, so the raw headers are counted. */
function authorizationHeaders(ctx: Context): number {
  const raw = ctx.req.rawHeaders
  let count = 0
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') count += 1
  return count
}

export function createSessions(secret: string, options: SessionOptions = {}): Sessions {
  const mode = options.mode ?? 'live'
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_SESSION_MAX_LIFETIME_SECONDS
  if (!(maxLifetime > 0)) throw new ConfigurationError('The longest session lifetime must be more than 0 seconds')
  const key = signingKey(secret, mode)
  // Every authenticated request checks its session: an HMAC through node:crypto (fast-jwt),
  // about 5 µs, where WebCrypto's (jose) took about 150 µs of CPU. Signature, `alg` (HS256
  // only), `exp`, `nbf` and `crit` are checked here; the other claims in `acceptable`.
  const verify = createVerifier({ key, algorithms: ['HS256'], requiredClaims: ['exp'], clockTolerance: CLOCK_TOLERANCE_SECONDS * 1000 })

  function acceptable(payload: SessionClaims): string | undefined {
    const now = Math.floor(Date.now() / 1000)
    const { sub, exp, iat, iss, aud } = payload
    if (typeof exp !== 'number' || exp - now > maxLifetime + CLOCK_TOLERANCE_SECONDS) return undefined
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + CLOCK_TOLERANCE_SECONDS || exp - iat > maxLifetime)) return undefined
    const sandboxClaims = iss === SANDBOX_ISSUER || aud === SANDBOX_ISSUER || (Array.isArray(aud) && aud.includes(SANDBOX_ISSUER))
    if (mode === 'live' ? sandboxClaims : iss !== SANDBOX_ISSUER || aud !== SANDBOX_ISSUER) return undefined
    return typeof sub === 'string' && USER_ID_PATTERN.test(sub) ? sub : undefined
  }

  return {
    async issue(userId, ttlSeconds = Math.min(DEFAULT_TTL_SECONDS, maxLifetime)) {
      if (!USER_ID_PATTERN.test(userId)) throw new ConfigurationError('A session user id is 1–128 visible ASCII characters')
      if (!(ttlSeconds > 0 && ttlSeconds <= maxLifetime)) throw new ConfigurationError(`A session lifetime is at most ${maxLifetime} s`)
      const sign = createSigner({ key, algorithm: 'HS256', sub: userId, expiresIn: ttlSeconds * 1000, ...(mode === 'sandbox' ? { iss: SANDBOX_ISSUER, aud: SANDBOX_ISSUER } : {}) })
      return sign({})
    },
    async resolveUser(ctx) {
      if (authorizationHeaders(ctx) !== 1) return undefined
      const match = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/.exec(ctx.get('authorization'))
      if (!match) return undefined
      try {
        const payload: unknown = verify(match[1]!)
        return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? acceptable(payload as SessionClaims) : undefined
      } catch {
        return undefined
      }
    },
  }
}
