import { ConfigurationError } from '../errors/index.js'

/** Everything the standalone server reads from the environment (DESIGN §4). */
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
  sessionSecret: string | undefined
  port: number
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const secretId = env['FACEID_SECRET_ID'] || undefined
  const secretKey = env['FACEID_SECRET_KEY'] || undefined
  if (Boolean(secretId) !== Boolean(secretKey)) {
    throw new ConfigurationError('Set both FACEID_SECRET_ID and FACEID_SECRET_KEY, or neither (sandbox mode)')
  }
  const portText = env['PORT'] ?? '3000'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`PORT is not a port number: ${portText}`)
  const databaseUrl = env['DATABASE_URL'] || undefined
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigurationError('DATABASE_URL must be a postgres:// URL')
  return {
    sandbox: !secretId,
    secretId,
    secretKey,
    region: env['FACEID_REGION'] || 'ap-guangzhou',
    endpoint: env['FACEID_ENDPOINT'] || undefined,
    ruleId: env['FACEID_RULE_ID'] || undefined,
    merchantId: env['FACEID_EID_MERCHANT_ID'] || undefined,
    databaseUrl,
    sessionSecret: env['SESSION_SECRET'] || undefined,
    port,
  }
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
export function httpLimitsFromEnv(env: NodeJS.ProcessEnv): HttpServerLimits {
  const max = envNumber(env, 'FACEID_HTTP_MAX_CONNECTIONS', { integer: true })
  const headers = envNumber(env, 'FACEID_HTTP_HEADERS_TIMEOUT_SECONDS', { hint: 'seconds' })
  const request = envNumber(env, 'FACEID_HTTP_REQUEST_TIMEOUT_SECONDS', { hint: 'seconds' })
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
