/**
 * The web (H5) flows' way back. The provider sends the browser to the kit's return route with the
 * token in the query; the route records the return once, fetches the result from the provider,
 * and sends the browser on to the partner's page with only the token and a status that page must
 * confirm with the server (`GET <prefix><path>/:token`, which answers only the token's owner).
 *
 * A browser coming back carries no session, so the return URL carries its own proof: `s`, an HMAC
 * of the flow, the user and an expiry, made when the token was issued. A token the ledger does not
 * know, of another flow, or of another user than the one `s` was made for is refused the same way
 * (nothing tells which), and nothing is written. A provider that sends the browser back without
 * the token (Megvii H5) gets a random nonce in `s` as well, kept with the token in the ledger:
 * the return finds its token by it.
 */
import crypto from 'node:crypto'
import { isValidToken, type VerificationResult } from '@faceid-kit/shared'
import type { Context } from 'koa'
import { ConfigurationError } from '../errors/index.js'
import type { Flow } from '../flows/index.js'
import type { H5RouterOptions } from '../types.js'
import type { Verifier } from '../verification/verifier.js'
import type { TokenRecord } from '../store/ledger.js'

/** Tencent's limit on `RedirectUrl` (DetectAuth and GetEidToken). */
const MAX_REDIRECT_URL = 1024
/** The longest return URL the kit adds to the base: prefix aside, `/h5/return/<kind>?s=<exp>[.<nonce>].<sig>` (91 for megvii-h5). */
const RETURN_SUFFIX_ROOM = 120
const SIG_CHARS = 32
/** 128 random bits, 22 characters of base64url. */
const NONCE_BYTES = 16
/** `<exp>.<sig>`, or `<exp>.<nonce>.<sig>` for a flow that finds its token from the state. */
const STATE_PATTERN = /^(\d{1,12})\.(?:([\w-]{22})\.)?([\w-]{32})$/

/** Why a return was refused, as the partner's error page receives it in `?error=`. */
export type ReturnRefusal = 'malformed' | 'unknown' | 'expired' | 'unavailable' | 'replayed'

/** The path of a web flow's return route under the prefix. */
export function returnPath(flow: Pick<Flow, 'kind'>): string {
  return `/h5/return/${flow.kind}`
}

/** An absolute http(s) URL, or a path on this host (not `//host`): where a browser may be sent. */
function isPageTarget(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false
  if (value.startsWith('/')) return !value.startsWith('//') && !value.includes('\\')
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

/** Checks the `h5` options eagerly; `owner` names the function in the messages. */
export function validateH5Options(h5: H5RouterOptions | undefined, prefix: string, owner: string): void {
  if (h5 === undefined) return
  const fail = (message: string): never => {
    throw new ConfigurationError(`${owner}: ${message}`)
  }
  if (typeof h5 !== 'object' || h5 === null) fail('`h5` must be an object { publicBaseUrl, returnPage, errorPage? }')
  if (typeof h5.publicBaseUrl === 'string') {
    let url: URL | undefined
    try {
      url = new URL(h5.publicBaseUrl)
    } catch {
      fail(`\`h5.publicBaseUrl\` must be an absolute http(s) URL, got ${JSON.stringify(h5.publicBaseUrl)}`)
    }
    if (url!.protocol !== 'https:' && url!.protocol !== 'http:') fail('`h5.publicBaseUrl` must be an http(s) URL')
    if (url!.search !== '' || url!.hash !== '' || h5.publicBaseUrl.includes('?') || h5.publicBaseUrl.includes('#')) fail('`h5.publicBaseUrl` takes no query or fragment')
    if (url!.username !== '' || url!.password !== '') fail('`h5.publicBaseUrl` takes no user or password')
    if (h5.publicBaseUrl.length + prefix.length + RETURN_SUFFIX_ROOM > MAX_REDIRECT_URL) fail(`\`h5.publicBaseUrl\` is too long: the return URL must fit Tencent's ${MAX_REDIRECT_URL} characters`)
  } else if (typeof h5.publicBaseUrl !== 'function') {
    fail('`h5.publicBaseUrl` is required: the public http(s) address the kit is reached at, e.g. https://api.example.com')
  }
  if (!isPageTarget(h5.returnPage)) fail('`h5.returnPage` must be an absolute http(s) URL or a path starting with / (the partner page the browser lands on)')
  if (h5.errorPage !== undefined && !isPageTarget(h5.errorPage)) fail('`h5.errorPage` must be an absolute http(s) URL or a path starting with /')
  if (!(h5.stateKey instanceof Uint8Array) || h5.stateKey.length < 32) fail('`h5.stateKey` must be at least 32 bytes')
}

/** The HMAC key of return URLs, derived from the data key (never the key itself). */
export function deriveStateKey(dataKey: Uint8Array): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', dataKey, Buffer.alloc(0), 'faceid-kit h5 return state v1', 32))
}

function sign(key: Uint8Array, kind: string, userId: string, exp: number, nonce: string | undefined): string {
  const signed = nonce === undefined ? `${kind}\n${userId}\n${exp}` : `${kind}\n${userId}\n${exp}\n${nonce}`
  return crypto.createHmac('sha256', key).update(signed).digest('base64url').slice(0, SIG_CHARS)
}

/**
 * `<exp>.<sig>`, or `<exp>.<nonce>.<sig>` with a nonce: the return URL's proof that `userId`
 * asked for a token of `kind` (and, with a nonce, for the token issued with it).
 */
export function makeState(key: Uint8Array, kind: string, userId: string, exp: number, nonce?: string): string {
  const sig = sign(key, kind, userId, exp, nonce)
  return nonce === undefined ? `${exp}.${sig}` : `${exp}.${nonce}.${sig}`
}

interface ReturnState {
  exp: number
  nonce: string | undefined
  sig: string
}

function parseState(state: string): ReturnState | undefined {
  const match = STATE_PATTERN.exec(state)
  return match ? { exp: Number(match[1]), nonce: match[2], sig: match[3]! } : undefined
}

function stateMatches(key: Uint8Array, state: string, kind: string, userId: string): boolean {
  const parsed = parseState(state)
  if (!parsed) return false
  const expected = Buffer.from(sign(key, kind, userId, parsed.exp, parsed.nonce))
  const given = Buffer.from(parsed.sig)
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
}

/** `<publicBaseUrl><prefix>`: the kit as the provider reaches it (callbacks such as Megvii's notify_url). */
export function callbackBase(h5: H5RouterOptions, ctx: Context, prefix: string): string {
  return `${(typeof h5.publicBaseUrl === 'function' ? h5.publicBaseUrl(ctx) : h5.publicBaseUrl).replace(/\/+$/, '')}${prefix}`
}

/** Where the provider sends the browser back after one issuance. */
export interface ReturnTarget {
  /** Handed to the provider (`RedirectUrl`, `return_url`). */
  url: string
  /** For a flow that finds its token from the state (`WebFlow.tokenFromState`): store it with the token. */
  nonce: string | undefined
}

/** The return URL handed to the provider for one issuance, and the nonce in it, if any. */
export function returnUrl(h5: H5RouterOptions, ctx: Context, prefix: string, flow: Flow, userId: string, now: Date): ReturnTarget {
  const base = (typeof h5.publicBaseUrl === 'function' ? h5.publicBaseUrl(ctx) : h5.publicBaseUrl).replace(/\/+$/, '')
  // The state outlives the token by the route's own check below, never the other way round.
  const exp = Math.ceil(now.getTime() / 1000) + flow.lifetimeSeconds
  const nonce = flow.web?.tokenFromState ? crypto.randomBytes(NONCE_BYTES).toString('base64url') : undefined
  const url = `${base}${prefix}${returnPath(flow)}?s=${makeState(h5.stateKey, flow.kind, userId, exp, nonce)}`
  if (url.length > MAX_REDIRECT_URL) throw new ConfigurationError(`The return URL is longer than Tencent's ${MAX_REDIRECT_URL} characters`)
  return { url, nonce }
}

/** `page` with `params` added to its query; a path stays a path. */
function pageWith(page: string, params: Record<string, string>): string {
  const relative = page.startsWith('/')
  const url = new URL(page, 'http://kit.invalid')
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return relative ? `${url.pathname}${url.search}${url.hash}` : url.toString()
}

type ReturnQuery = Readonly<Record<string, string | string[] | undefined>>

/**
 * The return's query. Our return URL always has a query (`?s=…`); a provider that adds its own
 * parameters after a second `?` instead of `&` (no provider's documents say which it does) leaves
 * the first of them inside `s` (`s=<state>?code=0`). They are read from there, the state is what
 * comes before that `?`, and a parameter given properly as well keeps its proper value.
 */
function returnQuery(ctx: Context): ReturnQuery {
  const query = ctx.query
  const state = query['s']
  const mark = typeof state === 'string' ? state.indexOf('?') : -1
  if (typeof state !== 'string' || mark < 0) return query
  const merged: Record<string, string | string[] | undefined> = { ...query, s: state.slice(0, mark) }
  const inside = new URLSearchParams(state.slice(mark + 1))
  for (const name of new Set(inside.keys())) {
    if (merged[name] !== undefined) continue
    const values = inside.getAll(name)
    merged[name] = values.length === 1 ? values[0] : values
  }
  return merged
}

/** The first of the flow's return parameters present, if it is the only value given for it. */
function tokenOf(query: ReturnQuery, flow: Flow): string | undefined {
  for (const name of flow.web?.returnParams ?? []) {
    const value = query[name]
    if (value === undefined) continue
    return typeof value === 'string' ? value : undefined
  }
  return undefined
}

export interface ReturnDeps {
  verifier: Verifier
  h5: H5RouterOptions
  /** Called with a failure of the ledger or of the result fetch (the browser is still sent on). */
  onError?: ((error: unknown, ctx: Context) => void) | undefined
}

/** Handles `GET <prefix>/h5/return/<kind>` of one web flow. Always answers with a redirect. */
export function returnHandler(flow: Flow, deps: ReturnDeps) {
  const { verifier, h5 } = deps
  const refuse = (ctx: Context, error: ReturnRefusal): void => send(ctx, pageWith(h5.errorPage ?? h5.returnPage, { error }))

  return async function webReturn(ctx: Context): Promise<void> {
    const query = returnQuery(ctx)
    const given = tokenOf(query, flow)
    const state = query['s']
    if (typeof state !== 'string' || (given === undefined ? !flow.web?.tokenFromState : !isValidToken(given, flow.kind))) return refuse(ctx, 'malformed')
    let view: VerificationResult
    let token: string
    try {
      const record = given === undefined ? await tokenOfState(verifier, flow, h5.stateKey, state) : await verifier.ledger.get(given)
      if (!record || record.kind !== flow.kind || !stateMatches(h5.stateKey, state, flow.kind, record.userId)) return refuse(ctx, 'unknown')
      token = record.token
      const now = verifier.now()
      // Tencent redirects only while the token lives; a later return is a replay. The sweeper owns it.
      if (verifier.isPastLifetime(record, now)) return refuse(ctx, 'expired')
      // What only the provider can have signed (WeBank's newSignature), before anything is written.
      if (!(await verifier.verifyReturn(flow, token, query))) return refuse(ctx, 'unknown')
      if (!(await verifier.ledger.recordReturn(token, now))) {
        if (flow.web?.refuseReplay) return refuse(ctx, 'replayed')
        // Replayed: nothing is recorded or fetched again; the page confirms with the server anyway.
        view = verifier.view(record)
      } else {
        try {
          view = await verifier.refresh(record)
        } catch (error) {
          // The return is recorded; the page's own request and the sweeper fetch it later.
          deps.onError?.(error, ctx)
          view = verifier.view(record)
        }
      }
    } catch (error) {
      deps.onError?.(error, ctx)
      return refuse(ctx, 'unavailable')
    }
    send(ctx, pageWith(h5.returnPage, flow.web?.tokenOnly ? { token } : { token, status: view.status }))
  }
}

/** How long after the state was made its token may have been issued (the ledger's round trip, the provider's answer). */
const ISSUE_WINDOW_MS = 60_000
/** Tokens of one flow issued within one window: more than this is not a browser coming back. */
const MAX_CANDIDATES = 200

/**
 * The token a tokenless return's state was made for: the token of the flow issued with the
 * state's nonce, if the state signs its user. Undefined when none matches or the state is
 * malformed.
 */
async function tokenOfState(verifier: Verifier, flow: Flow, key: Uint8Array, state: string): Promise<TokenRecord | undefined> {
  const parsed = parseState(state)
  if (!parsed) return undefined
  const matches = (record: TokenRecord) => stateMatches(key, state, flow.kind, record.userId)
  if (parsed.nonce !== undefined) return (await verifier.ledger.byReturnNonce(flow.kind, parsed.nonce)).find(matches)
  // A state made before return nonces (ledger version 14), for as long as such tokens live:
  // among the tokens of the flow issued when it was made (its expiry less the flow's lifetime),
  // the newest whose user it signs. A busy flow (more candidates than the limit) or a user who
  // started twice in the window could land on the wrong one or none; the nonce has neither.
  const madeAt = (parsed.exp - flow.lifetimeSeconds) * 1000
  return (await verifier.ledger.issuedBetween(flow.kind, new Date(madeAt - 2000), new Date(madeAt + ISSUE_WINDOW_MS), MAX_CANDIDATES)).find(matches)
}

function send(ctx: Context, location: string): void {
  // The URL holds a token: no cache keeps it, no Referer carries it further.
  ctx.set('Cache-Control', 'no-store')
  ctx.set('Referrer-Policy', 'no-referrer')
  ctx.status = 303
  ctx.redirect(location)
  ctx.status = 303
}
