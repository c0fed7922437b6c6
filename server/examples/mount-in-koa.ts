/**
 * Mounting faceid-kit in a partner's own Koa app: your sessions, your user records, our routes.
 * Tested by server/test/example-mount.test.ts against the emulator.
 */
import Koa, { type Context } from 'koa'
import {
  createFaceidRouter,
  createLogger,
  createTencentGateway,
  Keyring,
  Ledger,
  openDatabase,
  requestLogger,
  Verifier,
  withRetries,
  type Identity,
} from '@faceid-kit/server'

export interface PartnerAppOptions {
  /** FACEID_SECRET_ID / _KEY / _ENDPOINT / _RULE_ID / _EID_MERCHANT_ID, DATABASE_URL, FACEID_DATA_KEY. */
  env: NodeJS.ProcessEnv
  /** Your session check: the signed-in user's id, or undefined (→ 401). */
  currentUser: (ctx: Context) => string | undefined | Promise<string | undefined>
  /** Your user records: who this user is, as your KYC data says (never from the request). */
  identityOf: (userId: string) => Identity | undefined | Promise<Identity | undefined>
  /** PGlite folder when DATABASE_URL is unset. */
  dataDir?: string
}

export async function createPartnerApp(options: PartnerAppOptions) {
  const { env } = options
  const log = createLogger({ secrets: [env['FACEID_SECRET_KEY'] ?? ''] })
  const db = await openDatabase({ url: env['DATABASE_URL'], dataDir: options.dataDir ?? './.data', onConnectionError: (err) => log.warn({ err }, 'db connection lost') })
  const ledger = await Ledger.open(db, { keyring: Keyring.fromEnv(env) })
  const gateway = withRetries(
    createTencentGateway({ secretId: env['FACEID_SECRET_ID'] ?? '', secretKey: env['FACEID_SECRET_KEY'] ?? '', endpoint: env['FACEID_ENDPOINT'] }),
  )
  const verifier = new Verifier({ gateway, ledger, ruleId: env['FACEID_RULE_ID'], merchantId: env['FACEID_EID_MERCHANT_ID'] })

  const app = new Koa()
  app.use(requestLogger(log))
  app.use(
    createFaceidRouter({
      verifier,
      prefix: '/api/kyc',
      resolveUser: options.currentUser,
      resolveIdentity: (userId) => options.identityOf(userId),
      limits: { perUserPerHour: 5 },
      onError: (err) => log.error({ err }, 'kyc route failed'),
    }).routes(),
  )

  return {
    app,
    /** Server side only: the full, decrypted result of a token, e.g. to mark the user verified. */
    fullResult: (token: string) => verifier.readFullResult(token),
    close: () => db.close(),
  }
}
