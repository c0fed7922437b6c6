import { ConfigurationError } from './errors.js'

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
