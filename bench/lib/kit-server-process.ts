/**
 * Child process for rows 2 and 4: what `npm start` runs in live mode (`startServer`: routes,
 * bearer sessions, retries, sweeper, the embedded SQLite ledger), pointed at the emulator in another process as it
 * would be at Tencent. Reports its own memory: peak RSS from the kernel (VmHWM, resettable on
 * Linux) and from sampling `process.memoryUsage.rss()` every 10 ms as a fallback.
 */
import fs from 'node:fs'
import { SANDBOX_CREDENTIAL } from '../../server/emulator/index.js'
import { startServer } from '../../server/src/standalone/server.js'
import { fatal, serve } from './child.js'
import { CHILD_OPTIONS_ENV, MERCHANT_ID, RULE_ID, type KitServerInfo, type KitServerOptions } from './processes.js'

export interface MemoryReport {
  rss: number
  /** Peak RSS since start or the last reset, from sampling. */
  sampledPeak: number
  /** Peak RSS from /proc/self/status (VmHWM), when readable. */
  kernelPeak: number | null
}

function kernelPeak(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    return match ? Number(match[1]) * 1024 : null
  } catch {
    return null
  }
}

let sampledPeak = process.memoryUsage.rss()
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())
}, 10)

async function main() {
  const options = JSON.parse(process.env[CHILD_OPTIONS_ENV] ?? '{}') as KitServerOptions
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    ...(options.database.dataDir ? { dataDir: options.database.dataDir } : {}),
    logger: false,
    env: {
      FACEID_SECRET_ID: SANDBOX_CREDENTIAL.secretId,
      FACEID_SECRET_KEY: SANDBOX_CREDENTIAL.secretKey,
      FACEID_ENDPOINT: options.emulatorUrl,
      FACEID_RULE_ID: RULE_ID,
      FACEID_EID_MERCHANT_ID: MERCHANT_ID,
      SESSION_SECRET: options.sessionSecret,
      FACEID_DATA_KEY: options.dataKey,
      ...(options.database.url ? { DATABASE_URL: options.database.url } : {}),
      // Every simulated user comes from 127.0.0.1: per-IP (and per-user) issuance limits would
      // turn the load into 429s.
      FACEID_LIMIT_PER_USER_PER_HOUR: '0',
      FACEID_LIMIT_PER_IP_PER_HOUR: '0',
    },
  })
  const api = {
    memory: (): MemoryReport => ({ rss: process.memoryUsage.rss(), sampledPeak: Math.max(sampledPeak, process.memoryUsage.rss()), kernelPeak: kernelPeak() }),
    /** Starts a new peak from the current RSS; false when the kernel's counter could not be reset. */
    resetPeak: (): boolean => {
      sampledPeak = process.memoryUsage.rss()
      try {
        fs.writeFileSync('/proc/self/clear_refs', '5')
        return true
      } catch {
        return false
      }
    },
  }
  serve(api, { url: running.url } satisfies KitServerInfo, async () => {
    clearInterval(sampler)
    await running.close()
  })
}

export type KitServerApi = { memory: () => MemoryReport; resetPeak: () => boolean }

main().catch(fatal)
