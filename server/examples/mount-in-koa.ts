/**
 * Mounting faceid-kit in a partner's own Koa app: your sessions, your user records, our routes
 * and background jobs. Tested by server/test/integration/example-mount.test.ts against the emulator.
 */
import Koa, { type Context } from 'koa'
import { createFaceidKit, createLogger, requestLogger, type Identity } from '@faceid-kit/server'

export interface PartnerAppOptions {
  /** FACEID_SECRET_ID / _KEY / _ENDPOINT / _RULE_ID / _EID_MERCHANT_ID, DATABASE_URL, FACEID_DATA_KEY. */
  env: NodeJS.ProcessEnv
  /** Your session check: the signed-in user's id, or undefined (→ 401). */
  currentUser: (ctx: Context) => string | undefined | Promise<string | undefined>
  /** Your user records: who this user is, as your KYC data says (never from the request). */
  identityOf: (userId: string) => Identity | undefined | Promise<Identity | undefined>
  /** Embedded database folder when DATABASE_URL is unset. */
  dataDir?: string
}

export async function createPartnerApp(options: PartnerAppOptions) {
  const { env } = options
  const log = createLogger({ secrets: [env['FACEID_SECRET_KEY'] ?? ''] })
  const kit = await createFaceidKit({
    secretId: env['FACEID_SECRET_ID'] ?? '',
    secretKey: env['FACEID_SECRET_KEY'] ?? '',
    endpoint: env['FACEID_ENDPOINT'],
    ruleId: env['FACEID_RULE_ID'],
    merchantId: env['FACEID_EID_MERCHANT_ID'],
    dataKey: env['FACEID_DATA_KEY'],
    database: env['DATABASE_URL'] || { dataDir: options.dataDir ?? './.data' },
    prefix: '/api/kyc',
    resolveUser: options.currentUser,
    resolveIdentity: (userId) => options.identityOf(userId),
    limits: { perUserPerHour: 5 },
    logger: log,
  })

  const app = new Koa()
  app.use(requestLogger(log))
  app.use(kit.routes())

  return {
    app,
    /** Server side only: the full, decrypted result of a token, e.g. to mark the user verified. */
    fullResult: (token: string) => kit.verifier.readFullResult(token),
    /** Stops the sweeper and the other jobs, and closes the database. */
    close: () => kit.close(),
  }
}
