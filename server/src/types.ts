import type { BizTokenOptions, EidTokenOptions, Identity } from '@faceid-kit/shared'
import type { Context } from 'koa'
import type { Pool as PgPool } from 'pg'
import type { Logger } from 'pino'
import type { Keyring } from './privacy/data-keys.js'
import type { RetryOptions } from './resilience/retry.js'
import type { Database, SqliteDriverName, SqliteSynchronous } from './store/database.js'
import type { JobLogger } from './jobs/periodic.js'
import type { IssueLimits, ReuseOptions } from './verification/issuance-limits.js'
import type { Verifier } from './verification/verifier.js'
import type { MegviiOptions } from './providers/megvii/options.js'
import type { WebhookOptions } from './webhooks/options.js'
import type { WebankOptions } from './providers/webank/options.js'
import type { DashboardOptions } from './dashboard/options.js'

export type Awaitable<T> = T | Promise<T>

/** The part of a pino logger the background jobs (sweeper, daily bill pull, purge) use. */
export type TaskLogger = JobLogger

/** Options of `createFaceidRouter`. */
export interface FaceidRouterOptions {
  verifier: Verifier
  /** Who is calling: a user id, or `undefined` for an unauthenticated request (→ 401). */
  resolveUser: (ctx: Context) => Awaitable<string | undefined>
  /** The person to verify, from the partner's own records; never from the request body. */
  resolveIdentity?: (userId: string, ctx: Context) => Awaitable<Identity | undefined>
  /** Partner-set DetectAuth fields (RuleId, RedirectUrl, Extra, 意愿核身 config…) per user. */
  bizTokenOptions?: (userId: string, ctx: Context) => Awaitable<BizTokenOptions | undefined>
  /** Partner-set GetEidToken fields (MerchantId, Extra, Config…) per user. */
  eidTokenOptions?: (userId: string, ctx: Context) => Awaitable<EidTokenOptions | undefined>
  /** Mount point. Default `/faceid`. */
  prefix?: string
  /** Largest accepted JSON body. Default `'16kb'`. */
  jsonLimit?: string
  /** Issuance limits per user and per client IP (`ctx.ip`), counted in the ledger. Default: none. */
  limits?: IssueLimits
  /**
   * Answer a user's token request with their still-open token of the same kind (no result yet,
   * enough life left) instead of paying for a new one. Default off.
   */
  reuseOpenToken?: boolean | ReuseOptions
  /** Called with every 5xx error before the JSON error body is sent (log it here). */
  onError?: (error: unknown, ctx: Context) => void
  /** The web (H5) flows' return; without it their token routes answer 501. */
  h5?: H5RouterOptions
}

/**
 * The web (H5) flows: the user opens the provider's page (`url`) and comes back through the kit's
 * return route `<publicBaseUrl><prefix>/h5/return/<kind>`, which sends the browser on to
 * `returnPage?token=…&status=…` (the page confirms the result with `GET <prefix><path>/:token`),
 * or to `errorPage?error=malformed|unknown|expired|unavailable`.
 */
export interface H5Options {
  /**
   * The public http(s) address the kit's routes are reached at, without the prefix, e.g.
   * `https://api.example.com`. A function computes it per request (development only: a request's
   * Host header is the client's word).
   */
  publicBaseUrl: string | ((ctx: Context) => string)
  /** The partner page the browser lands on after a return: an absolute http(s) URL or a path on this host. */
  returnPage: string
  /** The partner page for a refused return. Default `returnPage`. */
  errorPage?: string
}

/** `H5Options` as the router takes them: with the key that signs return URLs (`createFaceidKit` derives it from the data key). */
export interface H5RouterOptions extends H5Options {
  /** At least 32 secret bytes, the same on every instance. */
  stateKey: Uint8Array
}

export type { BizTokenOptions, EidTokenOptions, Identity, IssueLimits, ReuseOptions }

/**
 * Options of `createFaceidKit`: one object, checked when the kit is created. Only `secretId`,
 * `secretKey`, `resolveUser` and (live) `dataKey` are required; every other option has the
 * default written beside it.
 */
/** The embedded engine: SQLite in `<dataDir>/ledger.sqlite`, for one instance. */
export interface EmbeddedDatabaseOptions {
  dataDir: string
  /**
   * `'normal'` (default): the write-ahead log is flushed at checkpoints; a commit survives a
   * crash or kill of the process, not a power cut of the machine. `'full'`: every commit is
   * flushed, surviving a power cut too, at the price of stalling the event loop for each flush.
   */
  synchronous?: SqliteSynchronous
  /** Default: Node's built-in `node:sqlite` where it exists (Node ≥ 22.13), else `better-sqlite3`. */
  driver?: SqliteDriverName
  /**
   * `true` (default): a worker thread checkpoints the write-ahead log, so no commit of the
   * server's waits for the log to be copied and flushed. `false`: SQLite's default, the commit
   * that fills the log checkpoints it on the event loop.
   */
  backgroundCheckpoints?: boolean
}

export interface FaceidKitOptions {
  /** Tencent Cloud API SecretId (CAM). */
  secretId: string
  /** Tencent Cloud API SecretKey. */
  secretKey: string
  /** Tencent Cloud region. Default `'ap-guangzhou'`. */
  region?: string
  /** API endpoint: a host or `http(s)://host:port` (e.g. the emulator). Default `faceid.tencentcloudapi.com` over https. */
  endpoint?: string
  /** RuleId of `DetectAuth` / `GetDetectInfoEnhanced` (from the console). Needed for face verification unless `bizTokenOptions` sets one. */
  ruleId?: string
  /** MerchantId of `GetEidToken` (E证通). Needed for eID unless `eidTokenOptions` sets one. */
  merchantId?: string
  /** Who is calling: a user id, or `undefined` (→ 401). */
  resolveUser: FaceidRouterOptions['resolveUser']
  /** The person to verify, from the partner's records; never from the request body. Default: none (the user types it). */
  resolveIdentity?: FaceidRouterOptions['resolveIdentity']
  /** Partner-set `DetectAuth` fields per user. Default: none. */
  bizTokenOptions?: FaceidRouterOptions['bizTokenOptions']
  /** Partner-set `GetEidToken` fields per user. Default: none. */
  eidTokenOptions?: FaceidRouterOptions['eidTokenOptions']
  /**
   * Key that seals names, ID numbers and media at rest: base64 of 32 random bytes
   * (`openssl rand -base64 32`), optionally `id:base64`; or a `Keyring`. Required in live mode.
   */
  dataKey?: string | Keyring
  /** Older keys still needed to read until `rotate-keys` has re-sealed everything. Default none. */
  previousDataKeys?: readonly string[]
  /**
   * Where the ledger lives: a `postgres://` URL, your existing `pg.Pool` (not closed by
   * `close()`), `{ dataDir }` for the embedded engine (SQLite, one instance), or a `Database`
   * from `openDatabase` (not closed either). Default `{ dataDir: './.data' }`.
   */
  database?: string | PgPool | EmbeddedDatabaseOptions | Database
  /** `'sandbox'` allows the public data key and marks the ledger as a sandbox one. Default `'live'`. */
  mode?: 'live' | 'sandbox'
  /** Issuance limits per user and per client IP, held across instances. Default `{ perUserPerHour: 20, perIpPerHour: 200 }`; `false`: none. */
  limits?: IssueLimits | false
  /** Answer a repeated token request with the user's still-open token. Default off. */
  reuseOpenToken?: boolean | ReuseOptions
  /** Deadline of one Tencent request, headers and body, in seconds. Default 10. */
  timeoutSeconds?: number
  /** Deadline of one call with its retries, in seconds. Default 20. */
  totalTimeoutSeconds?: number
  /** Retries of transient Tencent failures. Default 3 attempts, full-jitter backoff 100 ms → 2 s. */
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>
  /** Tencent `InfoType` of result fetches: `'1'` text only; add `2`/`3`/`4` for images and video. Default `'1'`. */
  resultInfoType?: string
  /** The background result sweeper. Default on with the values below; `false`: off (run `faceid-kit-sweep` from cron). */
  sweeper?: false | SweeperSettings
  /** Pull yesterday's bill once a day after 06:00 Beijing time. Default on in live mode, off in sandbox mode. */
  billPull?: boolean
  /** Delete the sealed personal part of final results fetched longer ago than this, hourly. Default: kept. */
  personalDataRetentionDays?: number
  /** Start the jobs at once. Default true; with false call `kit.jobs.start()`. */
  startJobs?: boolean
  /** Mount point of the routes. Default `'/faceid'`. */
  prefix?: string
  /** Largest accepted JSON body. Default `'16kb'`. */
  jsonLimit?: string
  /** The kit's logger (pino). Default a redacting JSON logger on stdout; `false`: silent. */
  logger?: Logger | false
  /** Called with every 5xx error. Default: one concise log line per failure class per minute. */
  onError?: FaceidRouterOptions['onError']
  /** The web (H5) flows: where the kit is reached and where browsers land after a return. Default: off (their token routes answer 501). */
  h5?: H5Options
  /**
   * Megvii FaceID lite (Aliyun API market) as a second provider: serves the `megvii-h5` and
   * `megvii` flows (their routes exist only when this is set). Needs `h5` (Megvii calls the kit
   * back at `h5.publicBaseUrl`) and `resolveIdentity`. Default: off.
   */
  megvii?: MegviiOptions
  /**
   * Signed webhooks: an event to each endpoint when a verification becomes final (passed, failed,
   * expired) and when the daily reconciliation finds a discrepancy. Written to the ledger's outbox
   * in the same transaction as the result, delivered at least once for `deliveryWindowHours`.
   * Default: off.
   */
  webhooks?: WebhookOptions
  /**
   * WeBank's login-auth protocol for the partner's own Android/iOS app (Tencent's App SDK) and
   * the mobile-browser H5: the WBappid, its secret and the SDK licence. Adds the `webank-app` and
   * `webank-h5` flows' routes' provider; without it they answer a configuration error. Default: off.
   */
  webank?: WebankOptions
  /**
   * The ops dashboard: a page under `path` with its JSON endpoints, behind `auth` (an admin token
   * or the partner's own check; required). Default: off.
   */
  dashboard?: DashboardOptions
}

export type { MegviiOptions }
export type { WebhookOptions, DashboardOptions }

/** The sweeper's settings in `createFaceidKit`. */
export interface SweeperSettings {
  /** Pause between passes, seconds. Default 30. */
  intervalSeconds?: number
  /** Most result fetches per second, retries included. Default 5. */
  qps?: number
  /** How long a claim on a token lasts, seconds. Default 300. */
  leaseSeconds?: number
  /** Tokens claimed at once. Default 20. */
  batchSize?: number
  /** First fetch of a token this long after its issue (the user is usually still verifying), seconds. Default 60. */
  firstFetchAfterSeconds?: number
}
