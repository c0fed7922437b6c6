
import path from 'node:path'
import { z } from 'zod'
import { ConfigurationError } from '../errors/index.js'
import { Keyring } from '../privacy/data-keys.js'
import type { RetryOptions } from '../resilience/retry.js'
import { validateWebhookOptions, type WebhookOptions } from '../webhooks/options.js'
import { validateWebankOptions, type WebankOptions } from '../providers/webank/options.js'
import { validateMegviiOptions, type MegviiOptions } from '../providers/megvii/options.js'
import type { MegviiThresholdKey } from '../providers/megvii/actions.js'
import { DEFAULT_DASHBOARD_PATH, SANDBOX_DASHBOARD_TOKEN, validateDashboardOptions, type DashboardOptions } from '../dashboard/options.js'
import { DEFAULT_PER_IP_PER_HOUR, DEFAULT_PER_USER_PER_HOUR, type IssueLimits } from '../verification/issuance-limits.js'

/**
 * The only reader of the environment: the standalone server (`npm start`) and the command-line
 * tools. Library modules take typed options (see `createFaceidKit`); they never read
 * `process.env`. Every variable is listed once, in `ENVIRONMENT` below, and checked at start.
 */

/** Unset or empty → undefined; otherwise the trimmed text. */
const text = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

type NumberRule = { integer?: boolean; hint?: string }

/** Optional numbers ≥ 0 (see `envNumber`), one schema per variable name. */
function numbers<K extends string>(rules: Record<K, NumberRule>): Record<K, z.ZodType<number | undefined, string | undefined>> {
  const entries = Object.entries<NumberRule>(rules).map(([name, rule]) => [name, checked((v) => envNumber({ [name]: v }, name, rule))])
  return Object.fromEntries(entries) as Record<K, z.ZodType<number | undefined, string | undefined>>
}

/** Optional on/off flags (see `envFlag`), undefined when unset. */
function flags<K extends string>(...names: K[]): Record<K, z.ZodType<boolean | undefined, string | undefined>> {
  const entries = names.map((name) => [name, checked((v) => (v === undefined || v.trim() === '' ? undefined : envFlag({ [name]: v }, name, false)))])
  return Object.fromEntries(entries) as Record<K, z.ZodType<boolean | undefined, string | undefined>>
}

/** A schema running `parse`, whose ConfigurationError becomes the issue's message. */
function checked<T>(parse: (value: string | undefined) => T) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parse(value)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) })
        return z.NEVER
      }
    })
}

/** Every environment variable of the standalone server, with its rule. */
const ENVIRONMENT = z.object({
  FACEID_SECRET_ID: text,
  FACEID_SECRET_KEY: text,
  FACEID_REGION: text,
  FACEID_ENDPOINT: text,
  FACEID_RULE_ID: text,
  FACEID_EID_MERCHANT_ID: text,
  DATABASE_URL: text.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'DATABASE_URL must be a postgres:// URL'),
  FACEID_DATA_DIR: text,
  FACEID_SQLITE_SYNCHRONOUS: z.enum(['normal', 'full']).optional(),
  /** Set by npm to the directory `npm start` was run from (npm runs workspace scripts elsewhere). */
  INIT_CWD: text,
  SESSION_SECRET: text,
  FACEID_DATA_KEY: text,
  FACEID_DATA_KEYS: text,
  FACEID_RESULT_INFO_TYPE: text,
  FACEID_TRUST_PROXY: text,
  FACEID_PUBLIC_BASE_URL: text,
  FACEID_H5_RETURN_PAGE: text,
  FACEID_H5_ERROR_PAGE: text,
  FACEID_WEBHOOK_URL: text,
  FACEID_WEBHOOK_SECRET: text,
  FACEID_WEBHOOK_PREVIOUS_SECRET: text,
  FACEID_WEBANK_APP_ID: text,
  FACEID_WEBANK_SECRET: text,
  FACEID_WEBANK_LICENCE: text,
  FACEID_WEBANK_ENDPOINT: text,
  FACEID_MEGVII_APPCODE: text,
  FACEID_MEGVII_ENDPOINT: text,
  FACEID_MEGVII_PAGE_BASE: text,
  FACEID_MEGVII_THRESHOLD: text,
  FACEID_DASHBOARD_TOKEN: text,
  FACEID_DASHBOARD_PATH: text,
  FACEID_DASHBOARD_PRICES: text,
  PORT: text,
  ...numbers({
    SESSION_MAX_LIFETIME_SECONDS: { hint: 'seconds' },
    FACEID_PERSONAL_DATA_RETENTION_DAYS: { hint: 'days' },
    FACEID_LIMIT_PER_USER_PER_HOUR: { integer: true, hint: '0: no limit' },
    FACEID_LIMIT_PER_IP_PER_HOUR: { integer: true, hint: '0: no limit' },
    FACEID_TIMEOUT_SECONDS: {},
    FACEID_TOTAL_TIMEOUT_SECONDS: { hint: 'seconds, 0: the default' },
    FACEID_RETRY_ATTEMPTS: {},
    FACEID_RETRY_BASE_MS: {},
    FACEID_RETRY_MAX_MS: {},
    FACEID_SWEEP_INTERVAL_SECONDS: {},
    FACEID_SWEEP_QPS: {},
    FACEID_SWEEP_LEASE_SECONDS: {},
    FACEID_SWEEP_BATCH: {},
    FACEID_HTTP_MAX_CONNECTIONS: { integer: true },
    FACEID_HTTP_HEADERS_TIMEOUT_SECONDS: { hint: 'seconds' },
    FACEID_HTTP_REQUEST_TIMEOUT_SECONDS: { hint: 'seconds' },
    FACEID_WEBHOOK_DELIVERY_WINDOW_HOURS: { hint: 'hours, default 72' },
  }),
  ...flags('FACEID_REUSE_OPEN_TOKEN', 'FACEID_BILL_PULL'),
  NODE_ENV: text,
})

/** The standalone server's whole configuration, read from the environment at start. */
export interface ServerConfig {
  /** No Tencent credentials: run against the embedded emulator. */
  sandbox: boolean
  secretId: string | undefined
  secretKey: string | undefined
  region: string
  endpoint: string | undefined
  ruleId: string | undefined
  merchantId: string | undefined
  databaseUrl: string | undefined
  /** Embedded database directory (`FACEID_DATA_DIR`, default `./.data` of the working directory). */
  dataDir: string | undefined
  /** `FACEID_SQLITE_SYNCHRONOUS`: how the embedded ledger flushes commits (`normal` by default). */
  sqliteSynchronous: 'normal' | 'full' | undefined
  sessionSecret: string | undefined
  sessionMaxLifetimeSeconds: number | undefined
  port: number
  /** `FACEID_DATA_KEY`, `FACEID_DATA_KEYS`. */
  dataKey: string | undefined
  previousDataKeys: string[]
  personalDataRetentionDays: number | undefined
  resultInfoType: string | undefined
  limits: IssueLimits
  reuseOpenToken: boolean
  /** Proxies in front of the server whose X-Forwarded-For is trusted (0: none). */
  trustProxy: number
  /**
   * The web (H5) flows: `FACEID_PUBLIC_BASE_URL` (the server's public address, the base of the
   * return URL Tencent redirects to), `FACEID_H5_RETURN_PAGE`, `FACEID_H5_ERROR_PAGE`. Undefined
   * values: live mode has no web flows; sandbox mode uses the request's own address and the demo page.
   */
  h5: { publicBaseUrl: string | undefined; returnPage: string | undefined; errorPage: string | undefined }
  /**
   * Signed webhooks: `FACEID_WEBHOOK_URL` (one URL, or several separated by commas, all signed
   * with the same secret), `FACEID_WEBHOOK_SECRET`, `FACEID_WEBHOOK_PREVIOUS_SECRET` (during a
   * rotation), `FACEID_WEBHOOK_DELIVERY_WINDOW_HOURS`. Undefined: no webhooks.
   */
  webhooks: WebhookOptions | undefined
  /**
   * WeBank's App SDK / mobile H5 protocol: `FACEID_WEBANK_APP_ID` (WBappid), `FACEID_WEBANK_SECRET`,
   * `FACEID_WEBANK_LICENCE` (the App SDK's licence, required live), `FACEID_WEBANK_ENDPOINT`.
   * Undefined: live mode has no WeBank flows; sandbox mode runs the emulator's WeBank mode.
   */
  webank: WebankOptions | undefined
  /**
   * Megvii FaceID lite: `FACEID_MEGVII_APPCODE` (the Aliyun API market AppCode), `FACEID_MEGVII_ENDPOINT`,
   * `FACEID_MEGVII_PAGE_BASE`, `FACEID_MEGVII_THRESHOLD` (`1e-3`…`1e-6`, default `1e-4`).
   * Undefined: live mode has no Megvii flows; sandbox mode runs the emulator's Megvii mode.
   */
  megvii: MegviiOptions | undefined
  /**
   * The ops dashboard: `FACEID_DASHBOARD_TOKEN` (the admin token; live mode has no dashboard
   * without it), `FACEID_DASHBOARD_PATH` (default `/dashboard`), `FACEID_DASHBOARD_PRICES`
   * (`face=1.5,eid=0.8`). Sandbox mode opens it with the public sandbox token unless a token is set.
   */
  dashboard: DashboardOptions | undefined
  /** Deadline of one Tencent request, seconds. */
  timeoutSeconds: number | undefined
  retry: RetryOptions
  sweep: SweepSettings
  billPull: boolean
  http: HttpServerLimits
  production: boolean
}

/** The background sweeper's settings (`FACEID_SWEEP_*`). */
export interface SweepSettings {
  /** `FACEID_SWEEP_INTERVAL_SECONDS=0` turns it off. */
  enabled: boolean
  intervalSeconds?: number
  qps?: number
  leaseSeconds?: number
  batchSize?: number
}

/** Reads and checks every setting; the first bad one throws a `ConfigurationError` naming it. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = ENVIRONMENT.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigurationError(issue?.message ?? 'invalid configuration')
  }
  const e = parsed.data
  if (Boolean(e.FACEID_SECRET_ID) !== Boolean(e.FACEID_SECRET_KEY)) {
    throw new ConfigurationError('Set both FACEID_SECRET_ID and FACEID_SECRET_KEY, or neither (sandbox mode)')
  }
  const port = Number(e.PORT ?? '3000')
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`PORT is not a port number: ${e.PORT}`)
  const limit = (value: number | undefined, fallback: number): number => value ?? fallback
  const retry: RetryOptions = {}
  if (e.FACEID_RETRY_ATTEMPTS !== undefined) retry.attempts = e.FACEID_RETRY_ATTEMPTS
  if (e.FACEID_RETRY_BASE_MS !== undefined) retry.baseDelayMs = e.FACEID_RETRY_BASE_MS
  if (e.FACEID_RETRY_MAX_MS !== undefined) retry.maxDelayMs = e.FACEID_RETRY_MAX_MS
  if (e.FACEID_TOTAL_TIMEOUT_SECONDS) retry.budgetMs = Math.round(e.FACEID_TOTAL_TIMEOUT_SECONDS * 1000)
  const sweep: SweepSettings = { enabled: e.FACEID_SWEEP_INTERVAL_SECONDS !== 0 }
  if (e.FACEID_SWEEP_INTERVAL_SECONDS) sweep.intervalSeconds = e.FACEID_SWEEP_INTERVAL_SECONDS
  if (e.FACEID_SWEEP_QPS) sweep.qps = e.FACEID_SWEEP_QPS
  if (e.FACEID_SWEEP_LEASE_SECONDS) sweep.leaseSeconds = e.FACEID_SWEEP_LEASE_SECONDS
  if (e.FACEID_SWEEP_BATCH) sweep.batchSize = Math.floor(e.FACEID_SWEEP_BATCH)
  const sandbox = !e.FACEID_SECRET_ID
  // Live web flows need both addresses; the sandbox falls back to its own and the demo page.
  if (!sandbox && Boolean(e.FACEID_PUBLIC_BASE_URL) !== Boolean(e.FACEID_H5_RETURN_PAGE)) {
    throw new ConfigurationError('The web (H5) flows need both FACEID_PUBLIC_BASE_URL and FACEID_H5_RETURN_PAGE, or neither')
  }
  if (!sandbox && e.FACEID_H5_ERROR_PAGE && !e.FACEID_H5_RETURN_PAGE) throw new ConfigurationError('FACEID_H5_ERROR_PAGE needs FACEID_H5_RETURN_PAGE')
  const webhooks = webhookSettings(e, sandbox)
  const webank = webankSettings(e, sandbox)
  const megvii = megviiSettings(e, sandbox)
  if (megvii && !sandbox && !e.FACEID_PUBLIC_BASE_URL) throw new ConfigurationError('FACEID_MEGVII_APPCODE needs FACEID_PUBLIC_BASE_URL and FACEID_H5_RETURN_PAGE: Megvii calls the server back there')
  const dashboard = dashboardSettings(e, sandbox)
  return {
    sandbox,
    secretId: e.FACEID_SECRET_ID,
    secretKey: e.FACEID_SECRET_KEY,
    region: e.FACEID_REGION ?? 'ap-guangzhou',
    endpoint: e.FACEID_ENDPOINT,
    ruleId: e.FACEID_RULE_ID,
    merchantId: e.FACEID_EID_MERCHANT_ID,
    databaseUrl: e.DATABASE_URL,
    // `./.data` of the directory the user ran the command from, also through `npm start`.
    dataDir: e.FACEID_DATA_DIR ?? (e.INIT_CWD ? path.join(e.INIT_CWD, '.data') : undefined),
    sqliteSynchronous: e.FACEID_SQLITE_SYNCHRONOUS,
    sessionSecret: e.SESSION_SECRET,
    sessionMaxLifetimeSeconds: e.SESSION_MAX_LIFETIME_SECONDS || undefined,
    port,
    dataKey: e.FACEID_DATA_KEY,
    previousDataKeys: (e.FACEID_DATA_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    personalDataRetentionDays: e.FACEID_PERSONAL_DATA_RETENTION_DAYS,
    resultInfoType: e.FACEID_RESULT_INFO_TYPE,
    limits: {
      perUserPerHour: limit(e.FACEID_LIMIT_PER_USER_PER_HOUR, DEFAULT_PER_USER_PER_HOUR),
      perIpPerHour: limit(e.FACEID_LIMIT_PER_IP_PER_HOUR, DEFAULT_PER_IP_PER_HOUR),
    },
    reuseOpenToken: e.FACEID_REUSE_OPEN_TOKEN ?? false,
    trustProxy: proxyHops(e.FACEID_TRUST_PROXY),
    h5: { publicBaseUrl: e.FACEID_PUBLIC_BASE_URL, returnPage: e.FACEID_H5_RETURN_PAGE, errorPage: e.FACEID_H5_ERROR_PAGE },
    webhooks,
    webank,
    megvii,
    dashboard,
    timeoutSeconds: e.FACEID_TIMEOUT_SECONDS || undefined,
    retry,
    sweep,
    billPull: e.FACEID_BILL_PULL ?? !sandbox,
    http: httpLimits(e.FACEID_HTTP_MAX_CONNECTIONS, e.FACEID_HTTP_HEADERS_TIMEOUT_SECONDS, e.FACEID_HTTP_REQUEST_TIMEOUT_SECONDS),
    production: isProduction(env),
  }
}

/**
 * The data keys of a configuration. Outside sandbox mode (and under NODE_ENV=production) a
 * current key is required; the sandbox falls back to the public sandbox key.
 */
export function keyringOf(config: Pick<ServerConfig, 'dataKey' | 'previousDataKeys' | 'sandbox' | 'production'>): Keyring {
  return Keyring.fromKeys(config.dataKey, config.previousDataKeys, {
    allowSandboxKey: config.sandbox && !config.production,
    names: { current: 'FACEID_DATA_KEY', previous: 'FACEID_DATA_KEYS' },
  })
}

/** `FACEID_WEBHOOK_*`: checked here with the kit's own rules, so a bad value stops the start. */
function webhookSettings(
  e: { FACEID_WEBHOOK_URL?: string | undefined; FACEID_WEBHOOK_SECRET?: string | undefined; FACEID_WEBHOOK_PREVIOUS_SECRET?: string | undefined; FACEID_WEBHOOK_DELIVERY_WINDOW_HOURS?: number | undefined },
  sandbox: boolean,
): WebhookOptions | undefined {
  if (!e.FACEID_WEBHOOK_URL) {
    if (e.FACEID_WEBHOOK_SECRET || e.FACEID_WEBHOOK_PREVIOUS_SECRET) throw new ConfigurationError('FACEID_WEBHOOK_SECRET is set but FACEID_WEBHOOK_URL is not')
    return undefined
  }
  if (!e.FACEID_WEBHOOK_SECRET) throw new ConfigurationError('FACEID_WEBHOOK_URL needs FACEID_WEBHOOK_SECRET (at least 32 characters, e.g. `openssl rand -hex 32`)')
  const secret = e.FACEID_WEBHOOK_SECRET
  const previousSecret = e.FACEID_WEBHOOK_PREVIOUS_SECRET
  const options: WebhookOptions = {
    endpoints: e.FACEID_WEBHOOK_URL.split(',').map((url) => url.trim()).filter(Boolean).map((url) => ({ url, secret, ...(previousSecret ? { previousSecret } : {}) })),
    ...(e.FACEID_WEBHOOK_DELIVERY_WINDOW_HOURS ? { deliveryWindowHours: e.FACEID_WEBHOOK_DELIVERY_WINDOW_HOURS } : {}),
  }
  try {
    validateWebhookOptions(options, sandbox ? 'sandbox' : 'live', 'FACEID_WEBHOOK_*')
  } catch (error) {
    // Name the variables, not the kit's option paths.
    const message = error instanceof Error ? error.message : String(error)
    throw new ConfigurationError(
      message
        .replace(/`webhooks\.endpoints\[\d+\]\.url`/, 'FACEID_WEBHOOK_URL')
        .replace(/`webhooks\.endpoints\[\d+\]\.previousSecret`/, 'FACEID_WEBHOOK_PREVIOUS_SECRET')
        .replace(/`webhooks\.endpoints\[\d+\]\.secret`/g, 'FACEID_WEBHOOK_SECRET')
        .replace(/`webhooks\.endpoints\[\d+\]`/, 'FACEID_WEBHOOK_URL'),
    )
  }
  return options
}

/**
 * `FACEID_DASHBOARD_*`. Live: on only with a token, and a path or prices without one stop the
 * start (the dashboard is never open). Sandbox: on, with the documented sandbox token by default.
 */
function dashboardSettings(
  e: { FACEID_DASHBOARD_TOKEN?: string | undefined; FACEID_DASHBOARD_PATH?: string | undefined; FACEID_DASHBOARD_PRICES?: string | undefined },
  sandbox: boolean,
): DashboardOptions | undefined {
  const token = e.FACEID_DASHBOARD_TOKEN ?? (sandbox ? SANDBOX_DASHBOARD_TOKEN : undefined)
  if (token === undefined) {
    if (e.FACEID_DASHBOARD_PATH || e.FACEID_DASHBOARD_PRICES) {
      throw new ConfigurationError('FACEID_DASHBOARD_PATH / FACEID_DASHBOARD_PRICES need FACEID_DASHBOARD_TOKEN: the dashboard is never served without authentication')
    }
    return undefined
  }
  const options: DashboardOptions = {
    path: e.FACEID_DASHBOARD_PATH ?? DEFAULT_DASHBOARD_PATH,
    auth: { token },
    ...(e.FACEID_DASHBOARD_PRICES ? { unitPrices: parsePrices(e.FACEID_DASHBOARD_PRICES) } : {}),
  }
  try {
    validateDashboardOptions(options, sandbox ? 'sandbox' : 'live', 'FACEID_DASHBOARD_*')
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new ConfigurationError(message.replace('`dashboard.auth.token`', 'FACEID_DASHBOARD_TOKEN').replace('`dashboard.path`', 'FACEID_DASHBOARD_PATH').replace(/`dashboard\.unitPrices[^`]*`/, 'FACEID_DASHBOARD_PRICES'))
  }
  return options
}

/** `face=1.5,eid=0.8,check:id-card=0.3`: a price per token kind or identity-check kind. */
function parsePrices(text: string): Record<string, number> {
  const prices: Record<string, number> = {}
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([\w:-]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(part)
    if (!match) throw new ConfigurationError(`FACEID_DASHBOARD_PRICES must read kind=price,… (e.g. face=1.5,eid=0.8), got ${JSON.stringify(part)}`)
    prices[match[1]!] = Number(match[2])
  }
  return prices
}

/** `FACEID_MEGVII_*`: the AppCode, or nothing at all; checked with the kit's rules, naming the variables. */
function megviiSettings(
  e: { FACEID_MEGVII_APPCODE?: string | undefined; FACEID_MEGVII_ENDPOINT?: string | undefined; FACEID_MEGVII_PAGE_BASE?: string | undefined; FACEID_MEGVII_THRESHOLD?: string | undefined },
  sandbox: boolean,
): MegviiOptions | undefined {
  if (!e.FACEID_MEGVII_APPCODE) {
    // A half-configured Megvii must not start as "no Megvii" in live mode.
    if (e.FACEID_MEGVII_ENDPOINT || e.FACEID_MEGVII_PAGE_BASE || e.FACEID_MEGVII_THRESHOLD) throw new ConfigurationError('FACEID_MEGVII_ENDPOINT / _PAGE_BASE / _THRESHOLD need FACEID_MEGVII_APPCODE (the Aliyun API market AppCode)')
    return undefined
  }
  const options: MegviiOptions = {
    appCode: e.FACEID_MEGVII_APPCODE,
    ...(e.FACEID_MEGVII_ENDPOINT ? { endpoint: e.FACEID_MEGVII_ENDPOINT } : {}),
    ...(e.FACEID_MEGVII_PAGE_BASE ? { pageBase: e.FACEID_MEGVII_PAGE_BASE } : {}),
    ...(e.FACEID_MEGVII_THRESHOLD ? { threshold: e.FACEID_MEGVII_THRESHOLD as MegviiThresholdKey } : {}),
  }
  try {
    validateMegviiOptions(options, sandbox ? 'sandbox' : 'live', 'FACEID_MEGVII_*')
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    throw new ConfigurationError(error.message.replace('`megvii.appCode`', 'FACEID_MEGVII_APPCODE').replace('`megvii.threshold`', 'FACEID_MEGVII_THRESHOLD'))
  }
  return options
}

/** `FACEID_WEBANK_*`: all of app id and secret or none; checked with the kit's rules, naming the variables. */
function webankSettings(
  e: { FACEID_WEBANK_APP_ID?: string | undefined; FACEID_WEBANK_SECRET?: string | undefined; FACEID_WEBANK_LICENCE?: string | undefined; FACEID_WEBANK_ENDPOINT?: string | undefined },
  sandbox: boolean,
): WebankOptions | undefined {
  if (!e.FACEID_WEBANK_APP_ID && !e.FACEID_WEBANK_SECRET) {
    if (e.FACEID_WEBANK_LICENCE || e.FACEID_WEBANK_ENDPOINT) throw new ConfigurationError('FACEID_WEBANK_LICENCE / FACEID_WEBANK_ENDPOINT need FACEID_WEBANK_APP_ID and FACEID_WEBANK_SECRET')
    return undefined
  }
  if (!e.FACEID_WEBANK_APP_ID || !e.FACEID_WEBANK_SECRET) throw new ConfigurationError('Set both FACEID_WEBANK_APP_ID and FACEID_WEBANK_SECRET (the WBappid and its secret), or neither')
  const options: WebankOptions = {
    appId: e.FACEID_WEBANK_APP_ID,
    secret: e.FACEID_WEBANK_SECRET,
    ...(e.FACEID_WEBANK_LICENCE ? { licence: e.FACEID_WEBANK_LICENCE } : {}),
    ...(e.FACEID_WEBANK_ENDPOINT ? { endpoint: e.FACEID_WEBANK_ENDPOINT } : {}),
  }
  try {
    validateWebankOptions(options, sandbox ? 'sandbox' : 'live', 'FACEID_WEBANK_*')
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new ConfigurationError(
      message
        .replace('`webank.appId`', 'FACEID_WEBANK_APP_ID')
        .replace('`webank.secret`', 'FACEID_WEBANK_SECRET')
        .replace('`webank.licence`', 'FACEID_WEBANK_LICENCE')
        .replace('`webank.endpoint`', 'FACEID_WEBANK_ENDPOINT'),
    )
  }
  return options
}

/** `FACEID_TRUST_PROXY`: how many proxies in front of the server set X-Forwarded-For (0: none). */
function proxyHops(value: string | undefined): number {
  if (value === undefined || value === '0' || value === 'false') return 0
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new ConfigurationError('FACEID_TRUST_PROXY must be the number of trusted proxies in front of the server (0-10)')
  return n
}

/**
 * Whether NODE_ENV says production, in any case and with stray spaces (`Production`,
 * ` PRODUCTION `): the sandbox must not run there, so the check must not be easy to miss.
 */
export function isProduction(...envs: NodeJS.ProcessEnv[]): boolean {
  return envs.some((env) => (env['NODE_ENV'] ?? '').trim().toLowerCase() === 'production')
}

/** Limits of the standalone server's HTTP listener (Node's own defaults are far looser). */
export interface HttpServerLimits {
  /** Open connections at most; Node closes any beyond at once, without an answer. */
  maxConnections: number
  /** Time a client has to send the request headers (slow or idle clients), ms. */
  headersTimeoutMs: number
  /** Time a client has to send the whole request, body included, ms. */
  requestTimeoutMs: number
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpServerLimits> = Object.freeze({
  maxConnections: 1024,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
})

/** FACEID_HTTP_MAX_CONNECTIONS, FACEID_HTTP_HEADERS_TIMEOUT_SECONDS, FACEID_HTTP_REQUEST_TIMEOUT_SECONDS. */
function httpLimits(max: number | undefined, headers: number | undefined, request: number | undefined): HttpServerLimits {
  const limits = {
    maxConnections: max || DEFAULT_HTTP_LIMITS.maxConnections,
    headersTimeoutMs: headers ? Math.round(headers * 1000) : DEFAULT_HTTP_LIMITS.headersTimeoutMs,
    requestTimeoutMs: request ? Math.round(request * 1000) : DEFAULT_HTTP_LIMITS.requestTimeoutMs,
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigurationError('FACEID_HTTP_HEADERS_TIMEOUT_SECONDS must not be longer than FACEID_HTTP_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)')
  }
  if (limits.requestTimeoutMs > 2_147_483_647) throw new ConfigurationError('FACEID_HTTP_REQUEST_TIMEOUT_SECONDS is too long')
  return limits
}

/**
 * An optional number ≥ 0 from the environment: unset or empty → undefined; anything else that
 * is not a number within the rule throws, rather than being guessed at.
 */
export function envNumber(env: NodeJS.ProcessEnv, name: string, rule: { integer?: boolean; hint?: string } = {}): number | undefined {
  const text = env[name]
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  const ok = rule.integer ? Number.isInteger(value) : Number.isFinite(value)
  if (!ok || value < 0) {
    const what = rule.integer ? 'a whole number ≥ 0' : 'a number ≥ 0'
    throw new ConfigurationError(`${name} must be ${what}${rule.hint ? ` (${rule.hint})` : ''}, got ${JSON.stringify(text)}`)
  }
  return value
}

/** An optional on/off setting: `1`/`true` or `0`/`false`; unset or empty → `fallback`. */
export function envFlag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = (env[name] ?? '').trim().toLowerCase()
  if (text === '') return fallback
  if (text === '1' || text === 'true') return true
  if (text === '0' || text === 'false') return false
  throw new ConfigurationError(`${name} must be 1/true or 0/false, got ${JSON.stringify(env[name])}`)
}
