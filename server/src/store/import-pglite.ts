/**
 * Copies a ledger written by the embedded engine of faceid-kit 0.1 (PGlite, a PostgreSQL data
 * directory) into the SQLite ledger that replaced it (`ledger.sqlite` in the same directory).
 *
 * Nothing is lost and nothing is half done:
 * - the PGlite files are only read. An older schema is brought up to the latest PostgreSQL
 *   migration inside the reading transaction, which is rolled back at the end, so the directory
 *   stays exactly as faceid-kit 0.1 left it;
 * - every row is written in one SQLite transaction to a file in a temporary directory, and that
 *   file becomes `ledger.sqlite` only once the row counts of both sides agree. A failure (or a
 *   crash) leaves no `ledger.sqlite`, and the import can simply be run again;
 * - an existing `ledger.sqlite` is never replaced.
 */
import fs from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import type { PGlite, Transaction } from '@electric-sql/pglite'
import type { VerificationStatus } from '@faceid-kit/shared'
import { ConfigurationError } from '../errors/index.js'
import { openDatabase, SQLITE_FILE, type Database, type LedgerQueries, type OpenDatabaseOptions } from './database.js'
import { MIGRATIONS, migrate } from './migrations/index.js'
import type { LedgerMode } from './ledger-mode.js'

/** The tables copied, in this order. */
export const IMPORTED_TABLES = ['faceid_tokens', 'faceid_bill_details', 'faceid_bill_pulls', 'faceid_issue_slots', 'faceid_ledger_mode'] as const
export type ImportedTable = (typeof IMPORTED_TABLES)[number]

/** The command that runs `importPglite`, as the refusal of a PGlite directory names it. */
export const IMPORT_PGLITE_COMMAND = 'faceid-kit-import-pglite'

export interface ImportPgliteOptions {
  /** The data directory PGlite wrote (`PG_VERSION`, `base/`, …); `ledger.sqlite` is created in it. */
  dataDir: string
  /** Rows read and inserted at a time. Default 500, at most 1000 (SQLite's limit on parameters per statement). */
  batchSize?: number | undefined
  /** The SQLite settings of the new ledger (as `openDatabase` takes them). */
  sqlite?: OpenDatabaseOptions['sqlite']
  /** Told after each batch; throwing from it aborts the import (nothing is written). */
  onProgress?: ((table: ImportedTable, copied: number, total: number) => void) | undefined
}

export interface ImportPgliteReport {
  /** The data directory, absolute. */
  dataDir: string
  /** The SQLite ledger written: `<dataDir>/ledger.sqlite`. */
  file: string
  /** The schema version of the PGlite ledger (0: no ledger tables yet). */
  schemaVersion: number
  /** The PostgreSQL migrations applied for the copy (the PGlite files themselves are left unchanged). */
  migrationsApplied: number[]
  /** Rows copied per table (equal to the rows of the PGlite ledger). */
  rows: Record<ImportedTable, number>
  /** The ledger's mark, carried over; null when the PGlite ledger had none (the server marks it on first start). */
  mode: LedgerMode | null
  /** Temporary directories of earlier imports that were interrupted, removed before this one. */
  removedLeftovers: string[]
}

/** The import was refused or failed; `ledger.sqlite` was not written. */
export class ImportPgliteError extends ConfigurationError {}

const DEFAULT_BATCH_SIZE = 500
/** 25 columns of faceid_tokens × 1000 rows stays under SQLite's 32,766 parameters per statement. */
const MAX_BATCH_SIZE = 1000
/** The temporary directory of an import in progress: `<prefix><pid>-<random>`, inside the data directory (same file system, so the final link is atomic). */
const TEMP_PREFIX = '.import-pglite-'
/** As `migrate` creates it on PostgreSQL. */
const PG_MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS faceid_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())'

type PgRow = Record<string, unknown>

/** One table: what to read from PostgreSQL and how a row is written to SQLite. */
interface TableCopy {
  table: ImportedTable
  /** A full `SELECT` (PostgreSQL) giving the columns in the form `write` expects. */
  select: string
  write(q: LedgerQueries, rows: PgRow[]): Promise<void>
}

const TABLES: readonly TableCopy[] = [
  {
    table: 'faceid_tokens',
    // jsonb as its own text: exactly the document PostgreSQL held.
    select: `SELECT token, kind, user_id, rule_id, merchant_id, client_ip, issued_at, expires_at, status, code, message, billable_count, final,
                    result::text AS result, fetched_at, fetch_count, request_id, next_attempt_at, lease_owner, lease_until, sweep_attempts,
                    last_error, result_sealed, result_key_id, personal_data_purged_at
               FROM faceid_tokens ORDER BY token`,
    async write(q, rows) {
      await q
        .insertInto('faceid_tokens')
        .values(
          rows.map((r) => ({
            token: text(r, 'token'),
            kind: text(r, 'kind'),
            user_id: text(r, 'user_id'),
            rule_id: textOrNull(r, 'rule_id'),
            merchant_id: textOrNull(r, 'merchant_id'),
            client_ip: textOrNull(r, 'client_ip'),
            issued_at: date(r, 'issued_at'),
            expires_at: date(r, 'expires_at'),
            status: text(r, 'status') as VerificationStatus,
            code: intOrNull(r, 'code'),
            message: textOrNull(r, 'message'),
            billable_count: int(r, 'billable_count'),
            final: flag(r, 'final'),
            result: textOrNull(r, 'result'),
            fetched_at: dateOrNull(r, 'fetched_at'),
            fetch_count: int(r, 'fetch_count'),
            request_id: textOrNull(r, 'request_id'),
            next_attempt_at: dateOrNull(r, 'next_attempt_at'),
            lease_owner: textOrNull(r, 'lease_owner'),
            lease_until: dateOrNull(r, 'lease_until'),
            sweep_attempts: int(r, 'sweep_attempts'),
            last_error: textOrNull(r, 'last_error'),
            // Sealed results are opaque text: the same blob under the same key id opens with the same key.
            result_sealed: textOrNull(r, 'result_sealed'),
            result_key_id: textOrNull(r, 'result_key_id'),
            personal_data_purged_at: dateOrNull(r, 'personal_data_purged_at'),
          })),
        )
        .execute()
    },
  },
  {
    table: 'faceid_bill_details',
    // A `date` as text: PGlite would turn it into a Date at UTC midnight, SQLite keeps `YYYY-MM-DD`.
    select: 'SELECT bill_date::text AS bill_date, token, rule_id, charge_count, attempts, charge_details::text AS charge_details, pulled_at FROM faceid_bill_details ORDER BY bill_date, token',
    async write(q, rows) {
      await q
        .insertInto('faceid_bill_details')
        .values(
          rows.map((r) => ({
            bill_date: text(r, 'bill_date'),
            token: text(r, 'token'),
            rule_id: text(r, 'rule_id'),
            charge_count: int(r, 'charge_count'),
            attempts: int(r, 'attempts'),
            charge_details: text(r, 'charge_details'),
            pulled_at: date(r, 'pulled_at'),
          })),
        )
        .execute()
    },
  },
  {
    table: 'faceid_bill_pulls',
    select: 'SELECT bill_date::text AS bill_date, rule_id, pulled_at, pages, tokens, charge_count FROM faceid_bill_pulls ORDER BY bill_date, rule_id',
    async write(q, rows) {
      await q
        .insertInto('faceid_bill_pulls')
        .values(
          rows.map((r) => ({
            bill_date: text(r, 'bill_date'),
            rule_id: text(r, 'rule_id'),
            pulled_at: date(r, 'pulled_at'),
            pages: int(r, 'pages'),
            tokens: int(r, 'tokens'),
            charge_count: int(r, 'charge_count'),
          })),
        )
        .execute()
    },
  },
  {
    table: 'faceid_issue_slots',
    select: 'SELECT scope, key, taken, last_taken FROM faceid_issue_slots ORDER BY scope, key',
    async write(q, rows) {
      // `taken` is not writable through the typed builder (each engine stores it its own way):
      // SQLite keeps a JSON array of ISO strings, the form issue-slots.ts writes.
      const values = rows.map((r) => {
        const taken = r['taken']
        if (!Array.isArray(taken)) throw malformed('taken', taken)
        const times = JSON.stringify(taken.map((t: unknown) => asDate('taken', t).toISOString()))
        return sql`(${text(r, 'scope')}, ${text(r, 'key')}, ${times}, ${date(r, 'last_taken')})`
      })
      await sql`INSERT INTO faceid_issue_slots (scope, key, taken, last_taken) VALUES ${sql.join(values)}`.execute(q)
    },
  },
  {
    table: 'faceid_ledger_mode',
    select: 'SELECT mode, marked_by, marked_at FROM faceid_ledger_mode',
    async write(q, rows) {
      await q
        .insertInto('faceid_ledger_mode')
        .values(rows.map((r) => ({ mode: text(r, 'mode') as LedgerMode, marked_by: text(r, 'marked_by'), marked_at: date(r, 'marked_at') })))
        .execute()
    },
  },
]

/**
 * Copies the PGlite ledger in `dataDir` into `<dataDir>/ledger.sqlite`. Refuses a directory
 * that is not PGlite's or that already has `ledger.sqlite`. On any failure nothing is written.
 */
export async function importPglite(options: ImportPgliteOptions): Promise<ImportPgliteReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new ImportPgliteError(`batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${String(batchSize)}`)
  }
  const dataDir = path.resolve(options.dataDir)
  const target = path.join(dataDir, SQLITE_FILE)
  if (!fs.existsSync(dataDir)) throw new ImportPgliteError(`${dataDir} does not exist`)
  if (fs.existsSync(target)) {
    throw new ImportPgliteError(`${target} already exists: this directory has been imported (or was created by the SQLite engine). Nothing was changed.`)
  }
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) throw new ImportPgliteError(`${dataDir} is not a PGlite data directory (it has no PG_VERSION file). Nothing was changed.`)

  const removedLeftovers = removeInterruptedImports(dataDir)
  const tempDir = fs.mkdtempSync(path.join(dataDir, `${TEMP_PREFIX}${process.pid}-`))
  let pglite: PGlite | undefined
  let sqlite: Database | undefined
  try {
    pglite = await openPglite(dataDir)
    // No checkpoint worker: its connection would keep the switch to one self-contained file below from happening.
    sqlite = await openDatabase({ dataDir: tempDir, sqlite: { ...options.sqlite, backgroundCheckpoints: false } })
    await migrate(sqlite)
    const copied = await copyAll(pglite, sqlite, batchSize, options.onProgress)
    // One self-contained file: no write-ahead log beside it to carry along.
    await sql.raw('PRAGMA journal_mode = DELETE').execute(sqlite.queries)
    await sqlite.close()
    sqlite = undefined
    const tempFile = path.join(tempDir, SQLITE_FILE)
    for (const suffix of ['-wal', '-journal']) {
      if (fs.existsSync(tempFile + suffix)) throw new ImportPgliteError(`${tempFile}${suffix} was left after closing the new ledger; it was not put in place`)
    }
    publish(tempFile, target)
    return { dataDir, file: target, ...copied, removedLeftovers }
  } finally {
    await sqlite?.close().catch(() => undefined)
    await pglite?.close().catch(() => undefined)
    fs.rmSync(tempDir, { recursive: true, force: true })
  }
}

async function openPglite(dataDir: string): Promise<PGlite> {
  let mod: typeof import('@electric-sql/pglite')
  try {
    mod = await import('@electric-sql/pglite')
  } catch (error) {
    throw new ImportPgliteError(`Reading a PGlite ledger needs @electric-sql/pglite (a dependency of @faceid-kit/server): ${errorText(error)}`, { cause: error })
  }
  try {
    const db = new mod.PGlite(dataDir)
    await db.waitReady
    return db
  } catch (error) {
    throw new ImportPgliteError(`PGlite could not open ${dataDir} (is a faceid-kit 0.1 server still running on it? Stop it first): ${errorText(error)}`, { cause: error })
  }
}

async function copyAll(
  pglite: PGlite,
  sqlite: Database,
  batchSize: number,
  onProgress: ImportPgliteOptions['onProgress'],
): Promise<Pick<ImportPgliteReport, 'schemaVersion' | 'migrationsApplied' | 'rows' | 'mode'>> {
  return pglite.transaction(async (tx) => {
    const { schemaVersion, migrationsApplied } = await upgradeSchema(tx)
    const expected = {} as Record<ImportedTable, number>
    for (const { table } of TABLES) expected[table] = await countPg(tx, table)
    const rows = await sqlite.transaction(async (q) => {
      const copied = {} as Record<ImportedTable, number>
      for (const spec of TABLES) {
        copied[spec.table] = 0
        // A cursor reads the table in batches within the one snapshot of this transaction.
        await tx.query(`DECLARE import_rows NO SCROLL CURSOR FOR ${spec.select}`)
        for (;;) {
          const batch = (await tx.query<PgRow>(`FETCH FORWARD ${batchSize} FROM import_rows`)).rows
          if (batch.length === 0) break
          try {
            await spec.write(q, batch)
          } catch (error) {
            throw new ImportPgliteError(`${spec.table}, rows ${copied[spec.table] + 1}-${copied[spec.table] + batch.length}: ${errorText(error)}; nothing was written`, { cause: error })
          }
          copied[spec.table] += batch.length
          onProgress?.(spec.table, copied[spec.table], expected[spec.table])
        }
        await tx.query('CLOSE import_rows')
      }
      // Counted again on the SQLite side, in the transaction about to commit.
      for (const { table } of TABLES) {
        const { n } = await q.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
        if (Number(n) !== expected[table] || copied[table] !== expected[table]) {
          throw new ImportPgliteError(`${table}: the PGlite ledger has ${expected[table]} rows, ${copied[table]} were read and the new ledger has ${Number(n)}; nothing was written`)
        }
      }
      return copied
    })
    const mark = (await tx.query<{ mode: LedgerMode }>('SELECT mode FROM faceid_ledger_mode')).rows[0]
    // Leaves the PGlite files as they were, also when migrations ran for the copy.
    await tx.rollback()
    return { schemaVersion, migrationsApplied, rows, mode: mark?.mode ?? null }
  })
}

/** Applies the PostgreSQL migrations the PGlite ledger lacks, as `migrate` would have on its next start. */
async function upgradeSchema(tx: Transaction): Promise<{ schemaVersion: number; migrationsApplied: number[] }> {
  const { rows } = await tx.query<{ present: boolean }>("SELECT to_regclass('faceid_migrations') IS NOT NULL AS present")
  const done = new Set(rows[0]?.present ? (await tx.query<{ version: number }>('SELECT version FROM faceid_migrations')).rows.map((r) => r.version) : [])
  const known = new Set(MIGRATIONS.map((m) => m.version))
  const unknown = [...done].filter((v) => !known.has(v))
  if (unknown.length > 0) {
    throw new ImportPgliteError(`The PGlite ledger has schema versions this faceid-kit does not know (${unknown.join(', ')}): import it with the faceid-kit version that wrote it. Nothing was changed.`)
  }
  const schemaVersion = Math.max(0, ...done)
  await tx.exec(PG_MIGRATIONS_TABLE)
  const migrationsApplied: number[] = []
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue
    await tx.exec(m.postgres)
    await tx.query('INSERT INTO faceid_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
    migrationsApplied.push(m.version)
  }
  return { schemaVersion, migrationsApplied }
}

async function countPg(tx: Transaction, table: ImportedTable): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
  return rows[0]?.n ?? 0
}

/** Puts the finished file in place without ever replacing a `ledger.sqlite` that appeared meanwhile. */
function publish(tempFile: string, target: string): void {
  try {
    // A hard link fails when the target exists (a rename would replace it).
    fs.linkSync(tempFile, target)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new ImportPgliteError(`${target} appeared while importing; it was left as it is and nothing was written`, { cause: error })
    // A file system without hard links: the closest, a check then a rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error
    if (fs.existsSync(target)) throw new ImportPgliteError(`${target} appeared while importing; it was left as it is and nothing was written`)
    fs.renameSync(tempFile, target)
  }
  syncDirectory(path.dirname(target))
}

/** Makes the new directory entry durable (not possible on every platform: best effort). */
function syncDirectory(dir: string): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
  } catch {
    // Windows cannot open a directory for fsync.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** Removes the temporary directories of imports whose process is gone (a crash or a kill mid-way). */
function removeInterruptedImports(dataDir: string): string[] {
  const removed: string[] = []
  for (const entry of fs.readdirSync(dataDir)) {
    const match = entry.startsWith(TEMP_PREFIX) ? /^(\d+)-/.exec(entry.slice(TEMP_PREFIX.length)) : null
    if (!match || processAlive(Number(match[1]))) continue
    fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true })
    removed.push(entry)
  }
  return removed
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function malformed(column: string, value: unknown): ImportPgliteError {
  const shown = value instanceof Date ? String(value) : JSON.stringify(value)
  return new ImportPgliteError(`${column} has an unexpected value ${shown?.slice(0, 80) ?? String(value)}`)
}

function text(r: PgRow, column: string): string {
  const v = r[column]
  if (typeof v !== 'string') throw malformed(column, v)
  return v
}

function textOrNull(r: PgRow, column: string): string | null {
  return r[column] === null ? null : text(r, column)
}

function int(r: PgRow, column: string): number {
  const v = r[column]
  if (typeof v !== 'number' || !Number.isInteger(v)) throw malformed(column, v)
  return v
}

function intOrNull(r: PgRow, column: string): number | null {
  return r[column] === null ? null : int(r, column)
}

function flag(r: PgRow, column: string): boolean {
  const v = r[column]
  if (typeof v !== 'boolean') throw malformed(column, v)
  return v
}

function asDate(column: string, v: unknown): Date {
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw malformed(column, v)
  return v
}

function date(r: PgRow, column: string): Date {
  return asDate(column, r[column])
}

function dateOrNull(r: PgRow, column: string): Date | null {
  return r[column] === null ? null : date(r, column)
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
