import type Router from '@koa/router'
import { createIdentityChecks, type IdentityChecks } from './checks/index.js'
import pg from 'pg'
import pino, { type Logger } from 'pino'
import type Koa from 'koa'
import { ConfigurationError } from './errors/index.js'
import { FLOW_LIST } from './flows/index.js'
import { errorReporter } from './http/error-body.js'
import { createFaceidRouter } from './http/router.js'
import { createDashboardRouter } from './dashboard/router.js'
import { validateDashboardOptions } from './dashboard/options.js'
import { deriveStateKey, validateH5Options } from './http/web-return.js'
import { createDailyBillPull, type DailyBillPull } from './jobs/bill-pull.js'
import { createPersonalDataPurge } from './jobs/personal-data-purge.js'
import type { PeriodicJob } from './jobs/periodic.js'
import { createSweeper, type Sweeper } from './jobs/sweeper.js'
import { createWebhookDelivery, endpointId, type WebhookDelivery } from './jobs/webhook-delivery.js'
import { reconcile } from './billing/reconcile.js'
import { ruleScopeOf } from './billing/bill.js'
import { validateWebhookOptions } from './webhooks/options.js'
import { validateWebankOptions } from './providers/webank/options.js'
import { recordDiscrepancyEvents } from './webhooks/reconciliation.js'
import { dataKeySecrets, Keyring } from './privacy/data-keys.js'
import { createLogger } from './privacy/logging.js'
import { createTencentGateway } from './providers/tencent/client.js'
import { configuredProviders } from './providers/configured.js'
import { mapClients, PROVIDER_LABELS } from './providers/registry.js'
import { validateMegviiOptions } from './providers/megvii/options.js'
import { withRetries } from './resilience/retry.js'
import { openDatabase, type Database } from './store/database.js'
import { Ledger } from './store/ledger.js'
import { claimLedgerMode, type LedgerMode } from './store/ledger-mode.js'
import type { FaceidKitOptions } from './types.js'
import { Verifier } from './verification/verifier.js'

/** What `createFaceidKit` returns: the routes to mount and the background jobs that go with them. */
export interface FaceidKit {
  /** Koa middleware serving the faceid routes: `app.use(kit.routes())`. */
  routes(): ReturnType<Router['routes']>
  /** 405/501 answers for the faceid paths (`app.use(kit.allowedMethods())`), as @koa/router gives. */
  allowedMethods(): ReturnType<Router['allowedMethods']>
  /** The router itself, to mount under another router. */
  readonly router: Router
  /** The ops dashboard's router (page and JSON endpoints), also served by `routes()`; undefined without `dashboard`. */
  readonly dashboard: Router | undefined
  readonly verifier: Verifier
  readonly ledger: Ledger
  /**
   * Tencent's identity-factor checks (name + ID number, phone three factors, bank card 2/3/4
   * factors, phone status and tenure) for the partner's own server, recorded in the ledger.
   */
  readonly checks: IdentityChecks
  readonly jobs: FaceidKitJobs
  /** Stops the jobs (waiting for the runs under way) and closes the database the kit opened. */
  close(): Promise<void>
}

/** The background jobs a mounted kit runs, so that no result is lost. */
export interface FaceidKitJobs {
  /** Fetches every open token until its result is final; undefined when `sweeper: false`. */
  readonly sweeper: Sweeper | undefined
  /** Pulls yesterday's bill after 06:00 Beijing time; undefined when `billPull: false`. */
  readonly billPull: DailyBillPull | undefined
  /** Deletes old personal data; undefined unless `personalDataRetentionDays` is set. */
  readonly purge: PeriodicJob<number> | undefined
  /** Delivers webhook events; undefined without `webhooks`. Its `health()` tells how each endpoint stands. */
  readonly webhooks: WebhookDelivery | undefined
  /** Starts every job (idempotent). `createFaceidKit` starts them unless `startJobs: false`. */
  start(): void
  /** Stops every job and waits for the runs under way. */
  stop(): Promise<void>
}

/**
 * Puts the server side together: the ledger (migrated), the Tencent client with retries, the
 * routes, and the background jobs (sweeper, daily bill pull, personal-data purge), started.
 * Every option is checked here, before anything is opened.
 */
export async function createFaceidKit(options: FaceidKitOptions): Promise<FaceidKit> {
  validateOptions(options)
  const mode: LedgerMode = options.mode ?? 'live'
  const keyring =
    options.dataKey instanceof Keyring
      ? options.dataKey
      : Keyring.fromKeys(options.dataKey, options.previousDataKeys ?? [], { allowSandboxKey: mode === 'sandbox' })
  if (mode === 'live' && keyring.dev) throw new ConfigurationError('createFaceidKit: the public sandbox data key cannot seal live results')
  // The default logger removes every configured secret wherever it shows up.
  const secrets = [options.secretKey, ...(options.webank ? [options.webank.secret] : []), ...(options.megvii ? [options.megvii.appCode] : []), ...dataKeySecrets([typeof options.dataKey === 'string' ? options.dataKey : undefined, ...(options.previousDataKeys ?? [])])]
  const log: Logger = options.logger === false ? pino({ enabled: false }) : (options.logger ?? createLogger({ secrets }))

  const closers: Array<() => Promise<void>> = []
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close()
  }
  try {
    const db = await openKitDatabase(options.database, log)
    if (db.owned) closers.push(() => db.database.close())
    // The ledger stores the kinds of the registered flows, and refuses any other.
    // With webhooks, every result that turns final writes its event in the same transaction.
    const webhookEndpoints = options.webhooks?.endpoints.map(endpointId) ?? []
    const ledger = await Ledger.open(db.database, { keyring, kinds: FLOW_LIST.map((flow) => flow.kind), webhookEndpoints })
    // Before anything acts on the ledger: it must hold tokens of this mode only.
    await claimLedgerMode(db.database, mode)

    const upstream = createTencentGateway({
      secretId: options.secretId,
      secretKey: options.secretKey,
      region: options.region,
      endpoint: options.endpoint,
      timeoutSeconds: options.timeoutSeconds,
    })
    const retry = { ...options.retry, ...(options.totalTimeoutSeconds ? { budgetMs: Math.round(options.totalTimeoutSeconds * 1000) } : {}) }
    // The routes and the sweeper ask Tencent for the same parts of a result.
    const infoType = options.resultInfoType
    // The other providers the partner configured: bare for the sweeper, with retries for the routes.
    const bareProviders = configuredProviders(options, db.database)
    const { tencent, ...providers } = mapClients({ ...bareProviders, tencent: upstream }, (client, name) => withRetries(client, { provider: PROVIDER_LABELS[name], ...retry }))
    const megviiThreshold = options.megvii?.threshold
    const verifier = new Verifier({ gateway: tencent, providers, ledger, ruleId: options.ruleId, merchantId: options.merchantId, infoType, megviiThreshold })
    // Checks are billed per call: they get the bare client and retry only calls Tencent refused unanswered.
    const checks = createIdentityChecks({ gateway: upstream, database: db.database, keyring, logger: log, retry })
    const router = createFaceidRouter({
      verifier,
      resolveUser: options.resolveUser,
      resolveIdentity: options.resolveIdentity,
      bizTokenOptions: options.bizTokenOptions,
      eidTokenOptions: options.eidTokenOptions,
      prefix: options.prefix,
      jsonLimit: options.jsonLimit,
      limits: options.limits === false ? undefined : (options.limits ?? DEFAULT_LIMITS),
      reuseOpenToken: options.reuseOpenToken,
      onError: options.onError ?? errorReporter(log),
      // Return URLs are signed with a key derived from the data key: the same on every instance.
      ...(options.h5 ? { h5: { ...options.h5, stateKey: deriveStateKey(keyring.current.key) } } : {}),
    })

    const sweep = options.sweeper === false ? undefined : (options.sweeper ?? {})
    // The sweeper paces and retries on its own, so it gets the bare client.
    const sweeper = sweep
      ? createSweeper({
          ledger,
          gateway: upstream,
          providers: bareProviders,
          megviiThreshold,
          ruleId: options.ruleId,
          merchantId: options.merchantId,
          infoType,
          logger: log,
          ...(sweep.intervalSeconds !== undefined ? { intervalMs: sweep.intervalSeconds * 1000 } : {}),
          ...(sweep.qps !== undefined ? { qps: sweep.qps } : {}),
          ...(sweep.leaseSeconds !== undefined ? { leaseMs: sweep.leaseSeconds * 1000 } : {}),
          ...(sweep.batchSize !== undefined ? { batchSize: sweep.batchSize } : {}),
          ...(sweep.firstFetchAfterSeconds !== undefined ? { firstFetchAfterMs: sweep.firstFetchAfterSeconds * 1000 } : {}),
        })
      : undefined
    // With webhooks, each day's pull is reconciled at once and its discrepancies become events.
    const afterPull = options.webhooks
      ? async (pull: { date: string }) => {
          const report = await reconcile({ ledger, date: pull.date, scope: ruleScopeOf(options.ruleId) })
          const n = await recordDiscrepancyEvents(ledger, report, new Date())
          if (n > 0) log.warn({ date: pull.date, discrepancies: n }, 'reconciliation found discrepancies; webhook events recorded')
        }
      : undefined
    const billPull =
      (options.billPull ?? mode === 'live') ? createDailyBillPull({ db: db.database, gateway: upstream, ruleId: options.ruleId, logger: log, afterPull }) : undefined
    const purge =
      options.personalDataRetentionDays === undefined ? undefined : createPersonalDataPurge({ ledger, retentionDays: options.personalDataRetentionDays, logger: log })
    const hooks = options.webhooks
    const webhooks = hooks
      ? createWebhookDelivery({
          db: db.database,
          endpoints: hooks.endpoints,
          logger: log,
          ...(hooks.deliveryWindowHours !== undefined ? { deliveryWindowMs: hooks.deliveryWindowHours * 3_600_000 } : {}),
          ...(hooks.attemptTimeoutSeconds !== undefined ? { attemptTimeoutMs: hooks.attemptTimeoutSeconds * 1000 } : {}),
          ...(hooks.retryBaseSeconds !== undefined ? { baseDelayMs: hooks.retryBaseSeconds * 1000 } : {}),
          ...(hooks.retryMaxSeconds !== undefined ? { maxDelayMs: hooks.retryMaxSeconds * 1000 } : {}),
          ...(hooks.intervalSeconds !== undefined ? { intervalMs: hooks.intervalSeconds * 1000 } : {}),
          ...(hooks.failureReportAfter !== undefined ? { failureReportAfter: hooks.failureReportAfter } : {}),
        })
      : undefined
    const jobs: FaceidKitJobs = {
      sweeper,
      billPull,
      purge,
      webhooks,
      start() {
        sweeper?.start()
        billPull?.start()
        purge?.start()
        webhooks?.start()
      },
      async stop() {
        await Promise.all([sweeper?.stop(), billPull?.stop(), purge?.stop(), webhooks?.stop()])
      },
    }
    closers.push(() => jobs.stop())
    if (options.startJobs !== false) jobs.start()

    // The dashboard reads the same ledger; its routes are served next to the faceid ones.
    const dashboard = options.dashboard
      ? createDashboardRouter({
          ...options.dashboard,
          onError: options.onError ?? errorReporter(log),
          report: {
            ledger,
            kinds: FLOW_LIST.map((flow) => ({ kind: flow.kind, provider: flow.provider })),
            ruleScope: ruleScopeOf(options.ruleId),
            webhooks: hooks ? { endpoints: webhookEndpoints, failureReportAfter: hooks.failureReportAfter ?? 5 } : undefined,
            sweeperRunning: sweeper !== undefined,
            firstFetchAfterMs: (sweep?.firstFetchAfterSeconds ?? 60) * 1000,
            now: () => new Date(),
          },
        })
      : undefined

    let closing: Promise<void> | undefined
    return {
      router,
      dashboard,
      routes: () => (dashboard ? both(router.routes(), dashboard.routes()) : router.routes()),
      allowedMethods: () => (dashboard ? both(router.allowedMethods(), dashboard.allowedMethods()) : router.allowedMethods()),
      verifier,
      ledger,
      checks,
      jobs,
      close: () => (closing ??= closeAll()),
    }
  } catch (error) {
    await closeAll().catch(() => undefined)
    throw error
  }
}

/** Two middlewares as one: the first, then the second when the first calls next. */
function both<M>(first: M, second: M): M {
  const [a, b] = [first, second] as unknown as [Koa.Middleware, Koa.Middleware]
  const composed: Koa.Middleware = (ctx, next) => a(ctx, () => b(ctx, next))
  return composed as unknown as M
}

/** Defaults of the issuance limits: a person rarely needs more than a few tries an hour. */
const DEFAULT_LIMITS = { perUserPerHour: 20, perIpPerHour: 200 }

async function openKitDatabase(database: FaceidKitOptions['database'], log: Logger): Promise<{ database: Database; owned: boolean }> {
  const onConnectionError = (error: Error): void => log.warn({ err: error }, 'PostgreSQL closed an idle connection; it will be reopened')
  if (isDatabase(database)) return { database, owned: false }
  if (database instanceof pg.Pool) return { database: await openDatabase({ pool: database, onConnectionError }), owned: false }
  if (typeof database === 'string') return { database: await openDatabase({ url: database, onConnectionError }), owned: true }
  return {
    database: await openDatabase({ dataDir: database?.dataDir ?? './.data', sqlite: { synchronous: database?.synchronous, driver: database?.driver, backgroundCheckpoints: database?.backgroundCheckpoints } }),
    owned: true,
  }
}

function isDatabase(value: unknown): value is Database {
  return typeof value === 'object' && value !== null && 'engine' in value && typeof (value as Database).transaction === 'function'
}

function validateOptions(options: FaceidKitOptions): void {
  const fail = (message: string): never => {
    throw new ConfigurationError(`createFaceidKit: ${message}`)
  }
  if (!options || typeof options !== 'object') fail('needs an options object')
  if (typeof options.secretId !== 'string' || !options.secretId) fail('`secretId` (Tencent Cloud SecretId) is required')
  if (typeof options.secretKey !== 'string' || !options.secretKey) fail('`secretKey` (Tencent Cloud SecretKey) is required')
  if (typeof options.resolveUser !== 'function') fail('`resolveUser(ctx)` is required')
  if (options.mode !== undefined && options.mode !== 'live' && options.mode !== 'sandbox') fail("`mode` must be 'live' or 'sandbox'")
  const db = options.database
  if (db !== undefined && typeof db !== 'string' && !(db instanceof pg.Pool) && !isDatabase(db) && (typeof db !== 'object' || db === null || typeof db.dataDir !== 'string')) {
    fail('`database` must be a postgres:// URL, a pg.Pool or { dataDir }')
  }
  if (db && typeof db === 'object' && 'dataDir' in db) {
    if (db.synchronous !== undefined && db.synchronous !== 'full' && db.synchronous !== 'normal') fail("`database.synchronous` must be 'full' or 'normal'")
    if (db.backgroundCheckpoints !== undefined && typeof db.backgroundCheckpoints !== 'boolean') fail('`database.backgroundCheckpoints` must be a boolean')
    if (db.driver !== undefined && db.driver !== 'node:sqlite' && db.driver !== 'better-sqlite3') fail("`database.driver` must be 'node:sqlite' or 'better-sqlite3'")
  }
  if (typeof db === 'string' && !/^postgres(ql)?:\/\//.test(db)) fail('`database` must be a postgres:// URL')
  if (options.prefix !== undefined && typeof options.prefix !== 'string') fail('`prefix` must be a string')
  // The signing key is derived later; a placeholder lets every partner-set field be checked now.
  if (options.h5 !== undefined && (typeof options.h5 !== 'object' || options.h5 === null)) fail('`h5` must be an object { publicBaseUrl, returnPage, errorPage? }')
  if (options.webhooks !== undefined) validateWebhookOptions(options.webhooks, options.mode ?? 'live')
  if (options.megvii !== undefined) {
    validateMegviiOptions(options.megvii, options.mode ?? 'live', 'createFaceidKit')
    if (options.h5 === undefined) fail('`megvii` needs `h5`: Megvii calls the kit back at `h5.publicBaseUrl`')
    if (typeof options.resolveIdentity !== 'function') fail('`megvii` needs `resolveIdentity`: Megvii compares the user with the authority\'s photo of that identity')
  }
  if (options.webank !== undefined) validateWebankOptions(options.webank, options.mode ?? 'live')
  if (options.dashboard !== undefined) validateDashboardOptions(options.dashboard, options.mode ?? 'live', 'createFaceidKit', options.prefix ?? '/faceid')
  if (options.h5 !== undefined) validateH5Options({ ...options.h5, stateKey: new Uint8Array(32) }, options.prefix ?? '/faceid', 'createFaceidKit')
  const nonNegative = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) fail(`\`${name}\` must be a number ≥ 0`)
  }
  nonNegative('timeoutSeconds', options.timeoutSeconds)
  nonNegative('totalTimeoutSeconds', options.totalTimeoutSeconds)
  nonNegative('personalDataRetentionDays', options.personalDataRetentionDays)
  if (options.sweeper) {
    nonNegative('sweeper.intervalSeconds', options.sweeper.intervalSeconds)
    nonNegative('sweeper.qps', options.sweeper.qps)
    nonNegative('sweeper.leaseSeconds', options.sweeper.leaseSeconds)
    nonNegative('sweeper.batchSize', options.sweeper.batchSize)
    nonNegative('sweeper.firstFetchAfterSeconds', options.sweeper.firstFetchAfterSeconds)
    if (options.sweeper.intervalSeconds === 0) fail('`sweeper.intervalSeconds` must be > 0 (pass `sweeper: false` to turn it off)')
  }
}
