/**
 * Typed errors: thrown, never returned. `status` is the HTTP status the routes answer with,
 * `code` the stable machine-readable code in the JSON error body.
 */
export class FaceidError extends Error {
  readonly status: number
  readonly code: string
  /** Safe to show to the caller (never a secret, a stack or personal data). */
  readonly expose: boolean
  readonly headers: Record<string, string>

  constructor(status: number, code: string, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.status = status
    this.code = code
    this.expose = status < 500 || status === 502 || status === 503
    this.headers = options.headers ?? {}
  }
}

export class BadRequestError extends FaceidError {
  constructor(code: string, message: string) {
    super(400, code, message)
  }
}

export class UnauthorizedError extends FaceidError {
  constructor(message = 'Authentication required') {
    super(401, 'unauthenticated', message)
  }
}

export class NotFoundError extends FaceidError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message)
  }
}

export class ConfigurationError extends FaceidError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(500, 'configuration_error', message, options)
  }
}

/** Seconds a client is told to wait (`Retry-After`) when the ledger cannot be reached: a database restart or failover. */
export const LEDGER_RETRY_AFTER_SECONDS = 5

/**
 * The token ledger (the database) cannot be reached or written. Answered 503 with `Retry-After`;
 * no token is bought from Tencent while the ledger is unreachable.
 */
export class LedgerUnavailableError extends FaceidError {
  /** Short, log-safe kind of failure: a socket error code, a SQLSTATE, `closed`, `timeout`… */
  readonly reason: string
  /** Tencent had issued a token that could not be recorded: it was never shown to anyone. */
  readonly tokenUnrecorded: boolean

  constructor(reason: string, cause?: unknown, options: { tokenUnrecorded?: boolean } = {}) {
    super(503, 'ledger_unavailable', 'The verification records cannot be reached; try again shortly', {
      cause,
      headers: { 'Retry-After': String(LEDGER_RETRY_AFTER_SECONDS) },
    })
    this.reason = reason
    this.tokenUnrecorded = options.tokenUnrecorded ?? false
  }
}

/** A failure of the Tencent API or of the way to it; keeps Tencent's code and RequestId. */
export class UpstreamError extends FaceidError {
  /** Tencent's error code (`RequestLimitExceeded`, `AuthFailure.SignatureFailure`…), or a network kind. */
  readonly tencentCode: string
  readonly requestId: string | undefined
  /** Whether the same call may succeed later (rate limits, 5xx, network). */
  readonly retryable: boolean
  readonly action: string

  constructor(
    init: { action: string; tencentCode: string; requestId?: string; retryable: boolean; status: number; code: string; message: string },
    cause?: unknown,
  ) {
    super(init.status, init.code, init.message, { cause })
    this.action = init.action
    this.tencentCode = init.tencentCode
    this.requestId = init.requestId
    this.retryable = init.retryable
  }
}
