#!/usr/bin/env node
/**
 * `npm run purge-personal-data -- --older-than-days N`: deletes the sealed personal part (names,
 * ID numbers, media) of final results fetched more than N days ago. Status, codes and billing
 * stay for reconciliation. Run it from cron, or set FACEID_PERSONAL_DATA_RETENTION_DAYS on the
 * server to have it done hourly.
 */
import { parseArgs } from 'node:util'
import { openDatabase } from '../src/store/database.js'
import { readConfig } from '../src/config/environment.js'
import { Keyring } from '../src/privacy/data-keys.js'
import { Ledger } from '../src/store/ledger.js'

const USAGE = 'usage: npm run purge-personal-data -- --older-than-days N [--data-dir DIR]'

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'older-than-days': { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true, allowPositionals: false })
  const days = Number(values['older-than-days'])
  if (values['older-than-days'] === undefined || !Number.isFinite(days) || days < 0) throw new Error(USAGE)
  const config = readConfig()
  const db = await openDatabase({ url: config.databaseUrl, dataDir: values['data-dir'] ?? config.dataDir })
  try {
    // Purging opens nothing: any keyring will do, the sandbox one included.
    const ledger = await Ledger.open(db, { keyring: Keyring.dev() })
    const purged = await ledger.purgePersonalData(new Date(Date.now() - days * 86_400_000))
    process.stdout.write(`${JSON.stringify({ purged })}\n`)
    return 0
  } finally {
    await db.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`purge-personal-data: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
