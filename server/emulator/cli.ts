/**
 * Command line of `npm run emulator`: where to listen, and the faults and latency to inject so
 * that operators can rehearse outages (`npm run emulator -- --drop-rate 0.2 --latency-ms 300`).
 */
import { parseArgs } from 'node:util'
import { EmulatorError } from './errors.js'
import { validateFaultOptions } from './faults.js'
import { TENCENT_QPS_LIMITS } from './ratelimit.js'
import type { EmulatorOptions, FaultOptions } from './types.js'

export interface EmulatorCommand {
  port: number
  host: string
  faults?: FaultOptions
  qpsLimit?: EmulatorOptions['qpsLimit']
  /** Serve WeBank's login-auth API (App SDK / mobile H5) instead of Tencent's. */
  webank?: boolean
}

export const EMULATOR_USAGE = `Usage: npm run emulator -- [options]

  --port N                 port (default EMULATOR_PORT or 9000; 0 = any free port)
  --host H                 address to listen on (default EMULATOR_HOST or 127.0.0.1)
  --webank                 serve WeBank's login-auth API (the App SDK and mobile H5: access
                           token, tickets, getAdvFaceId, the H5 login page, queryfacerecord)
                           instead of Tencent's; faults and --qps-limit N apply the same way

Faults, per API request (rates 0–1; drop, stall, 5xx, rate limit and internal error exclude
each other and sum to at most 1):
  --drop-rate R            close the connection without answering
  --stall-rate R           send the headers and a few bytes, then nothing
  --http5xx-rate R         HTTP 500 Internal Server Error
  --rate-limit-rate R      RequestLimitExceeded
  --internal-error-rate R  InternalError
  --slow-rate R            delay the answer by --slow-ms (default 2000)
  --slow-ms MS
  --latency-ms MS          add MS to every answer
  --seed N                 PRNG seed: the same seed and requests give the same faults
  --qps-limit N|tencent    requests per second per action (tencent: Tencent's defaults)

Change them while it runs: PUT /sandbox/faults { "dropRate": 0.2, … }, DELETE /sandbox/faults.`

const RATES = {
  'drop-rate': 'dropRate',
  'stall-rate': 'stallRate',
  'http5xx-rate': 'http5xxRate',
  'rate-limit-rate': 'rateLimitRate',
  'internal-error-rate': 'internalErrorRate',
  'slow-rate': 'slowRate',
} as const
const DURATIONS = { 'slow-ms': 'slowMs', 'latency-ms': 'latencyMs' } as const

const invalid = (message: string): EmulatorError => new EmulatorError('INVALID_OPTIONS', message)

function number(flag: string, text: string, check: (n: number) => boolean, rule: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw invalid(`--${flag} must be ${rule}, got ${JSON.stringify(text)}`)
  return value
}

/** Parses the arguments (after `--`) and the environment; throws `EmulatorError` on anything it would have to guess. */
export function parseEmulatorArgs(argv: string[], env: NodeJS.ProcessEnv): EmulatorCommand {
  const string = { type: 'string' } as const
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: string,
        host: string,
        seed: string,
        'qps-limit': string,
        help: { type: 'boolean', short: 'h' },
        webank: { type: 'boolean' },
        ...Object.fromEntries([...Object.keys(RATES), ...Object.keys(DURATIONS)].map((flag) => [flag, string])),
      },
    }).values
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error))
  }
  const text = (flag: string): string | undefined => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined)

  const portText = text('port') ?? env['EMULATOR_PORT'] ?? '9000'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) throw invalid(`The port must be 0–65535, got ${JSON.stringify(portText)}`)
  const command: EmulatorCommand = { port, host: text('host') ?? env['EMULATOR_HOST'] ?? '127.0.0.1' }

  const faults: FaultOptions = {}
  for (const [flag, key] of Object.entries(RATES)) {
    const value = text(flag)
    if (value !== undefined) faults[key] = number(flag, value, (n) => n >= 0 && n <= 1, 'a rate from 0 to 1')
  }
  for (const [flag, key] of Object.entries(DURATIONS)) {
    const value = text(flag)
    if (value !== undefined) faults[key] = number(flag, value, (n) => n >= 0 && n <= 600_000, 'milliseconds from 0 to 600000')
  }
  const seed = text('seed')
  if (seed !== undefined) faults.seed = number('seed', seed, Number.isSafeInteger, 'an integer')
  if (Object.keys(faults).length > 0) {
    validateFaultOptions(faults)
    command.faults = faults
  }

  const qps = text('qps-limit')
  if (qps !== undefined) command.qpsLimit = qps === 'tencent' ? { ...TENCENT_QPS_LIMITS } : number('qps-limit', qps, (n) => n > 0, 'a number > 0 or "tencent"')
  if (values['webank'] === true) {
    if (qps === 'tencent') throw invalid('--qps-limit tencent names Tencent\'s limits; with --webank give a number')
    command.webank = true
  }
  return command
}

/** `http5xxRate=0.1, seed=3` */
export function describeFaults(faults: FaultOptions | undefined): string {
  if (!faults) return 'none'
  return Object.entries(faults)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ')
}
