#!/usr/bin/env node
/**
 * `npx faceid-kit-import-pglite [DIR]` (`npm run import-pglite -- [DIR]` in the repository):
 * copies the ledger that faceid-kit 0.1's embedded engine (PGlite) wrote in DIR into
 * `DIR/ledger.sqlite`, the embedded ledger of this version. Run it once, with the old server
 * stopped; `npm start` refuses a PGlite directory until then. The PGlite files are left as they
 * were. Exit status: 0 copied, 1 refused or failed (nothing written), 2 bad usage.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { IMPORTED_TABLES, importPglite } from '../src/store/import-pglite.js'
import { EXIT, fail, runCli } from './common.js'

const USAGE =
  'usage: npx faceid-kit-import-pglite [DIR] [--batch-size N] [--json]\n' +
  '  DIR: the data directory faceid-kit 0.1 wrote (default: FACEID_DATA_DIR, else ./.data, as npm start)'

runCli(async () => {
  let parsed: ReturnType<typeof parseArgsOf>
  try {
    parsed = parseArgsOf(process.argv.slice(2))
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, EXIT.usage)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  if (positionals.length > 1) fail(`one directory at most, got ${positionals.length}\n${USAGE}`, EXIT.usage)
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size'])
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)) {
    fail(`--batch-size must be a whole number from 1 to 1000\n${USAGE}`, EXIT.usage)
  }
  // npm runs a workspace script in the workspace's folder: a relative DIR means the folder the
  // command was typed in (INIT_CWD), where npm start keeps ./.data. FACEID_DATA_DIR is read as the server reads it.
  const typedIn = process.env['INIT_CWD'] ?? process.cwd()
  const fromEnv = process.env['FACEID_DATA_DIR']
  const dataDir = positionals[0] !== undefined ? path.resolve(typedIn, positionals[0]) : fromEnv ? path.resolve(fromEnv) : path.join(typedIn, '.data')

  if (!values.json) process.stdout.write(`Reading the PGlite ledger in ${dataDir} …\n`)
  const report = await importPglite({ dataDir, batchSize })
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`)
    return
  }
  const width = Math.max(...IMPORTED_TABLES.map((t) => t.length))
  const lines = [
    `Copied into ${report.file}:`,
    ...IMPORTED_TABLES.map((t) => `  ${t.padEnd(width)}  ${report.rows[t]} row(s)`),
    report.migrationsApplied.length === 0
      ? `The PGlite ledger was at schema version ${report.schemaVersion} (the latest).`
      : `The PGlite ledger ${report.schemaVersion === 0 ? 'had no ledger tables yet' : `was at schema version ${report.schemaVersion}`}; migrations ${report.migrationsApplied.join(', ')} were applied for the copy only.`,
    report.mode ? `Ledger mode: ${report.mode} (carried over).` : 'Ledger mode: not marked yet (the server marks it when it starts).',
    ...(report.removedLeftovers.length > 0 ? [`Removed what interrupted imports had left: ${report.removedLeftovers.join(', ')}`] : []),
    '',
    `The PGlite files in ${report.dataDir} were not changed. Start the server (it now uses ${path.basename(report.file)}) and check`,
    `the ledger; then they can be deleted: everything in that directory except ${path.basename(report.file)}, ${path.basename(report.file)}-wal and ${path.basename(report.file)}-shm.`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
})

function parseArgsOf(args: string[]) {
  return parseArgs({
    args,
    options: { 'batch-size': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  })
}
