/** Launchers of the benchmark's child processes, and what they share with them. */
import { DEFAULT_MERCHANT_ID, type EmulatorOptions } from '../../server/emulator/index.js'
import type { OpenDatabaseOptions } from '../../server/src/store/database.js'
import { startChild, type ChildHandle } from './child.js'
import type { EmulatorProcessApi } from './emulator-process.js'
import type { IssuanceServersApi } from './issuance-servers.js'
import type { KitServerApi } from './kit-server-process.js'

/** Each child reads its options (JSON) from this variable. */
export const CHILD_OPTIONS_ENV = 'BENCH_CHILD_OPTIONS'

export const RULE_ID = '1'
export const MERCHANT_ID = DEFAULT_MERCHANT_ID
/** A sample identity (the vendor documentation's), the same in every request of every row. */
export const IDENTITY = { name: '张小宝', idCard: '11204416541220243X' } as const

export type EmulatorProcessOptions = Pick<EmulatorOptions, 'qpsLimit'>
export interface EmulatorProcessInfo {
  url: string
}

export interface IssuanceServersOptions {
  emulatorUrl: string
  database: OpenDatabaseOptions
}
export interface IssuanceServersInfo {
  /** The kit: `POST {kitUrl}/faceid/biz-token`. */
  kitUrl: string
  /** The bare route: `POST {bareUrl}/bare/biz-token`. */
  bareUrl: string
}

export interface KitServerOptions {
  emulatorUrl: string
  /** An SQLite data directory, or a PostgreSQL URL (DATABASE_URL). */
  database: OpenDatabaseOptions
  sessionSecret: string
  /** FACEID_DATA_KEY: results are stored sealed in live mode. */
  dataKey: string
}
export interface KitServerInfo {
  url: string
}

/** Header both issuance servers read the user from (a partner's own auth, the same for both). */
export const USER_HEADER = 'x-bench-user'

const here = (file: string) => new URL(file, import.meta.url)
const envOf = (options: object) => ({ [CHILD_OPTIONS_ENV]: JSON.stringify(options), NODE_ENV: 'development' })

export function startEmulatorProcess(options: EmulatorProcessOptions = {}): Promise<ChildHandle<EmulatorProcessApi, EmulatorProcessInfo>> {
  return startChild(here('./emulator-process.ts'), { name: 'emulator', env: envOf(options) })
}

export function startIssuanceServers(options: IssuanceServersOptions): Promise<ChildHandle<IssuanceServersApi, IssuanceServersInfo>> {
  return startChild(here('./issuance-servers.ts'), { name: 'issuance servers', env: envOf(options), built: true })
}

export function startKitServer(options: KitServerOptions): Promise<ChildHandle<KitServerApi, KitServerInfo>> {
  return startChild(here('./kit-server-process.ts'), { name: 'kit server', env: envOf(options) })
}
