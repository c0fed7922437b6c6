/** Shared setup of the WeBank tests: the emulator's WeBank mode on loopback, a moveable clock, clients on a test database. */
import { afterEach } from 'vitest'
import { createWebankEmulator, SANDBOX_WEBANK_APP, type WebankEmulator, type WebankEmulatorOptions } from '../../emulator/index.js'
import { createWebankClient, type CreateWebankClientOptions } from '../../src/providers/webank/client.js'
import type { Database } from '../../src/store/database.js'
import { migrate } from '../../src/store/migrations/index.js'

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
