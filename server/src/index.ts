/**
 * `@faceid-kit/server`: what a partner's Node backend imports to mount the faceid routes in
 * its own Koa app. `npm start` (standalone.ts) is one such app.
 */
export type * from './types.js'
export type * from '@faceid-kit/shared'
export { createFaceidRouter } from './routes.js'
export { errorHandler, errorReporter, toErrorBody, type ErrorLogger, type ErrorReporterOptions } from './http-errors.js'
export { BadRequestError, ConfigurationError, FaceidError, LedgerUnavailableError, NotFoundError, UnauthorizedError, UpstreamError } from './errors.js'
export { createTencentGateway, parseEndpoint, DeadlineExceeded, UpstreamTimeoutError, type CallOptions, type Gateway, type GatewayOptions } from './gateway.js'
export { withRetries, type RetryOptions } from './retry.js'
export { TokenBucket, withRateLimit } from './token-bucket.js'
export { openDatabase, type Database, type OpenDatabaseOptions } from './database.js'
export { migrate } from './migrations.js'
export { Ledger, type LedgerOptions, type TokenRecord } from './ledger.js'
export { Keyring, DataKeyError, generateDataKey } from './data-keys.js'
export { Verifier, type IssueRequest, type VerifierOptions } from './verifier.js'
export { RateLimitedError } from './issuance.js'
export { createSweeper, type Sweeper, type SweeperOptions } from './sweeper.js'
export { createLogger, requestLogger, scrubText } from './logging.js'
export { createSessions, type SessionMode, type SessionOptions, type Sessions } from './session.js'
export { claimLedgerMode, LedgerModeError, type LedgerMode, type LedgerMarking } from './ledger-mode.js'
export { startServer, type RunningServer, type StartServerOptions } from './standalone.js'
export { createEmulator, SANDBOX_CREDENTIAL, type Emulator, type EmulatorOptions, type SandboxOutcome } from './emulator/index.js'
