/**
 * The emulator's Megvii mode: Megvii FaceID lite as sold on the Aliyun API market (get_biz_token,
 * get_result, the H5 page, the notify_url POST), on its own port, with AppCode checking, Megvii's
 * error strings and HTTP statuses, the biz_token's hour and the result's month, and faults like
 * the Tencent mode. Development and tests only: it refuses NODE_ENV=production.
 */
import { createServer, type Server } from 'node:http'
import { pino } from 'pino'
import { assertNotProduction, EmulatorError } from '../errors.js'
import { FaultInjector } from '../faults.js'
import type { EmulatorAddress, EmulatorLogger, FaultKind, FaultOptions } from '../types.js'
import { createMegviiListener, type MegviiNotifyMode } from './server.js'
import { MegviiStore, type MegviiBizToken, type MegviiOutcome } from './store.js'
import { listening } from '../listening.js'

export { MEGVII_BIZ_TOKEN_LIFETIME_MS, MEGVII_RESULT_RETENTION_MS, MEGVII_THRESHOLDS } from './store.js'
export type { MegviiBizToken, MegviiOutcome } from './store.js'
export { MEGVII_PRESETS } from './page.js'
export type { MegviiNotifyMode } from './server.js'

/** The AppCode the emulator accepts by default (refused by the kit in live mode). */
export const MEGVII_SANDBOX_APPCODE = 'sandbox-megvii-appcode-0000000000'

export interface MegviiEmulatorOptions {
  /** AppCodes the gateway accepts. Default the sandbox one. */
  appCodes?: readonly string[]
  faults?: FaultOptions
  /** When the notice is posted: after the browser's return (default), before it, or never. */
  notify?: MegviiNotifyMode
  /** The emulator's clock in ms (tests move it past lifetimes). Default `Date.now`. */
  now?: () => number
  logger?: EmulatorLogger | false
}

export interface MegviiEmulatorStats {
  calls: Record<string, number>
  issued: number
  notices: number
  faults: Record<FaultKind, number>
}

export interface MegviiEmulator {
  listen(port?: number, host?: string): Promise<EmulatorAddress>
  close(): Promise<void>
  address(): EmulatorAddress | undefined
  /** Ends a biz_token's flow as the user would; `notify` posts the notice too (default: the emulator's mode, never awaited). */
  complete(token: string, outcome: MegviiOutcome, options?: { notify?: boolean }): Promise<void>
  /** Posts the notice of a token again (Megvii may repeat it). */
  notify(token: string): Promise<void>
  setNotifyMode(mode: MegviiNotifyMode): void
  setFaults(faults: FaultOptions | undefined): void
  stats(): MegviiEmulatorStats
  token(token: string): MegviiBizToken | undefined
}

export function createMegviiEmulator(options: MegviiEmulatorOptions = {}): MegviiEmulator {
  assertNotProduction()
  const now = options.now ?? Date.now
  const appCodes = new Set(options.appCodes ?? [MEGVII_SANDBOX_APPCODE])
  if (appCodes.size === 0 || [...appCodes].some((c) => !/^\S{8,128}$/.test(c))) throw new EmulatorError('INVALID_OPTIONS', 'appCodes: each 8-128 characters without spaces')
  let notifyMode: MegviiNotifyMode = options.notify ?? 'after-return'
  const store = new MegviiStore(now)
  const faults = new FaultInjector(options.faults)
  const calls: Record<string, number> = {}
  let notices = 0
  const logger = options.logger === false ? undefined : (options.logger ?? pino({ name: 'faceid-emulator-megvii', level: process.env.EMULATOR_LOG_LEVEL ?? 'warn' }))

  /** Megvii's notice: a form POST with `data` = JSON {biz_token, error_code, error_msg}. Failures are only logged. */
  async function sendNotice(record: MegviiBizToken): Promise<void> {
    record.notices += 1
    notices += 1
    const outcome = record.outcome
    const data = JSON.stringify({ biz_token: record.token, error_code: outcome?.resultCode ?? 9000, error_msg: outcome?.resultMessage ?? 'LIVING_NOT_START' })
    try {
      const res = await fetch(record.notifyUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ data }).toString(),
        signal: AbortSignal.timeout(5000),
      })
      await res.arrayBuffer()
    } catch (error) {
      logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'megvii notice not delivered')
    }
  }

  async function complete(token: string, outcome: MegviiOutcome, completeOptions: { notify?: boolean } = {}): Promise<void> {
    const record = store.complete(token, outcome)
    const notify = completeOptions.notify ?? notifyMode !== 'never'
    if (notify) await sendNotice(record)
  }

  const server: Server = createServer(
    createMegviiListener({ store, faults, appCodes, calls, logger, notify: () => notifyMode, sendNotice }, { complete: (token, outcome) => void complete(token, outcome) }),
  )
  return {
    ...listening(server),
    complete,
    async notify(token) {
      const record = store.get(token)
      if (!record) throw new EmulatorError('TOKEN_NOT_FOUND', `No biz_token ${token}`)
      await sendNotice(record)
    },
    setNotifyMode(mode) {
      notifyMode = mode
    },
    setFaults: (f) => faults.set(f),
    stats: () => ({ calls: { ...calls }, issued: store.issued, notices, faults: { ...faults.counts } }),
    token: (token) => store.snapshot(token),
  }
}
