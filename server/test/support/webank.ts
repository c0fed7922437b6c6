/** Shared setup of the WeBank tests: the emulator's WeBank mode on loopback, a moveable clock, clients on a test database. */
import { afterEach } from 'vitest'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { createEmulator, createWebankEmulator, SANDBOX_CREDENTIAL, SANDBOX_WEBANK_APP, type WebankEmulator, type WebankEmulatorOptions } from '../../emulator/index.js'
import { createWebankClient, type CreateWebankClientOptions } from '../../src/providers/webank/client.js'
import type { Database } from '../../src/store/database.js'
import { migrate } from '../../src/store/migrations/index.js'
import { createFaceidKit, type FaceidKit } from '../../src/kit.js'
import type { FaceidKitOptions } from '../../src/types.js'

/** One clock for the emulator and the kit, in ms. */
export class SharedClock {
  constructor(public ms: number = Date.parse('2026-12-02T03:00:00Z')) {}
  readonly now = (): number => this.ms
  readonly date = (): Date => new Date(this.ms)
  advance(ms: number): void {
    this.ms += ms
  }
}

const running: WebankEmulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
})

export async function startWebank(options: WebankEmulatorOptions = {}): Promise<{ emulator: WebankEmulator; url: string }> {
  const emulator = createWebankEmulator({ logger: false, ...options })
  running.push(emulator)
  const { url } = await emulator.listen()
  return { emulator, url }
}

/** A WeBank client of the sandbox app on `db` (migrated here), talking to `url`. */
export async function webankClientOn(db: Database, url: string, clock: SharedClock, options: Partial<CreateWebankClientOptions> = {}) {
  await migrate(db)
  return createWebankClient({
    appId: SANDBOX_WEBANK_APP.appId,
    secret: SANDBOX_WEBANK_APP.secret,
    db,
    endpoint: url,
    ...options,
    credentials: { now: clock.date, ...options.credentials },
  })
}

export const MINUTE = 60_000


export const PARTNER = 'https://partner.example'

export interface WebankKitHarness {
  kit: FaceidKit
  emulator: WebankEmulator
  webankUrl: string
  url: string
  call(method: string, path: string, init?: { user?: string; body?: unknown }): Promise<{ status: number; body: any }>
  close(): Promise<void>
}

/**
 * A real kit with WeBank configured against the emulator's WeBank mode (and the Tencent emulator
 * for the kit's own credentials), served on loopback; users by the `x-user` header.
 */
export async function startWebankKit(options: { kit?: Partial<FaceidKitOptions>; emulator?: WebankEmulatorOptions; database?: Database } = {}): Promise<WebankKitHarness> {
  const tencent = createEmulator({ logger: false })
  const { url: tencentUrl } = await tencent.listen()
  const { emulator, url: webankUrl } = await startWebank(options.emulator)
  let self = ''
  const kit = await createFaceidKit({
    ...SANDBOX_CREDENTIAL,
    endpoint: tencentUrl,
    mode: 'sandbox',
    database: options.database ?? { dataDir: 'memory' },
    resolveUser: (ctx) => ctx.get('x-user') || undefined,
    resolveIdentity: () => ({ name: '张小宝', idCard: '11204416541220243X' }),
    h5: { publicBaseUrl: () => self, returnPage: `${PARTNER}/done`, errorPage: `${PARTNER}/oops` },
    webank: { ...SANDBOX_WEBANK_APP, licence: 'sandbox-licence', endpoint: webankUrl },
    startJobs: false,
    logger: false,
    ...options.kit,
  })
  const app = new Koa()
  app.use(kit.routes())
  app.use(kit.allowedMethods())
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  self = url
  return {
    kit,
    emulator,
    webankUrl,
    url,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = {}
      if (init.user) headers['x-user'] = init.user
      if (init.body !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(url + path, { method, headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) })
      const text = await res.text()
      return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await kit.close()
      await tencent.close()
    },
  }
}
