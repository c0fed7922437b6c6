#!/usr/bin/env node
/**
 * Standalone emulator: `npm run emulator -- [options]` (see `--help`: port, host, and the faults
 * and latency to inject). Refuses NODE_ENV=production.
 */
import { pino } from 'pino'
import { EMULATOR_USAGE, describeFaults, parseEmulatorArgs } from './cli.js'
import { DEFAULT_MERCHANT_ID, DEFAULT_RULE_ID, EmulatorError, SANDBOX_CREDENTIAL, SANDBOX_WEBANK_APP, createEmulator, createWebankEmulator } from './index.js'

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${EMULATOR_USAGE}\n`)
    return
  }
  const { port, host, faults, qpsLimit, webank } = parseEmulatorArgs(argv, process.env)
  const logger = pino({ name: 'faceid-emulator', level: process.env.EMULATOR_LOG_LEVEL ?? 'info' })
  if (webank) {
    const emulator = createWebankEmulator({ logger, ...(faults && { faults }), ...(typeof qpsLimit === 'number' && { qpsLimit }) })
    const { url } = await emulator.listen(port, host)
    process.stdout.write(
      [
        `WeBank (App SDK / mobile H5) emulator listening on ${url}`,
        `  FACEID_WEBANK_ENDPOINT=${url}`,
        `  FACEID_WEBANK_APP_ID=${SANDBOX_WEBANK_APP.appId}`,
        `  FACEID_WEBANK_SECRET=${SANDBOX_WEBANK_APP.secret}`,
        `  faults: ${describeFaults(faults)}${typeof qpsLimit === 'number' ? `; QPS limit: ${qpsLimit}` : ''}`,
        `  sandbox: POST ${url}/sandbox/webank/complete { orderNo, outcome: "passed" | "failed" | "abandoned", code? }`,
        `           POST ${url}/sandbox/webank/sdk/login (the App SDK's login), POST ${url}/sandbox/webank/rotate-secret { appId }`,
        '',
      ].join('\n'),
    )
    const stop = (): void => {
      emulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    return
  }
  const emulator = createEmulator({ logger, ...(faults && { faults }), ...(qpsLimit !== undefined && { qpsLimit }) })
  const { url, endpoint } = await emulator.listen(port, host)
  process.stdout.write(
    [
      `Tencent FaceID emulator listening on ${url}`,
      `  FACEID_ENDPOINT=${url}`,
      `  FACEID_SECRET_ID=${SANDBOX_CREDENTIAL.secretId}`,
      `  FACEID_SECRET_KEY=${SANDBOX_CREDENTIAL.secretKey}`,
      `  FACEID_RULE_ID=${DEFAULT_RULE_ID}`,
      `  FACEID_EID_MERCHANT_ID=${DEFAULT_MERCHANT_ID}`,
      `  SDK httpProfile: { endpoint: '${endpoint}', protocol: 'http://' }`,
      `  faults: ${describeFaults(faults)}${qpsLimit === undefined ? '' : `; QPS limit: ${typeof qpsLimit === 'number' ? qpsLimit : "Tencent's"}`}`,
      `  sandbox: POST ${url}/sandbox/complete { token, outcome: "passed" | "failed" | "abandoned", code? }`,
      `           GET  ${url}/sandbox/tokens/:token`,
      `           GET | PUT | DELETE ${url}/sandbox/faults (PUT { "dropRate": 0.2, "latencyMs": 300, … })`,
      '',
    ].join('\n'),
  )
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((e: unknown) => {
  const message = e instanceof EmulatorError || e instanceof Error ? e.message : String(e)
  process.stderr.write(`faceid emulator: ${message}\n`)
  process.exit(e instanceof EmulatorError && e.code === 'INVALID_OPTIONS' ? 2 : 1)
})
