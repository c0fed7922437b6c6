/** In-memory tokens and their verification attempts, with Tencent's lifetimes. */
import { createHash, randomUUID } from 'node:crypto'
import { DEFAULT_FAILURE_CODE, codeStage, isBillableCode, resultMessage } from './codes.js'
import { EmulatorError } from './errors.js'
import type { EmulatedAttempt, EmulatedIntention, EmulatedToken, SandboxOutcome } from './types.js'

// Tencent's lifetimes, stated here on their own (not taken from the kit's FLOWS): the emulator
// stands for Tencent, so a wrong lifetime in the kit shows up as a failing test, not a copied mistake.
export const BIZ_TOKEN_LIFETIME_MS = 7200 * 1000
export const EID_TOKEN_LIFETIME_MS = 600 * 1000
export const RESULT_RETENTION_MS = 3 * 24 * 3600 * 1000

export interface NewToken {
  kind: 'face' | 'eid'
  ruleId?: string
  merchantId?: string
  identity?: { name: string; idCard: string }
  extra?: string
  redirectUrl?: string
  ownImage?: boolean
  intention?: EmulatedIntention
}

/** A stored token plus the final code of its flow (kept apart: system codes have no attempt). */
export interface StoredToken extends EmulatedToken {
  code?: number
}

/** Deterministic pseudo-score in [low, high) from the token, so a result reads the same on every fetch. */
function score(token: string, index: number, low: number, high: number): string {
  const n = createHash('sha256').update(`${token}#${index}`).digest().readUInt32BE(0)
  return (low + (n / 0x1_0000_0000) * (high - low)).toFixed(2)
}

export class TokenStore {
  private readonly tokens = new Map<string, StoredToken>()

  constructor(private readonly now: () => number) {}

  create(input: NewToken): StoredToken {
    const createdAt = this.now()
    // Tencent's tokens are uppercase UUIDs: 36 characters of [0-9A-F-].
    const token = randomUUID().toUpperCase()
    const stored: StoredToken = {
      token,
      kind: input.kind,
      ...(input.ruleId !== undefined && { ruleId: input.ruleId }),
      ...(input.merchantId !== undefined && { merchantId: input.merchantId }),
      createdAt,
      expiresAt: createdAt + (input.kind === 'face' ? BIZ_TOKEN_LIFETIME_MS : EID_TOKEN_LIFETIME_MS),
      retainedUntil: createdAt + RESULT_RETENTION_MS,
      status: 'pending',
      ...(input.identity !== undefined && { identity: { ...input.identity } }),
      ...(input.extra !== undefined && { extra: input.extra }),
      ...(input.redirectUrl !== undefined && { redirectUrl: input.redirectUrl }),
      ownImage: input.ownImage ?? false,
      attempts: [],
      ...(input.intention !== undefined && { intention: structuredClone(input.intention) }),
    }
    this.tokens.set(token, stored)
    return stored
  }

  get(token: string): StoredToken | undefined {
    return this.tokens.get(token)
  }

  snapshot(token: string): EmulatedToken | undefined {
    const stored = this.tokens.get(token)
    if (!stored) return undefined
    const { code: _code, ...rest } = structuredClone(stored)
    return rest
  }

  /** Face tokens with at least one attempt in [fromMs, toMs). */
  attemptedBetween(fromMs: number, toMs: number): StoredToken[] {
    const found: StoredToken[] = []
    for (const stored of this.tokens.values()) {
      if (stored.kind === 'face' && stored.attempts.some((a) => a.at >= fromMs && a.at < toMs)) found.push(stored)
    }
    return found
  }

  /** Records how the user's verification ended. A failure can be followed by a retry; a pass is final. */
  complete(token: string, outcome: SandboxOutcome): StoredToken {
    const stored = this.tokens.get(token)
    if (!stored) throw new EmulatorError('TOKEN_NOT_FOUND', `Unknown token ${token}`)
    const now = this.now()
    if (now > stored.expiresAt) {
      throw new EmulatorError('TOKEN_EXPIRED', `Token ${token} expired at ${new Date(stored.expiresAt).toISOString()}`)
    }
    if (stored.status === 'passed') throw new EmulatorError('TOKEN_FINAL', `Token ${token} has already passed`)

    switch (outcome.outcome) {
      case 'abandoned':
        if (stored.status === 'pending') stored.status = 'abandoned'
        return stored
      case 'passed':
        this.addAttempt(stored, 0, now)
        stored.status = 'passed'
        stored.code = 0
        if (stored.intention) delete stored.intention.failedItem
        return stored
      case 'intention-failed': {
        const intention = stored.intention
        if (!intention) throw new EmulatorError('INVALID_OUTCOME', `Token ${token} has no 意愿核身 configured`)
        const item = outcome.item ?? 0
        if (!Number.isSafeInteger(item) || item < 0 || item >= intention.prompts.length) {
          throw new EmulatorError('INVALID_OUTCOME', `item must be 0 to ${intention.prompts.length - 1}, got ${String(outcome.item)}`)
        }
        // The face part passed and is billed; Text says so, only the intention result tells the failure.
        this.addAttempt(stored, 0, now)
        stored.status = 'failed'
        stored.code = 0
        intention.failedItem = item
        return stored
      }
      case 'failed': {
        if (stored.intention) delete stored.intention.failedItem
        const code = outcome.code ?? DEFAULT_FAILURE_CODE
        if (!Number.isSafeInteger(code) || code <= 0) {
          throw new EmulatorError('INVALID_OUTCOME', `A failure code must be a positive integer, got ${String(outcome.code)}`)
        }
        if (codeStage(code) !== 'system') this.addAttempt(stored, code, now)
        stored.status = 'failed'
        stored.code = code
        return stored
      }
      default:
        throw new EmulatorError('INVALID_OUTCOME', `Unknown outcome ${String((outcome as { outcome: unknown }).outcome)}`)
    }
  }

  private addAttempt(stored: StoredToken, code: number, at: number): void {
    const index = stored.attempts.length
    const stage = codeStage(code)
    const attempt: EmulatedAttempt = {
      at,
      seq: randomUUID(),
      code,
      message: resultMessage(code),
      billable: isBillableCode(stored.kind, code),
      sim: code === 0 ? score(stored.token, index, 90, 99) : stage === 'compare' && code === 2016 ? score(stored.token, index, 30, 69) : null,
    }
    stored.attempts.push(attempt)
  }
}
