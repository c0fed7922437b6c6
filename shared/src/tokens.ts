import type { TokenKind } from './types.js'

/** What both Tencent SDKs accept as a token (they show a modal and never call back otherwise). */
export const TOKEN_PATTERN = /^[A-Za-z0-9-]{36}$/

export function isValidToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value)
}

/** BizToken lives 7200 s, EidToken 600 s (tencent-api.md). */
export const TOKEN_LIFETIME_SECONDS: Readonly<Record<TokenKind, number>> = { face: 7200, eid: 600 }

/** Tencent keeps results retrievable for 3 days. */
export const RESULT_RETENTION_SECONDS = 3 * 24 * 3600
