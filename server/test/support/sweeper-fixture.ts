/**
 * A sandbox for sweeper/reconciliation tests: the emulator and the real SDK gateway on one fake
 * clock, a fresh ledger on the chosen engine, and a verifier — no mocks.
 */
import { createEmulator, DEFAULT_MERCHANT_ID, SANDBOX_CREDENTIAL, type Emulator, type EmulatorOptions } from '../../emulator/index.js'
import { createTencentGateway, type Gateway } from '../../src/providers/tencent/client.js'
import { Ledger, type LedgerOptions } from '../../src/store/ledger.js'
import { createSweeper, type Sweeper, type SweeperOptions } from '../../src/jobs/sweeper.js'
import { Verifier } from '../../src/verification/verifier.js'
import { resetDatabase, type TestDatabase } from './postgres-db.js'

export const RULE_ID = '1'
export const MERCHANT_ID = DEFAULT_MERCHANT_ID
export const MINUTE = 60_000
export const HOUR = 60 * MINUTE

export interface Sandbox {
  emulator: Emulator
  gateway: Gateway
  database: TestDatabase
  ledger: Ledger
  verifier: Verifier
  /** Business time in ms, shared by the emulator, the verifier and the sweepers. */
  clock: { now: () => number; date: () => Date; advance: (ms: number) => void; set: (ms: number) => void }
  sweeper(options?: Partial<SweeperOptions> & { ledger?: Ledger }): Sweeper
  close(): Promise<void>
}

/** `database` is shared by a test file and emptied here; the sandbox leaves it open. */
export async function createSandbox(database: TestDatabase, options: { start?: number; emulator?: EmulatorOptions; gateway?: (g: Gateway) => Gateway; ledger?: LedgerOptions } = {}): Promise<Sandbox> {
  let t = options.start ?? Date.parse('2025-03-03T02:00:00Z')
  const clock = { now: () => t, date: () => new Date(t), advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) }
  const emulator = createEmulator({ now: clock.now, maxSkewSeconds: Infinity, logger: false, ...options.emulator })
  const { url } = await emulator.listen(0, '127.0.0.1')
  const bare = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url, timeoutSeconds: 5 })
  const gateway = options.gateway ? options.gateway(bare) : bare
  const db = await database.open()
  const ledger = await Ledger.open(db, options.ledger)
  await resetDatabase(db)
  const verifier = new Verifier({ gateway, ledger, ruleId: RULE_ID, merchantId: MERCHANT_ID, now: clock.date })
  const sweepers: Sweeper[] = []
  return {
    emulator,
    gateway,
    database,
    ledger,
    verifier,
    clock,
    sweeper(extra = {}) {
      const s = createSweeper({
        ledger,
        gateway,
        ruleId: RULE_ID,
        merchantId: MERCHANT_ID,
        now: clock.date,
        qps: 1000,
        retry: { attempts: 3, sleep: async () => undefined },
        random: () => 0.5,
        ...extra,
      })
      sweepers.push(s)
      return s
    },
    async close() {
      for (const s of sweepers) await s.stop()
      await emulator.close()
      // The in-memory SQLite is one shared instance; a PostgreSQL pool per sandbox is closed here.
      if (database.engine === 'postgres') await db.close()
    },
  }
}
