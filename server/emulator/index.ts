/**
 * Tencent FaceID API emulator: a real HTTP server speaking Tencent Cloud API 3.0 for DetectAuth,
 * GetDetectInfoEnhanced, GetEidToken, GetEidResult, GetWeChatBillDetails and the identity-factor
 * checks (IdCardVerification, PhoneVerification, BankCard2E/3E/4E, MobileStatus,
 * MobileNetworkTimeVerification, answered from planted identities), plus sandbox controls
 * to play the user's side. Development and tests only: it refuses NODE_ENV=production.
 */
import { createServer, type Server } from 'node:http'
import { pino } from 'pino'
import { IdentityRegistry, SANDBOX_IDENTITIES } from './checks.js'
import { EmulatorError, assertNotProduction } from './errors.js'
import { FaultInjector } from './faults.js'
import { QpsLimiter } from './ratelimit.js'
import { createListener } from './server.js'
import { TokenStore } from './store.js'
import type { Emulator, EmulatorCredential, EmulatorLogger, EmulatorOptions } from './types.js'
import { listening } from './listening.js'

export type * from './types.js'
export { EmulatorError, ApiError } from './errors.js'
export { parseFaultOptions } from './faults.js'
export { TENCENT_QPS_LIMITS } from './ratelimit.js'
export { signTc3 } from './signature.js'
export { SANDBOX_IDENTITIES } from './checks.js'
export { BIZ_TOKEN_LIFETIME_MS, EID_TOKEN_LIFETIME_MS, RESULT_RETENTION_MS } from './store.js'

/** The credential the emulator accepts by default (and the standalone server prints). */
export const SANDBOX_CREDENTIAL: Readonly<EmulatorCredential> = Object.freeze({
  secretId: 'AKIDsandbox00000000000000000000000000',
  secretKey: 'sandbox-secret-key',
})
export const DEFAULT_RULE_ID = '1'
export const DEFAULT_MERCHANT_ID = '0NSJ2106141714'

function defaultLogger(): EmulatorLogger {
  return pino({ name: 'faceid-emulator', level: process.env.EMULATOR_LOG_LEVEL ?? 'warn' })
}

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  assertNotProduction()
  const now = options.now ?? Date.now
  const credentials = new Map((options.credentials ?? [SANDBOX_CREDENTIAL]).map((c) => [c.secretId, c.secretKey]))
  const maxSkewSeconds = options.maxSkewSeconds ?? 300
  const billPageSize = options.billPageSize ?? 100
  if (!(maxSkewSeconds >= 0)) throw new EmulatorError('INVALID_OPTIONS', 'maxSkewSeconds must be ≥ 0')
  if (!Number.isSafeInteger(billPageSize) || billPageSize < 1) throw new EmulatorError('INVALID_OPTIONS', 'billPageSize must be a positive integer')

  const store = new TokenStore(now)
  const identities = new IdentityRegistry(options.identities ?? SANDBOX_IDENTITIES)
  const faults = new FaultInjector(options.faults)
  const limiter = new QpsLimiter(options.qpsLimit)
  const calls: Record<string, number> = {}
  const logger = options.logger === false ? undefined : (options.logger ?? defaultLogger())
  const complete = store.complete.bind(store)
  const stats = () => ({ calls: { ...calls }, qpsViolations: limiter.violations, faultsInjected: faults.injected, faults: { ...faults.counts } })

  const server: Server = createServer(
    createListener({
      store,
      faults,
      limiter,
      calls,
      credentials,
      now,
      maxSkewSeconds,
      ruleIds: new Set(options.ruleIds ?? [DEFAULT_RULE_ID]),
      merchantIds: new Set(options.merchantIds ?? [DEFAULT_MERCHANT_ID]),
      billPageSize,
      identities,
      logger,
      sandbox: { store, now, complete, faults: { current: () => faults.current, set: (f) => faults.set(f), stats } },
    }),
  )
  return {
    ...listening(server),
    complete(token, outcome) {
      complete(token, outcome)
    },
    setFaults(f) {
      faults.set(f)
    },
    currentFaults() {
      return faults.current
    },
    stats,
    token(token) {
      return store.snapshot(token)
    },
    plantIdentity(identity) {
      identities.plant(identity)
    },
    forceCheckResult(action, code) {
      identities.force(action, code)
    },
  }
}

// The WeBank mode (the App SDK / mobile H5 login-auth protocol) runs on its own port.
export { createWebankEmulator, SANDBOX_WEBANK_APP, WEBANK_CODES } from './webank/index.js'
export type { WebankApp, WebankEmulator, WebankEmulatorOptions, WebankEmulatorStats, WebankEndpoint, WebankOrder, WebankOutcome } from './webank/index.js'
export { createMegviiEmulator, MEGVII_SANDBOX_APPCODE, MEGVII_PRESETS, MEGVII_BIZ_TOKEN_LIFETIME_MS, MEGVII_RESULT_RETENTION_MS, MEGVII_THRESHOLDS } from './megvii/index.js'
export type { MegviiBizToken, MegviiEmulator, MegviiEmulatorOptions, MegviiEmulatorStats, MegviiNotifyMode, MegviiOutcome } from './megvii/index.js'
