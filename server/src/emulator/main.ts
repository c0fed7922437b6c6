/**
 * Standalone emulator: `npm run emulator -w server` (EMULATOR_PORT, default 9000; EMULATOR_HOST,
 * default 127.0.0.1). Refuses NODE_ENV=production.
 */
import { pino } from 'pino'
import { DEFAULT_MERCHANT_ID, DEFAULT_RULE_ID, EmulatorError, SANDBOX_CREDENTIAL, createEmulator } from './index.js'

async function main(): Promise<void> {
  const port = Number(process.env.EMULATOR_PORT ?? 9000)
  const host = process.env.EMULATOR_HOST ?? '127.0.0.1'
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`EMULATOR_PORT is not a port: ${process.env.EMULATOR_PORT}`)
  const logger = pino({ name: 'faceid-emulator', level: process.env.EMULATOR_LOG_LEVEL ?? 'info' })
  const emulator = createEmulator({ logger })
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
      `  sandbox: POST ${url}/sandbox/complete { token, outcome: "passed" | "failed" | "abandoned", code? }`,
      `           GET  ${url}/sandbox/tokens/:token`,
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
  process.exit(1)
})
