/**
 * Sandbox control over HTTP, on the emulator's own port (never at `/`, never faulted):
 * `POST /sandbox/complete` plays the user's verification, `GET /sandbox/tokens/:token` shows a token,
 * `GET | PUT | DELETE /sandbox/faults` shows, sets and clears the injected faults.
 * Errors use the kit's shape `{ error: { code, message } }`.
 */
import { z } from 'zod'
import { EmulatorError, type EmulatorErrorCode } from './errors.js'
import { parseFaultOptions } from './faults.js'
import type { StoredToken, TokenStore } from './store.js'
import type { EmulatorStats, FaultOptions, SandboxOutcome } from './types.js'

export interface SandboxReply {
  status: number
  body: unknown
}

export interface SandboxDeps {
  store: TokenStore
  now: () => number
  complete: (token: string, outcome: SandboxOutcome) => StoredToken
  faults: {
    current(): FaultOptions | undefined
    set(faults: FaultOptions | undefined): void
    stats(): EmulatorStats
  }
}

const completeBody = z.strictObject({
  token: z.string().min(1),
  outcome: z.enum(['passed', 'failed', 'abandoned', 'intention-failed']),
  code: z.number().int().positive().optional(),
  /** intention-failed: the question / nod / reading (0-based) whose answer did not match. */
  item: z.number().int().min(0).optional(),
})

const STATUS_OF: Partial<Record<EmulatorErrorCode, number>> = {
  TOKEN_NOT_FOUND: 404,
  TOKEN_FINAL: 409,
  TOKEN_EXPIRED: 410,
  INVALID_OUTCOME: 400,
}

const error = (status: number, code: string, message: string): SandboxReply => ({ status, body: { error: { code, message } } })

/** What the sandbox shows of a token: state and attempts, never the identity. */
export function publicView(stored: StoredToken, now: number): Record<string, unknown> {
  return {
    token: stored.token,
    kind: stored.kind,
    status: stored.status,
    ...(stored.code !== undefined && { code: stored.code }),
    expired: now > stored.expiresAt,
    ...(stored.ruleId !== undefined && { ruleId: stored.ruleId }),
    ...(stored.merchantId !== undefined && { merchantId: stored.merchantId }),
    createdAt: new Date(stored.createdAt).toISOString(),
    expiresAt: new Date(stored.expiresAt).toISOString(),
    retainedUntil: new Date(stored.retainedUntil).toISOString(),
    attempts: stored.attempts.map((a) => ({ at: new Date(a.at).toISOString(), code: a.code, message: a.message, billable: a.billable })),
    // The partner's script (not the user's answers): what an "intention-failed" outcome can pick from.
    ...(stored.intention && { intention: { mode: stored.intention.mode, prompts: stored.intention.prompts } }),
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export function handleSandbox(method: string, path: string, body: Buffer, deps: SandboxDeps): SandboxReply {
  if (path === '/sandbox/faults') return handleFaults(method, body, deps)
  if (path === '/sandbox/complete') {
    if (method !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', 'Use POST /sandbox/complete')
    const parsed = completeBody.safeParse(parseJson(body))
    if (!parsed.success) {
      return error(400, 'BAD_REQUEST', 'Expected a JSON body { token, outcome: "passed" | "failed" | "abandoned" | "intention-failed", code?, item? }')
    }
    const { token, outcome, code, item } = parsed.data
    if (code !== undefined && outcome !== 'failed') return error(400, 'BAD_REQUEST', '`code` is only allowed with outcome "failed"')
    if (item !== undefined && outcome !== 'intention-failed') return error(400, 'BAD_REQUEST', '`item` is only allowed with outcome "intention-failed"')
    const sandboxOutcome: SandboxOutcome =
      outcome === 'failed'
        ? { outcome, ...(code !== undefined && { code }) }
        : outcome === 'intention-failed'
          ? { outcome, ...(item !== undefined && { item }) }
          : { outcome }
    try {
      const stored = deps.complete(token, sandboxOutcome)
      return { status: 200, body: { token: stored.token, kind: stored.kind, status: stored.status } }
    } catch (e) {
      if (e instanceof EmulatorError) return error(STATUS_OF[e.code] ?? 400, e.code, e.message)
      throw e
    }
  }
  const tokenMatch = /^\/sandbox\/tokens\/([^/]+)$/.exec(path)
  if (tokenMatch) {
    if (method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', 'Use GET /sandbox/tokens/:token')
    const stored = deps.store.get(safeDecode(tokenMatch[1]!))
    if (!stored) return error(404, 'TOKEN_NOT_FOUND', 'Unknown token')
    return { status: 200, body: publicView(stored, deps.now()) }
  }
  return error(404, 'NOT_FOUND', `No sandbox route ${method} ${path}`)
}

/** Rehearsing outages: the faults of the API at `/` (this route itself is never faulted). */
function handleFaults(method: string, body: Buffer, deps: SandboxDeps): SandboxReply {
  if (method === 'GET') return { status: 200, body: { faults: deps.faults.current() ?? null, stats: deps.faults.stats() } }
  if (method === 'DELETE') {
    deps.faults.set(undefined)
    return { status: 200, body: { faults: null } }
  }
  if (method !== 'PUT') return error(405, 'METHOD_NOT_ALLOWED', 'Use GET, PUT or DELETE /sandbox/faults')
  try {
    const faults = parseFaultOptions(parseJson(body))
    deps.faults.set(faults)
    return { status: 200, body: { faults } }
  } catch (e) {
    if (e instanceof EmulatorError) return error(400, 'BAD_REQUEST', e.message)
    throw e
  }
}
