/**
 * `@faceid-kit/server`: what a partner's Node backend imports to mount the faceid routes in
 * its own Koa app. `npm start` (standalone.ts) is one such app.
 */
export type * from './types.js'
export type * from '@faceid-kit/shared'
export { createFaceidRouter } from './http/router.js'
export { errorHandler, errorReporter, toErrorBody, type ErrorLogger, type ErrorReporterOptions } from './http/error-body.js'
export { BadRequestError, ConfigurationError, FaceidError, LedgerUnavailableError, NotFoundError, UnauthorizedError, UpstreamError } from './errors/index.js'
export { createTencentGateway, parseEndpoint, DeadlineExceeded, UpstreamTimeoutError, type CallOptions, type Gateway, type GatewayOptions } from './providers/tencent/client.js'
export { withRetries, type RetryOptions } from './resilience/retry.js'
export { TokenBucket, withRateLimit } from './resilience/token-bucket.js'
export { openDatabase, type Database, type OpenDatabaseOptions } from './store/database.js'
export { migrate } from './store/migrations/index.js'
export { Ledger, type LedgerOptions, type TokenRecord } from './store/ledger.js'
export { Keyring, DataKeyError, generateDataKey } from './privacy/data-keys.js'
export { Verifier, type IssueRequest, type VerifierOptions } from './verification/verifier.js'
export { RateLimitedError } from './verification/issuance-limits.js'
export { createSweeper, type Sweeper, type SweeperOptions } from './jobs/sweeper.js'
export { createLogger, requestLogger, scrubText } from './privacy/logging.js'
export { createSessions, type SessionMode, type SessionOptions, type Sessions } from './http/sessions.js'
export { claimLedgerMode, LedgerModeError, type LedgerMode, type LedgerMarking } from './store/ledger-mode.js'
export { startServer, type RunningServer, type StartServerOptions } from './standalone/server.js'
export { createEmulator, SANDBOX_CREDENTIAL, type Emulator, type EmulatorOptions, type SandboxOutcome } from '../emulator/index.js'
