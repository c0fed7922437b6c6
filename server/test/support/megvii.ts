/**
 * The Megvii stack on loopback: the Megvii emulator over HTTP, the real Megvii client, the
 * ledger on SQLite (or a given database), the router with the h5 options mounted in a bare Koa
 * app whose public address is its own loopback URL (so the emulator's notices reach it).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { createMegviiEmulator, MEGVII_SANDBOX_APPCODE, type MegviiEmulator, type MegviiEmulatorOptions } from '../../emulator/megvii/index.js'
import { createFaceidRouter } from '../../src/http/router.js'
import { createMegviiClient } from '../../src/providers/megvii/client.js'
import type { MegviiClient } from '../../src/providers/megvii/actions.js'
import type { MegviiThresholdKey } from '../../src/providers/megvii/actions.js'
import type { Gateway } from '../../src/providers/tencent/client.js'
import { withRetries, type RetryOptions } from '../../src/resilience/retry.js'
import type { Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import type { FaceidRouterOptions } from '../../src/types.js'
import { Verifier } from '../../src/verification/verifier.js'
import { freshDatabase, TestClock } from './harness.js'

/** The identity the partner's hook gives for every test user. */
export const MEGVII_IDENTITY = { name: '张小宝', idCard: '11204416541220243X' }

/** Tencent is not part of these tests: any call to it fails the test. */
export const NO_TENCENT: Gateway = { call: (action) => Promise.reject(new Error(`Tencent ${action} called in a Megvii test`)) }

export interface MegviiHarness {
  url: string
  emulator: MegviiEmulator
  emulatorUrl: string
  /** The bare client (no retries), as a sweeper takes it. */
  client: MegviiClient
  ledger: Ledger
  db: Database
  verifier: Verifier
  clock: TestClock
  errors: unknown[]
  call(method: string, path: string, init?: { user?: string; body?: unknown; form?: Record<string, string>; redirect?: 'manual' | 'follow' }): Promise<{ status: number; body: any; headers: Headers }>
  close(): Promise<void>
}

export interface MegviiHarnessOptions {
  emulator?: MegviiEmulatorOptions
  retry?: RetryOptions
  threshold?: MegviiThresholdKey
  router?: Partial<FaceidRouterOptions>
  database?: Database
}

export async function startMegviiHarness(options: MegviiHarnessOptions = {}): Promise<MegviiHarness> {
  const clock = new TestClock()
  const emulator = createMegviiEmulator({ now: clock.now, logger: false, ...options.emulator })
  const listening = await emulator.listen(0, '127.0.0.1')
  const client = createMegviiClient({ appCode: MEGVII_SANDBOX_APPCODE, endpoint: listening.url, pageBase: listening.url, timeoutSeconds: 2 })
  const { db, ledger } = options.database ? { db: options.database, ledger: await Ledger.open(options.database) } : await freshDatabase()
  const verifier = new Verifier({
    gateway: NO_TENCENT,
    providers: { megvii: withRetries(client, { baseDelayMs: 5, maxDelayMs: 20, ...options.retry }) },
    ledger,
    now: clock.date,
    ...(options.threshold ? { megviiThreshold: options.threshold } : {}),
  })
  const errors: unknown[] = []
  let url = ''
  const app = new Koa()
  app.use(
    createFaceidRouter({
      verifier,
      resolveUser: (ctx) => ctx.get('x-test-user') || undefined,
      resolveIdentity: () => MEGVII_IDENTITY,
      h5: { publicBaseUrl: () => url, returnPage: '/done', errorPage: '/oops', stateKey: new Uint8Array(32).fill(7) },
      onError: (error) => errors.push(error),
      ...options.router,
    }).routes(),
  )
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    emulator,
    emulatorUrl: listening.url,
    client,
    ledger,
    db,
    verifier,
    clock,
    errors,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = {}
      if (init.user) headers['x-test-user'] = init.user
      let body: string | undefined
      if (init.body !== undefined) {
        body = JSON.stringify(init.body)
        headers['content-type'] = 'application/json'
      } else if (init.form) {
        body = new URLSearchParams(init.form).toString()
        headers['content-type'] = 'application/x-www-form-urlencoded'
      }
      const res = await fetch(url + path, { method, headers, body, redirect: init.redirect ?? 'follow' })
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

/** Polls `check` until it holds (or throws after `ms`). */
export async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
