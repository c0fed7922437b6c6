import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { openDatabase, type Database } from '../../src/store/database.js'
import { createEmulator, SANDBOX_CREDENTIAL, type Emulator, type EmulatorOptions } from '../../emulator/index.js'
import { createTencentGateway, type Gateway, type GatewayOptions } from '../../src/providers/tencent/client.js'
import { Ledger } from '../../src/store/ledger.js'
import { createFaceidRouter } from '../../src/http/router.js'
import type { FaceidRouterOptions } from '../../src/types.js'
import { Verifier } from '../../src/verification/verifier.js'
import { resetDatabase } from './postgres-db.js'

/**
 * One in-memory SQLite per test file: tests share it (and its applied migrations), and
 * `freshDatabase()` empties every table but the migration log.
 */
let sharedDb: Promise<Database> | undefined
export async function freshDatabase(): Promise<{ db: Database; ledger: Ledger }> {
  sharedDb ??= openDatabase({ dataDir: 'memory' })
  const db = await sharedDb
  const ledger = await Ledger.open(db)
  await resetDatabase(db)
  return { db, ledger }
}

export const RULE_ID = '1'
export const MERCHANT_ID = '0NSJ2106141714'

/** A clock both the emulator and the server read, so tests can move time. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
  now = (): number => this.ms
  date = (): Date => new Date(this.ms)
}

export interface Harness {
  url: string
  emulator: Emulator
  emulatorUrl: string
  ledger: Ledger
  db: Database
  verifier: Verifier
  clock: TestClock
  /** fetch as a user (header `x-test-user`), JSON in and out. */
  call(method: string, path: string, init?: { user?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>
  close(): Promise<void>
}

export interface HarnessOptions {
  emulator?: EmulatorOptions
  gateway?: Partial<GatewayOptions>
  /** Replace the gateway entirely (still a real SDK client, e.g. pointed elsewhere). */
  makeGateway?: (emulatorUrl: string) => Gateway
  router?: Partial<FaceidRouterOptions>
  /** Middleware the partner's app runs before the kit's routes (a global body parser, say). */
  before?: Koa.Middleware[]
  /** Keep the ledger in this database (not emptied, not closed) instead of the shared in-memory SQLite. */
  database?: Database
}

/**
 * The real stack on loopback: the emulator over HTTP, the real tencentcloud SDK client, the
 * ledger on an in-memory SQLite, the router mounted in a bare Koa app.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new TestClock()
  // The SDK signs with the real clock while tests move the emulator's: no skew check here.
  const emulator = createEmulator({ now: clock.now, maxSkewSeconds: Infinity, ruleIds: [RULE_ID], merchantIds: [MERCHANT_ID], logger: false, ...options.emulator })
  const listening = await emulator.listen(0, '127.0.0.1')
  const gateway = options.makeGateway?.(listening.url) ?? createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: listening.url, timeoutSeconds: 5, ...options.gateway })
  const { db, ledger } = options.database ? { db: options.database, ledger: await Ledger.open(options.database) } : await freshDatabase()
  const verifier = new Verifier({ gateway, ledger, ruleId: RULE_ID, merchantId: MERCHANT_ID, now: clock.date })
  const app = new Koa()
  for (const middleware of options.before ?? []) app.use(middleware)
  app.use(
    createFaceidRouter({
      verifier,
      resolveUser: (ctx) => ctx.get('x-test-user') || undefined,
      resolveIdentity: () => ({ name: '张小宝', idCard: '11204416541220243X' }),
      ...options.router,
    }).routes(),
  )
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    emulator,
    emulatorUrl: listening.url,
    ledger,
    db,
    verifier,
    clock,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers }
      if (init.user) headers['x-test-user'] = init.user
      let body: string | undefined = init.rawBody
      if (init.body !== undefined) {
        body = JSON.stringify(init.body)
        headers['content-type'] ??= 'application/json'
      }
      const res = await fetch(url + path, { method, headers, body })
      const text = await res.text()
      const isJson = res.headers.get('content-type')?.includes('json')
      return { status: res.status, body: text && isJson ? JSON.parse(text) : text || undefined, headers: res.headers }
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await emulator.close()
    },
  }
}
