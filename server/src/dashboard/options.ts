import type { Context } from 'koa'
import { ConfigurationError } from '../errors/index.js'

/**
 * Who may read the dashboard. At least one of the two; either one lets a request in.
 * - `token`: an admin token the browser (or a script) sends as `Authorization: Bearer <token>`,
 *   compared in constant time.
 * - `authorize`: the partner's own check (their admin session cookie, an SSO header…), given the
 *   request; anything but `true` refuses it.
 */
export interface DashboardAuth {
  token?: string
  authorize?: (ctx: Context) => boolean | Promise<boolean>
}

/** The `dashboard` option of `createFaceidKit`: off unless given, and never without authentication. */
export interface DashboardOptions {
  /** Where the page is served, e.g. `'/ops'` (the page at `/ops/`, its data at `/ops/api/…`). */
  path: string
  auth: DashboardAuth
  /**
   * Price of one billable attempt per token kind (`face`, `eid`, `face-h5`, `eid-h5`…), for the
   * estimated cost. A kind without a price is counted but not costed. Default: none.
   */
  unitPrices?: Readonly<Record<string, number>>
  /** Shown beside costs. Default `'CNY'`. */
  currency?: string
}

/** Shortest admin token accepted. */
export const MIN_DASHBOARD_TOKEN_LENGTH = 16

/**
 * The sandbox's documented dashboard token (README): `npm start` without credentials opens the
 * dashboard with it. A live kit refuses it.
 */
export const SANDBOX_DASHBOARD_TOKEN = 'faceid-sandbox-dashboard'

/** The sandbox's dashboard path. */
export const DEFAULT_DASHBOARD_PATH = '/dashboard'

/** Checks the `dashboard` option; throws a `ConfigurationError` naming what is wrong. */
export function validateDashboardOptions(options: DashboardOptions, mode: 'live' | 'sandbox', where = 'createFaceidKit', prefix = '/faceid'): void {
  const fail = (message: string): never => {
    throw new ConfigurationError(`${where}: ${message}`)
  }
  if (typeof options !== 'object' || options === null) fail('`dashboard` must be an object { path, auth: { token } | { authorize } }')
  if (typeof options.path !== 'string' || !/^\/[\w\-/]*[\w-]$/.test(options.path) || options.path.includes('//')) {
    fail('`dashboard.path` must be a path such as "/ops" (letters, digits, - and _, no trailing slash)')
  }
  if (options.path === prefix || options.path.startsWith(`${prefix}/`)) fail(`\`dashboard.path\` must lie outside the faceid routes' prefix ${prefix}`)
  const auth = options.auth
  if (typeof auth !== 'object' || auth === null || (auth.token === undefined && auth.authorize === undefined)) {
    fail('`dashboard.auth` is required: { token } (an admin token of at least 16 characters) or { authorize(ctx) }; the dashboard is never open')
  }
  if (auth.token !== undefined) {
    if (typeof auth.token !== 'string' || auth.token.length < MIN_DASHBOARD_TOKEN_LENGTH || auth.token.trim() !== auth.token) {
      fail(`\`dashboard.auth.token\` must be a string of at least ${MIN_DASHBOARD_TOKEN_LENGTH} characters without surrounding spaces (e.g. \`openssl rand -hex 24\`)`)
    }
    if (mode === 'live' && auth.token === SANDBOX_DASHBOARD_TOKEN) fail('`dashboard.auth.token` is the public sandbox token: choose your own for a live kit')
  }
  if (auth.authorize !== undefined && typeof auth.authorize !== 'function') fail('`dashboard.auth.authorize` must be a function (ctx) => boolean | Promise<boolean>')
  if (options.unitPrices !== undefined) {
    if (typeof options.unitPrices !== 'object' || options.unitPrices === null) fail('`dashboard.unitPrices` must map token kinds to prices')
    for (const [kind, price] of Object.entries(options.unitPrices)) {
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) fail(`\`dashboard.unitPrices.${kind}\` must be a number ≥ 0`)
    }
  }
  if (options.currency !== undefined && (typeof options.currency !== 'string' || !/^[\p{L}\p{Sc}A-Za-z]{1,8}$/u.test(options.currency))) {
    fail('`dashboard.currency` must be a short label such as "CNY"')
  }
}
