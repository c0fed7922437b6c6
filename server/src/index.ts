/**
 * `@faceid-kit/server`: what a partner's Node backend imports. `createFaceidKit` puts the server
 * side together (routes and background jobs); the parts it is made of are exported for those who
 * assemble their own. `npm start` (standalone/server.ts) is built on `createFaceidKit` too. The
 * Tencent API emulator is its own entry point, `@faceid-kit/server/emulator`.
 */
export type * from './types.js'
export type * from '@faceid-kit/shared'
export { createFaceidKit, type FaceidKit, type FaceidKitJobs } from './kit.js'
export { createFaceidRouter } from './http/router.js'
export { errorHandler, errorReporter, toErrorBody, type ErrorLogger, type ErrorReporterOptions } from './http/error-body.js'
export { BadRequestError, ConfigurationError, FaceidError, LedgerUnavailableError, NotFoundError, UnauthorizedError, UpstreamError } from './errors/index.js'
export { createTencentGateway, parseEndpoint, DeadlineExceeded, UpstreamTimeoutError, type CallOptions, type Gateway, type GatewayOptions } from './providers/tencent/client.js'
export { withRetries, type RetryOptions } from './resilience/retry.js'
export { TokenBucket, withRateLimit } from './resilience/token-bucket.js'
export { openDatabase, LegacyLedgerError, type Database, type DatabaseEngine, type LedgerQueries, type LedgerTables, type OpenDatabaseOptions, type SqliteDriverName, type SqliteSynchronous } from './store/database.js'
export { migrate } from './store/migrations/index.js'
export { Ledger, type LedgerOptions, type TokenRecord } from './store/ledger.js'
export { Keyring, DataKeyError, generateDataKey } from './privacy/data-keys.js'
export { Verifier, type IssueRequest, type VerifierOptions } from './verification/verifier.js'
export { createIdentityChecks, CheckInputError, CHECK_ACTIONS, type CheckField, type CheckLogger, type IdentityChecksOptions } from './checks/index.js'
export type * from './checks/types.js'
export { createIdentityCheckRouter, type IdentityCheckRouterOptions } from './checks/routes.js'
export { RateLimitedError } from './verification/issuance-limits.js'
export { createSweeper, type Sweeper, type SweeperOptions } from './jobs/sweeper.js'
export { createDailyBillPull, type DailyBillPull, type DailyBillPullOptions } from './jobs/bill-pull.js'
export { createPersonalDataPurge, type PersonalDataPurgeOptions } from './jobs/personal-data-purge.js'
export { createPeriodicJob, type JobLogger, type PeriodicJob, type PeriodicJobOptions } from './jobs/periodic.js'
export { createLogger, requestLogger, scrubText } from './privacy/logging.js'
export { createSessions, type SessionMode, type SessionOptions, type Sessions } from './http/sessions.js'
export { claimLedgerMode, LedgerModeError, type LedgerMode, type LedgerMarking } from './store/ledger-mode.js'
export { startServer, type RunningServer, type StartServerOptions } from './standalone/server.js'
export {
  verifyWebhook,
  computeSignature,
  signatureHeader,
  WebhookVerificationError,
  SIGNATURE_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookVerificationFailure,
} from './webhooks/signature.js'
export {
  WEBHOOK_EVENT_TYPES,
  type WebhookEvent,
  type WebhookEventType,
  type VerificationEvent,
  type VerificationEventData,
  type VerificationEventType,
  type ReconciliationEvent,
  type ReconciliationEventData,
  type ReconciliationEventType,
  type OutboxEvent,
} from './webhooks/events.js'
export { MIN_SECRET_LENGTH, validateWebhookOptions } from './webhooks/options.js'
export { recordDiscrepancyEvents } from './webhooks/reconciliation.js'
export {
  createWebhookDelivery,
  endpointId,
  type WebhookDelivery,
  type WebhookDeliveryOptions,
  type WebhookDeliveryPassResult,
  type WebhookEndpoint,
  type WebhookEndpointHealth,
} from './jobs/webhook-delivery.js'
export type { EndpointHealth } from './store/outbox.js'
export { createDashboardRouter, tokensMatch, type DashboardRouterOptions } from './dashboard/router.js'
export { DEFAULT_DASHBOARD_PATH, MIN_DASHBOARD_TOKEN_LENGTH, SANDBOX_DASHBOARD_TOKEN, validateDashboardOptions, type DashboardAuth } from './dashboard/options.js'
export type { BillingAnswer, FailuresAnswer, KindInfo, OverviewAnswer, ReconciliationAnswer, SweeperAnswer, WebhooksAnswer } from './dashboard/report.js'
// WeBank's login-auth protocol (the App SDK and mobile H5): the kit's `webank` option builds this client.
export { createWebankClient, WebankProtocol, type AppSdkLogin, type CreateWebankClientOptions, type WebankClient, type WebankFaceId, type WebankIdentity, type WebankKitActions } from './providers/webank/client.js'
export { validateWebankOptions, SANDBOX_WEBANK_APP_ID, type WebankOptions } from './providers/webank/options.js'
export { webankSign, signMatches as webankSignMatches } from './providers/webank/signature.js'
export { normalizeWebankResult, type WebankResult } from './providers/webank/result.js'
// Megvii FaceID lite (Aliyun API market): the kit's `megvii` option builds this client.
export { createMegviiClient, megviiPageUrl, MEGVII_ENDPOINT, MEGVII_PAGE_BASE, type MegviiClientOptions } from './providers/megvii/client.js'
export { validateMegviiOptions, MEGVII_SANDBOX_APPCODE, type MegviiOptions } from './providers/megvii/options.js'
export { normalizeMegviiResult, DEFAULT_MEGVII_THRESHOLD, MEGVII_THRESHOLD_KEYS } from './providers/megvii/result.js'
export type { MegviiActions, MegviiClient, MegviiThresholdKey, GetBizTokenRequest as MegviiGetBizTokenRequest, GetResultResponse as MegviiGetResultResponse } from './providers/megvii/actions.js'
export { clientOf, type ProviderClients, type ProviderName, type OtherProviderClients } from './providers/registry.js'
