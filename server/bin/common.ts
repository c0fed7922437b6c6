/**
 * What the command-line tools share: the configuration the server reads (same environment
 * variables), the database and the bare Tencent gateway.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { keyringOf, readConfig, type ServerConfig } from '../src/config/environment.js'
import { openDatabase, type Database } from '../src/store/database.js'
import { DEFAULT_MERCHANT_ID, DEFAULT_RULE_ID, SANDBOX_CREDENTIAL } from '../emulator/index.js'
import { ConfigurationError, UpstreamError } from '../src/errors/index.js'
import { createTencentGateway, type Gateway } from '../src/providers/tencent/client.js'
import { endpointId } from '../src/jobs/webhook-delivery.js'
import { Ledger } from '../src/store/ledger.js'
import { claimLedgerMode } from '../src/store/ledger-mode.js'
import { scrubText } from '../src/privacy/logging.js'

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
  const gateway = createTencentGateway({ ...credential, endpoint: config.endpoint, region: config.region, timeoutSeconds: config.timeoutSeconds })
  // As the server: results are sealed, and outside sandbox mode only with a real key.
  const keyring = keyringOf(config)
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, sqlite: { synchronous: config.sqliteSynchronous } })
  try {
    // With webhooks configured, a token this tool makes final writes its event like the server (delivered by the server).
    const ledger = await Ledger.open(db, { keyring, webhookEndpoints: config.webhooks?.endpoints.map(endpointId) ?? [] })
    // As the server: a sandbox tool (no credentials) never acts on a live ledger, nor the reverse.
    await claimLedgerMode(db, config.sandbox ? 'sandbox' : 'live')
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

/** Exit statuses of the tools (each tool says which it uses). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** `npm run reconcile`: the ledger and Tencent's bill disagree. */
  discrepancies: 3,
  /** `npm run reconcile`: Tencent does not serve that day's bill yet; retry later. */
  notReady: 4,
} as const

/** What `parseCliArgs` returns: `parseArgs`'s own result type, spelled out so declarations can name it. */
export type CliArgs<T extends ParseArgsConfig['options']> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>>

/** `parseArgs` that turns bad usage into a message instead of a stack trace. */
export function parseCliArgs<T extends ParseArgsConfig['options']>(argv: string[], options: T, usage: string): CliArgs<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false })
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`, EXIT.usage)
  }
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

/**
 * The message of an error for an operator. A Tencent error names its code; Tencent's own words,
 * which the gateway keeps on the SDK's error, are added (scrubbed like a log line).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause: unknown = error.cause
  const said = error instanceof UpstreamError && typeof cause === 'object' && cause !== null ? (cause as { message?: unknown }).message : undefined
  if (typeof said === 'string' && said && !error.message.includes(said)) return `${error.message}: Tencent says "${scrubText(said)}"`
  return error.message
}

/**
 * Runs a tool's main, reporting errors without stack traces (they may carry request details).
 * `exitCodeFor` picks a status for the errors a tool tells apart; others exit 1.
 */
export function runCli(main: () => Promise<void>, exitCodeFor?: (error: unknown) => number | undefined): void {
  main().catch((error: unknown) => fail(`error: ${describeError(error)}`, exitCodeFor?.(error) ?? EXIT.error))
}
