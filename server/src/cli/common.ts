/**
 * What the command-line tools share: the configuration the server reads (same environment
 * variables), the database and the bare Tencent gateway.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { readConfig, type ServerConfig } from '../config.js'
import { openDatabase, type Database } from '../database.js'
import { DEFAULT_MERCHANT_ID, DEFAULT_RULE_ID, SANDBOX_CREDENTIAL } from '../emulator/index.js'
import { Keyring } from '../data-keys.js'
import { ConfigurationError } from '../errors.js'
import { createTencentGateway, type Gateway } from '../gateway.js'
import { Ledger } from '../ledger.js'
import { timeoutSecondsFromEnv } from '../retry.js'

export interface CliContext {
  config: ServerConfig
  db: Database
  ledger: Ledger
  /** Without retries: each tool adds its own. */
  gateway: Gateway
  ruleId: string | undefined
  merchantId: string | undefined
  close(): Promise<void>
}

/**
 * Opens what a tool needs. In sandbox mode (no credentials) the tokens were issued by the
 * emulator embedded in `npm start`, which lives in that process: a tool can only reach an
 * emulator that runs on its own (`npm run emulator`, then FACEID_ENDPOINT).
 */
export async function openCliContext(env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const config = readConfig(env)
  if (config.sandbox && !config.endpoint) {
    throw new ConfigurationError(
      'Sandbox mode (no FACEID_SECRET_ID/KEY): the embedded emulator lives inside `npm start`, where the sweeper already runs. ' +
        'Point FACEID_ENDPOINT at a standalone emulator (`npm run emulator`) or configure Tencent credentials.',
    )
  }
  const credential = config.sandbox ? SANDBOX_CREDENTIAL : { secretId: config.secretId!, secretKey: config.secretKey! }
  const gateway = createTencentGateway({ ...credential, endpoint: config.endpoint, region: config.region, timeoutSeconds: timeoutSecondsFromEnv(env) })
  // As the server: results are sealed, and outside sandbox mode only with a real key.
  const keyring = Keyring.fromEnv(env, { requireKey: !config.sandbox })
  const db = await openDatabase({ url: config.databaseUrl })
  try {
    const ledger = await Ledger.open(db, { keyring })
    return {
      config,
      db,
      ledger,
      gateway,
      ruleId: config.ruleId ?? (config.sandbox ? DEFAULT_RULE_ID : undefined),
      merchantId: config.merchantId ?? (config.sandbox ? DEFAULT_MERCHANT_ID : undefined),
      close: () => db.close(),
    }
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}

/** `parseArgs` that turns bad usage into a message instead of a stack trace. */
export function parseCliArgs<T extends ParseArgsConfig['options']>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false })
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`, 2)
  }
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

/** Runs a tool's main, reporting errors without stack traces (they may carry request details). */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => fail(`error: ${error instanceof Error ? error.message : String(error)}`))
}
