#!/usr/bin/env node
/**
 * `npm run rotate-keys`: re-seals every stored result under the current data key.
 *
 * 1. `npm run rotate-keys -- --generate` prints a new key.
 * 2. Deploy with FACEID_DATA_KEY=<new key> and FACEID_DATA_KEYS=<old key>[,<older>…]: new
 *    results use the new key, old ones still open.
 * 3. Run `npm run rotate-keys` with the same environment (DATABASE_URL, or the embedded
 *    database in ./.data). It is safe while servers run and can be run again.
 * 4. When it reports `failed: 0`, remove the old key from FACEID_DATA_KEYS.
 */
import { parseArgs } from 'node:util'
import { keyringOf, readConfig } from '../src/config/environment.js'
import { generateDataKey } from '../src/privacy/data-keys.js'
import { openDatabase } from '../src/store/database.js'
import { Ledger } from '../src/store/ledger.js'

const USAGE = 'usage: npm run rotate-keys [-- --batch-size N] [--data-dir DIR] | npm run rotate-keys -- --generate'

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { generate: { type: 'boolean' }, 'batch-size': { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (values.generate) {
    process.stdout.write(`${generateDataKey()}\n`)
    return 0
  }
  const batchSize = values['batch-size'] === undefined ? 200 : Number(values['batch-size'])
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive whole number\n${USAGE}`)
  const config = readConfig()
  // Re-sealing needs a real current key, in sandbox mode too.
  const keyring = keyringOf({ ...config, sandbox: false })
  const db = await openDatabase({ url: config.databaseUrl, dataDir: values['data-dir'] ?? config.dataDir })
  try {
    const ledger = await Ledger.open(db, { keyring })
    const report = await ledger.rotateKeys({ batchSize })
    process.stdout.write(`${JSON.stringify({ ...report, failed: report.failed.length })}\n`)
    for (const f of report.failed) process.stderr.write(`not rotated: ${f.token} (key ${f.keyId ?? 'none'}): ${f.reason}\n`)
    return report.failed.length > 0 ? 1 : 0
  } finally {
    await db.close()
  }
}

main().then(
  (code) => process.exit(code),
  // A message, never a stack: it could carry configuration details.
  (error: unknown) => {
    process.stderr.write(`rotate-keys: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
