/**
 * The emulator's WeBank mode: WeBank's `kyc1` login-auth API (access token, SIGN and NONCE
 * tickets, getAdvFaceId, the H5 login page and callback, queryfacerecord) on its own port, with
 * the real lifetimes and the one-minute overlap, every signature checked, stale tokens and used
 * NONCE tickets refused with WeBank's codes, faults and QPS caps like the Tencent mode, and a
 * stand-in for the native SDK's login. Development and tests only: it refuses NODE_ENV=production.
 */
import { createServer, type Server } from 'node:http'
import { pino } from 'pino'
import { assertNotProduction, EmulatorError } from '../errors.js'
import { FaultInjector, parseFaultOptions } from '../faults.js'
import { QpsLimiter } from '../ratelimit.js'
import type { EmulatorAddress, EmulatorLogger, FaultKind, FaultOptions } from '../types.js'
import { createWebankListener, type WebankEndpoint } from './server.js'
import { WebankStore, type WebankOrder, type WebankOutcome } from './store.js'
import { listening } from '../listening.js'

export type { WebankEndpoint } from './server.js'
export type { WebankOrder, WebankOutcome } from './store.js'
export {
  ACCESS_TOKEN_LIFETIME_MS,
  FACE_ID_LIFETIME_MS,
  NONCE_TICKET_LIFETIME_MS,
  OVERLAP_MS,
  SIGN_TICKET_LIFETIME_MS,
  WEBANK_CODES,
} from './store.js'

/** A WBappid and its secret. */
export interface WebankApp {
  appId: string
  secret: string
}

/** The WBappid the sandbox accepts by default (and the standalone server uses in sandbox mode). */
export const SANDBOX_WEBANK_APP: Readonly<WebankApp> = Object.freeze({ appId: 'IDAsandbox', secret: 'sandbox-webank-secret-0000000000000000000000000000000000000000' })

export interface WebankEmulatorOptions {
  apps?: readonly WebankApp[]
  faults?: FaultOptions
  /** Requests per second per endpoint (one number for all, or per endpoint); default none. */
  qpsLimit?: number | Partial<Record<WebankEndpoint, number>>
  /** The emulator's clock, in ms (tests move it to pass lifetimes). Default `Date.now`. */
  now?: () => number
  logger?: EmulatorLogger | false
}

export interface WebankEmulatorStats {
  calls: Record<string, number>
  issued: { accessTokens: number; signTickets: number; nonceTickets: number; faceIds: number }
  qpsViolations: number
  faults: Record<FaultKind, number>
}

export interface WebankEmulator {
  listen(port?: number, host?: string): Promise<EmulatorAddress>
  close(): Promise<void>
  address(): EmulatorAddress | undefined
  /** Ends an order's verification as the user would. */
  complete(orderNo: string, outcome: WebankOutcome): void
  /** What a secret change does: every token and ticket of the app dies at once. */
  rotateSecret(appId: string, secret?: string): void
  setFaults(faults: FaultOptions | undefined): void
  stats(): WebankEmulatorStats
  /** A copy of what the emulator keeps about an order. */
  order(orderNo: string): WebankOrder | undefined
}

export function createWebankEmulator(options: WebankEmulatorOptions = {}): WebankEmulator {
  assertNotProduction()
  const now = options.now ?? Date.now
  const apps = options.apps ?? [SANDBOX_WEBANK_APP]
  if (apps.length === 0 || apps.some((a) => !/^[A-Za-z0-9]{1,32}$/.test(a.appId) || !a.secret)) throw new EmulatorError('INVALID_OPTIONS', 'apps: each needs an appId of letters and digits and a secret')
  const store = new WebankStore(apps, now)
  const faults = new FaultInjector(options.faults)
  const limiter = new QpsLimiter<WebankEndpoint>(options.qpsLimit)
  const calls: Record<string, number> = {}
  const logger = options.logger === false ? undefined : (options.logger ?? pino({ name: 'faceid-emulator-webank', level: process.env.EMULATOR_LOG_LEVEL ?? 'warn' }))
  const complete = (orderNo: string, outcome: WebankOutcome): void => void store.complete(orderNo, outcome)
  const rotateSecret = (appId: string, secret?: string): void => store.rotateSecret(appId, secret)

  const server: Server = createServer(
    createWebankListener({ store, faults, limiter, calls, now, logger, complete, rotateSecret, setFaults: (input) => faults.set(parseFaultOptions(input)) }),
  )
  return {
    ...listening(server),
    complete,
    rotateSecret,
    setFaults: (f) => faults.set(f),
    stats: () => ({ calls: { ...calls }, issued: { ...store.issued }, qpsViolations: limiter.violations, faults: { ...faults.counts } }),
    order: (orderNo) => {
      const order = store.order(orderNo)
      return order && { ...order }
    },
  }
}
