// Explicit types on every export and one import from ./flows.js: the mini-program's type build
// emits this file's declarations on their own, and the uni-app packer copies it as is.
import { FLOWS, type TokenKind } from './flows.js'

/** What both Tencent SDKs accept as a token (they show a modal and never call back otherwise). */
export const TOKEN_PATTERN: RegExp = /^[A-Za-z0-9-]{36}$/

/**
 * The tokens of the flows whose provider is not Tencent: Megvii's biz_token (`<seconds>,<hex>`),
 * WeBank's order numbers (ours, 32 letters and digits). Kept out of `FLOWS` so that clients which
 * bundle `FLOWS` for its paths do not carry them.
 */
export const PROVIDER_TOKEN_PATTERNS: Readonly<Partial<Record<TokenKind, RegExp>>> = {
  'megvii-h5': /^\d{1,12},[0-9A-Za-z]{16,64}$/,
  megvii: /^\d{1,12},[0-9A-Za-z]{16,64}$/,
  'webank-app': /^[A-Za-z0-9]{32}$/,
  'webank-h5': /^[A-Za-z0-9]{32}$/,
}

/** The token pattern of `kind`'s provider; without a kind, Tencent's. */
export function tokenPatternOf(kind?: TokenKind): RegExp {
  return (kind === undefined ? undefined : PROVIDER_TOKEN_PATTERNS[kind]) ?? TOKEN_PATTERN
}

/** A well-formed token of `kind` (another provider's tokens look different); without a kind, Tencent's. */
export function isValidToken(value: unknown, kind?: TokenKind): value is string {
  return typeof value === 'string' && tokenPatternOf(kind).test(value)
}

/**
 * BizToken lives 7200 s, EidToken 600 s (Tencent's DetectAuth / GetEidToken documentation): each
 * flow's `lifetimeSeconds`.
 */
export const TOKEN_LIFETIME_SECONDS: Readonly<Record<TokenKind, number>> = Object.freeze(
  // One entry per key of FLOWS, so the object has exactly the keys of TokenKind.
  Object.fromEntries(Object.entries(FLOWS).map(([kind, flow]) => [kind, flow.lifetimeSeconds])) as Record<TokenKind, number>,
)

/** Tencent keeps results retrievable for 3 days. */
export const RESULT_RETENTION_SECONDS: number = 3 * 24 * 3600
