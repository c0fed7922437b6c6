import { jwtVerify, SignJWT } from 'jose'
import type { Context } from 'koa'

/**
 * Bearer sessions of the standalone server: HS256 JWTs signed with SESSION_SECRET whose `sub`
 * is the user id. A partner's own login issues them; sandbox mode also has dev-login.
 */
export interface Sessions {
  issue(userId: string, ttlSeconds?: number): Promise<string>
  /** The user id of a valid bearer token, or undefined. */
  resolveUser(ctx: Context): Promise<string | undefined>
}

export function createSessions(secret: string): Sessions {
  const key = new TextEncoder().encode(secret)
  return {
    issue: (userId, ttlSeconds = 12 * 3600) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime(`${ttlSeconds}s`).sign(key),
    async resolveUser(ctx) {
      const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(ctx.get('authorization'))
      if (!match) return undefined
      try {
        const { payload } = await jwtVerify(match[1]!, key, { algorithms: ['HS256'] })
        return typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined
      } catch {
        return undefined
      }
    },
  }
}
