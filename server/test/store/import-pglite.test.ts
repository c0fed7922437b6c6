/**
 * Upgrading from faceid-kit 0.1's embedded engine: real PGlite data directories, written with the
 * PostgreSQL migrations as 0.1 wrote them, copied into SQLite by `importPglite` (and by the
 * command), then read back through the real `Ledger`.
 *
 * PGlite takes about 700 MiB per instance: one is open at a time, and each is closed.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import type { UpstreamResult } from '@faceid-kit/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { createFaceidKit } from '../../src/kit.js'
import { Keyring } from '../../src/privacy/data-keys.js'
import { clearPartOf } from '../../src/privacy/personal-data.js'
import { startServer } from '../../src/standalone/server.js'
import { LegacyLedgerError, openDatabase, SQLITE_FILE, type Database } from '../../src/store/database.js'
import { IMPORTED_TABLES, importPglite, ImportPgliteError, type ImportedTable } from '../../src/store/import-pglite.js'
import { claimLedgerMode, LedgerModeError } from '../../src/store/ledger-mode.js'
import { DEFAULT_TOKEN_KINDS, Ledger } from '../../src/store/ledger.js'
import { MIGRATIONS } from '../../src/store/migrations/index.js'

/** Migrations after 0.1's last (8): a PGlite ledger never had them, the import applies them for the copy. */
const LATER_MIGRATIONS = MIGRATIONS.filter((m) => m.version > 8)

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsxLoader = pathToFileURL(path.resolve(serverDir, '../node_modules/tsx/dist/loader.mjs')).href
const PGLITE_TIMEOUT = 180_000
const MINUTE = 60_000

const OLD_KEY = { id: 'k2025', key: Buffer.alloc(32, 3) }
const NEW_KEY = { id: 'k2026', key: Buffer.alloc(32, 7) }
/** The live keyring the 0.1 server sealed with: most results under the new key, one still under the old one. */
const keyring = new Keyring(NEW_KEY, [OLD_KEY])
const oldKeyring = new Keyring(OLD_KEY)

let work: string
/** A PGlite ledger at version 8 with rows of every kind; copied for each test that imports it. */
let fullTemplate: string
/** Its rows as PGlite returned them, in the canonical form of `canonical`. */
let fullSnapshot: Snapshot
/** A PGlite ledger stopped at version 5 (before issue slots and the mode mark). */
let v5Template: string
let v5Tokens: number

/** Fixed times of the fixture, as the 0.1 ledger wrote them (from JavaScript: whole milliseconds). */
const now = new Date(Math.floor(Date.now() / 1000) * 1000)
const at = (minutesAgo: number): Date => new Date(now.getTime() - minutesAgo * MINUTE)

const passedRaw: UpstreamResult = {
  Text: { ErrCode: 0, ErrMsg: '成功', Name: '张三', IdCard: '11010119900307777X', LivenessDetail: [{ ReqTime: '1767225600000', Seq: 'seq-1', IsNeedCharge: true } as never] },
  RequestId: 'req-passed',
}
const failedRaw: UpstreamResult = {
  Text: { ErrCode: 1001, ErrMsg: '调用活体引擎失败', Name: '李四', IdCard: '110101198001010011', LivenessDetail: [{ ReqTime: '1767225700000', Seq: 'seq-2', IsNeedCharge: false } as never] },
  RequestId: 'req-failed',
}
const purgedRaw: UpstreamResult = { Text: { ErrCode: 0, ErrMsg: '成功', Name: '王五', IdCard: '110101197001010022' }, RequestId: 'req-purged' }

interface TokenFixture {
  token: string
  kind: string
  user_id: string
  rule_id?: string | null
  merchant_id?: string | null
  client_ip?: string | null
  issued_at: Date
  expires_at: Date
  status?: string
  code?: number | null
  message?: string | null
  billable_count?: number
  final?: boolean
  result?: unknown
  fetched_at?: Date | null
  fetch_count?: number
  request_id?: string | null
  next_attempt_at?: Date | null
  lease_owner?: string | null
  lease_until?: Date | null
  sweep_attempts?: number
  last_error?: string | null
  result_sealed?: string | null
  result_key_id?: string | null
  personal_data_purged_at?: Date | null
}

function sealed(raw: UpstreamResult, token: string, ring = keyring): Pick<TokenFixture, 'result' | 'result_sealed' | 'result_key_id'> {
  const s = ring.seal(JSON.stringify(raw), token)
  return { result: clearPartOf(raw), result_sealed: s.blob, result_key_id: s.keyId }
}

/** Tokens in every state the 0.1 ledger had: pending, scheduled, leased, final with sealed results (two keys), purged, given up, any kind. */
function fullTokens(): TokenFixture[] {
  const life = (t: Date) => new Date(t.getTime() + 10 * MINUTE)
  const tokens: TokenFixture[] = [
    { token: 'tok-pending', kind: 'face', user_id: 'u1', rule_id: '1', client_ip: '10.0.0.1', issued_at: at(5), expires_at: life(at(5)), request_id: 'req-issue-1' },
    {
      token: 'tok-scheduled',
      kind: 'face',
      user_id: 'u1',
      rule_id: '1',
      client_ip: '10.0.0.1',
      issued_at: at(30),
      expires_at: life(at(30)),
      next_attempt_at: new Date(now.getTime() + 2 * MINUTE),
      sweep_attempts: 2,
      last_error: 'upstream timeout',
      fetch_count: 2,
      fetched_at: at(3),
    },
    {
      token: 'tok-leased',
      kind: 'eid',
      user_id: 'u2',
      merchant_id: '0NSJ2112',
      client_ip: '10.0.0.2',
      issued_at: at(40),
      expires_at: life(at(40)),
      lease_owner: 'sweeper-host-a-123',
      lease_until: new Date(now.getTime() + 4 * MINUTE),
      sweep_attempts: 1,
    },
    {
      token: 'tok-passed',
      kind: 'face',
      user_id: 'u1',
      rule_id: '1',
      client_ip: '10.0.0.1',
      issued_at: at(50),
      expires_at: life(at(50)),
      status: 'passed',
      code: 0,
      message: '成功',
      billable_count: 1,
      final: true,
      fetched_at: at(45),
      fetch_count: 3,
      request_id: 'req-issue-2',
      ...sealed(passedRaw, 'tok-passed'),
    },
    {
      token: 'tok-failed-old-key',
      kind: 'face',
      user_id: 'u3',
      rule_id: '1',
      issued_at: at(600),
      expires_at: life(at(600)),
      status: 'failed',
      code: 1001,
      message: '调用活体引擎失败',
      final: true,
      fetched_at: at(590),
      fetch_count: 1,
      sweep_attempts: 4,
      last_error: null,
      ...sealed(failedRaw, 'tok-failed-old-key', oldKeyring),
    },
    {
      token: 'tok-purged',
      kind: 'face',
      user_id: 'u3',
      rule_id: '1',
      issued_at: at(60 * 24 * 40),
      expires_at: life(at(60 * 24 * 40)),
      status: 'passed',
      code: 0,
      message: '成功',
      final: true,
      fetched_at: at(60 * 24 * 40 - 5),
      fetch_count: 1,
      result: clearPartOf(purgedRaw),
      personal_data_purged_at: at(60 * 24 * 10),
    },
    {
      token: 'tok-given-up',
      kind: 'eid',
      user_id: 'u2',
      merchant_id: '0NSJ2112',
      issued_at: at(60 * 24 * 4),
      expires_at: life(at(60 * 24 * 4)),
      status: 'expired',
      final: true,
      sweep_attempts: 9,
      last_error: 'past Tencent retention: given up',
    },
    // A flow's own kind (allowed since migration 8).
    { token: 'tok-bank4', kind: 'bank4', user_id: 'u4', issued_at: at(20), expires_at: life(at(20)) },
  ]
  // Enough plain pending tokens for several batches.
  for (let i = 0; i < 23; i++) {
    const t = at(100 + i)
    tokens.push({ token: `tok-bulk-${String(i).padStart(2, '0')}`, kind: i % 2 ? 'eid' : 'face', user_id: `bulk-${i % 5}`, client_ip: i % 3 ? `10.1.0.${i}` : null, issued_at: t, expires_at: life(t) })
  }
  return tokens
}

const TOKEN_COLUMNS = [
  'token', 'kind', 'user_id', 'rule_id', 'merchant_id', 'client_ip', 'issued_at', 'expires_at', 'status', 'code', 'message', 'billable_count', 'final', 'result',
  'fetched_at', 'fetch_count', 'request_id', 'next_attempt_at', 'lease_owner', 'lease_until', 'sweep_attempts', 'last_error', 'result_sealed', 'result_key_id',
  'personal_data_purged_at',
] as const

async function insertToken(pg: PGlite, t: TokenFixture): Promise<void> {
  const columns = TOKEN_COLUMNS
  const defaults: Record<string, unknown> = { status: 'pending', billable_count: 0, final: false, fetch_count: 0, sweep_attempts: 0 }
  const values = columns.map((c) => {
    const v = (t as unknown as Record<string, unknown>)[c] ?? defaults[c] ?? null
    return c === 'result' && v !== null ? JSON.stringify(v) : v
  })
  await pg.query(`INSERT INTO faceid_tokens (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values)
}

/** What faceid-kit 0.1's `migrate` did, up to `version`: each pending migration and its record. */
async function migratePg(pg: PGlite, version: number): Promise<void> {
  await pg.exec('CREATE TABLE IF NOT EXISTS faceid_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())')
  for (const m of MIGRATIONS.filter((m) => m.version <= version)) {
    await pg.transaction(async (tx) => {
      await tx.exec(m.postgres)
      await tx.query('INSERT INTO faceid_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
    })
  }
}

async function withPglite<T>(dir: string, fn: (pg: PGlite) => Promise<T>): Promise<T> {
  const { PGlite } = await import('@electric-sql/pglite')
  const pg = new PGlite(dir)
  await pg.waitReady
  try {
    return await fn(pg)
  } finally {
    await pg.close()
  }
}

/** Every row of every copied table, engine-neutral: dates as ISO strings, flags as booleans, JSON parsed, keyed and sorted. */
type Snapshot = Record<ImportedTable, Array<Record<string, unknown>>>

const DATE_COLUMNS = new Set(['issued_at', 'expires_at', 'fetched_at', 'next_attempt_at', 'lease_until', 'personal_data_purged_at', 'pulled_at', 'last_taken', 'marked_at'])
const JSON_COLUMNS = new Set(['result', 'charge_details'])
const SORT_KEYS: Record<ImportedTable, string[]> = {
  faceid_tokens: ['token'],
  faceid_bill_details: ['bill_date', 'token'],
  faceid_bill_pulls: ['bill_date', 'rule_id'],
  faceid_issue_slots: ['scope', 'key'],
  faceid_ledger_mode: ['mode'],
}

function canonical(table: ImportedTable, rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const out = rows.map((row) => {
    const c: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(row)) {
      if (k === 'only_row') continue
      if (v === null) c[k] = null
      else if (DATE_COLUMNS.has(k)) c[k] = new Date(v as Date | string).toISOString()
      else if (JSON_COLUMNS.has(k)) c[k] = typeof v === 'string' ? JSON.parse(v) : v
      else if (k === 'final') c[k] = Boolean(v)
      else if (k === 'taken') c[k] = (typeof v === 'string' ? (JSON.parse(v) as string[]) : (v as Date[])).map((t) => new Date(t).toISOString())
      else if (k === 'bill_date') c[k] = v instanceof Date ? v.toISOString().slice(0, 10) : v
      else c[k] = v
    }
    return c
  })
  const key = (r: Record<string, unknown>) => SORT_KEYS[table].map((k) => String(r[k])).join('\u0000')
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

async function snapshotPg(pg: Pick<PGlite, 'query'>): Promise<Snapshot> {
  const snap = {} as Snapshot
  for (const table of IMPORTED_TABLES) {
    // `date` as text: PGlite would give a Date at UTC midnight.
    const select = table === 'faceid_bill_details' || table === 'faceid_bill_pulls' ? `SELECT *, bill_date::text AS bill_date FROM ${table}` : `SELECT * FROM ${table}`
    snap[table] = canonical(table, (await pg.query<Record<string, unknown>>(select)).rows)
  }
  return snap
}

async function snapshotSqlite(db: Database): Promise<Snapshot> {
  const snap = {} as Snapshot
  for (const table of IMPORTED_TABLES) snap[table] = canonical(table, (await db.queries.selectFrom(table).selectAll().execute()) as Array<Record<string, unknown>>)
  return snap
}

function freshCopy(template: string, name: string): string {
  const dir = path.join(work, name)
  fs.cpSync(template, dir, { recursive: true })
  return dir
}

function runCommand(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@faceid-kit/source', '--import', tsxLoader, path.join(serverDir, 'bin/import-pglite.ts'), ...args],
      { cwd, env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...env }, timeout: PGLITE_TIMEOUT },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

const leftovers = (dir: string) => fs.readdirSync(dir).filter((e) => e.startsWith('.import-pglite-') || e.startsWith(SQLITE_FILE))

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-import-pglite-'))

  fullTemplate = path.join(work, 'template-v8')
  fullSnapshot = await withPglite(fullTemplate, async (pg) => {
    await migratePg(pg, 8)
    for (const t of fullTokens()) await insertToken(pg, t)
    // A timestamp written by PostgreSQL itself carries microseconds; SQLite keeps milliseconds.
    await pg.query("UPDATE faceid_tokens SET fetched_at = '2026-01-02 03:04:05.123456+00' WHERE token = 'tok-scheduled'")
    await pg.query(
      `INSERT INTO faceid_bill_details (bill_date, token, rule_id, charge_count, attempts, charge_details, pulled_at) VALUES
         ('2026-03-04', 'tok-passed', '1', 1, 2, $1, $3), ('2026-03-04', 'tok-failed-old-key', '1', 0, 1, $2, $3), ('2026-03-05', 'tok-passed', '1', 1, 1, '[]', $3)`,
      [JSON.stringify([{ ReqTime: '1767225600000', Seq: 'seq-1', IsNeedCharge: true }]), JSON.stringify([{ Seq: 'seq-2', IsNeedCharge: false, Note: '未计费' }]), at(600)],
    )
    await pg.query("INSERT INTO faceid_bill_pulls (bill_date, rule_id, pulled_at, pages, tokens, charge_count) VALUES ('2026-03-04', '1', $1, 2, 2, 1), ('2026-03-05', '1', $2, 1, 1, 1)", [at(600), at(5)])
    await pg.query('DELETE FROM faceid_issue_slots')
    await pg.query("INSERT INTO faceid_issue_slots (scope, key, taken, last_taken) VALUES ('user', 'u1', $1, $2), ('ip', '10.0.0.1', $3, $4)", [
      [at(50), at(30), at(5)],
      at(5),
      [at(30), at(5)],
      at(5),
    ])
    await pg.query("INSERT INTO faceid_ledger_mode (mode, marked_by, marked_at) VALUES ('live', 'adopted', $1)", [at(60 * 24)])
    // What the copy should hold: the rows as the migrations after 0.1's last (8) leave them,
    // applied in a transaction that is rolled back, so the template stays a 0.1 ledger.
    return pg.transaction(async (tx) => {
      for (const m of LATER_MIGRATIONS) await tx.exec(m.postgres)
      const snapshot = await snapshotPg(tx)
      await tx.rollback()
      return snapshot
    })
  })

  v5Template = path.join(work, 'template-v5')
  v5Tokens = await withPglite(v5Template, async (pg) => {
    await migratePg(pg, 5)
    // Version 5 already has every column; its kind check allows face and eid only.
    const tokens = fullTokens().filter((t) => t.kind === 'face' || t.kind === 'eid')
    for (const t of tokens) await insertToken(pg, t)
    return tokens.length
  })
}, 2 * PGLITE_TIMEOUT)

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

describe('importPglite', () => {
  it(
    'copies every row and field of a PGlite ledger into SQLite, where the Ledger reads them as before',
    async () => {
      const dir = freshCopy(fullTemplate, 'full')
      // What a killed import left behind (its process is gone): removed, never mistaken for a ledger.
      const stale = path.join(dir, '.import-pglite-999999999-abcdef')
      fs.mkdirSync(stale)
      fs.writeFileSync(path.join(stale, SQLITE_FILE), 'half an import')
      const pgliteFiles = fs.readdirSync(dir).filter((e) => !e.startsWith('.import-pglite-')).sort()

      const progress: Array<[ImportedTable, number, number]> = []
      const report = await importPglite({ dataDir: dir, batchSize: 7, onProgress: (t, copied, total) => progress.push([t, copied, total]) })

      const counts = Object.fromEntries(IMPORTED_TABLES.map((t) => [t, fullSnapshot[t].length]))
      expect(counts).toEqual({ faceid_tokens: 31, faceid_bill_details: 3, faceid_bill_pulls: 2, faceid_issue_slots: 2, faceid_ledger_mode: 1 })
      expect(report).toEqual({
        dataDir: dir,
        file: path.join(dir, SQLITE_FILE),
        schemaVersion: 8,
        migrationsApplied: LATER_MIGRATIONS.map((m) => m.version),
        rows: counts,
        mode: 'live',
        removedLeftovers: ['.import-pglite-999999999-abcdef'],
      })
      // Read in batches of 7: 31 tokens in 5 batches.
      expect(progress.filter(([t]) => t === 'faceid_tokens').map(([, n]) => n)).toEqual([7, 14, 21, 28, 31])
      // The PGlite files are all still there; beside them only the new ledger.
      expect(fs.readdirSync(dir).sort()).toEqual([...pgliteFiles, SQLITE_FILE].sort())

      const db = await openDatabase({ dataDir: dir })
      try {
        expect(db.engine).toBe('sqlite')
        // Every table, row and column, as PGlite held it (times to the millisecond).
        expect(await snapshotSqlite(db)).toEqual(fullSnapshot)
        const scheduled = fullSnapshot.faceid_tokens.find((r) => r['token'] === 'tok-scheduled')
        expect(scheduled?.['fetched_at']).toBe('2026-01-02T03:04:05.123Z')

        const ledger = await Ledger.open(db, { keyring, kinds: [...DEFAULT_TOKEN_KINDS, 'bank4'] })
        // Sealed results open with the same keys, under the same key ids.
        expect((await ledger.readFullResult('tok-passed'))?.result).toEqual(passedRaw)
        expect((await ledger.readFullResult('tok-failed-old-key'))?.result).toEqual(failedRaw)
        expect(await ledger.readFullResult('tok-purged')).toMatchObject({ status: 'passed', final: true, result: clearPartOf(purgedRaw) })
        expect(await ledger.get('tok-passed')).toEqual({
          token: 'tok-passed',
          kind: 'face',
          userId: 'u1',
          ruleId: '1',
          merchantId: null,
          clientIp: '10.0.0.1',
          issuedAt: at(50),
          expiresAt: new Date(at(50).getTime() + 10 * MINUTE),
          status: 'passed',
          code: 0,
          message: '成功',
          billableCount: 1,
          final: true,
          result: passedRaw,
          fetchedAt: at(45),
          fetchCount: 3,
          requestId: 'req-issue-2',
        })
        expect(await ledger.getForUser('tok-bank4', 'u4')).toMatchObject({ kind: 'bank4', status: 'pending', final: false })
        // A final result is still never overwritten.
        await ledger.recordFetch('tok-passed', { result: { token: 'tok-passed', kind: 'face', status: 'failed', updatedAt: now.toISOString() }, raw: failedRaw, billableCount: 0, final: true }, now)
        expect((await ledger.readFullResult('tok-passed'))?.result).toEqual(passedRaw)

        // The slots still count against the limits.
        expect(await ledger.issueSlots('user', 'u1')).toEqual([at(50), at(30), at(5)])
        expect(await ledger.takeIssueSlots([{ scope: 'user', key: 'u1', limit: 3 }], now, at(60))).toMatchObject({ taken: false, scope: 'user' })
        expect(await ledger.takeIssueSlots([{ scope: 'ip', key: '10.0.0.1', limit: 3 }], now, at(60))).toEqual({ taken: true })

        // The lease held in PGlite still keeps other sweepers off; the scheduled token waits for its time.
        const claimed = await ledger.claimDue({ owner: 'sweeper-b', now, leaseMs: 10 * MINUTE, limit: 100, firstFetchAfterMs: 0 })
        const claimedTokens = claimed.map((c) => c.token)
        expect(claimedTokens).not.toContain('tok-leased')
        expect(claimedTokens).not.toContain('tok-scheduled')
        expect(claimedTokens).toContain('tok-pending')
        expect(claimedTokens.filter((t) => t.startsWith('tok-bulk-'))).toHaveLength(23)
        const later = await ledger.claimDue({ owner: 'sweeper-b', now: new Date(now.getTime() + 5 * MINUTE), leaseMs: MINUTE, limit: 100, firstFetchAfterMs: 0 })
        expect(later.map((c) => c.token).sort()).toEqual(['tok-leased', 'tok-scheduled'])
        expect(later.find((c) => c.token === 'tok-scheduled')?.sweepAttempts).toBe(2)

        // The mode mark came along: the live ledger is still live, and a sandbox still refuses it.
        expect(await claimLedgerMode(db, 'live')).toBe('marked')
        await expect(claimLedgerMode(db, 'sandbox')).rejects.toBeInstanceOf(LedgerModeError)
      } finally {
        await db.close()
      }

      // Run again: refused, the copy made is kept as it is.
      const size = fs.statSync(path.join(dir, SQLITE_FILE)).size
      const again = importPglite({ dataDir: dir })
      await expect(again).rejects.toBeInstanceOf(ImportPgliteError)
      await expect(again).rejects.toThrow(/ledger\.sqlite already exists/)
      expect(fs.statSync(path.join(dir, SQLITE_FILE)).size).toBe(size)
    },
    PGLITE_TIMEOUT,
  )

  it(
    'brings an older PGlite ledger (version 5) up to date for the copy, and leaves its files unchanged',
    async () => {
      const dir = freshCopy(v5Template, 'v5')
      const report = await importPglite({ dataDir: dir })
      expect(report.schemaVersion).toBe(5)
      expect(report.migrationsApplied).toEqual([6, 7, 8, ...LATER_MIGRATIONS.map((m) => m.version)])
      // Migration 6 turned the tokens of the last hour into issuance slots, as 0.1 would have on its next start.
      expect(report.rows).toEqual({ faceid_tokens: v5Tokens, faceid_bill_details: 0, faceid_bill_pulls: 0, faceid_issue_slots: 4, faceid_ledger_mode: 0 })
      expect(report.mode).toBeNull()

      const db = await openDatabase({ dataDir: dir })
      try {
        const ledger = await Ledger.open(db, { keyring })
        expect(await ledger.count()).toBe(v5Tokens)
        expect(await ledger.issueSlots('user', 'u1')).toEqual([at(50), at(30), at(5)])
        expect(await ledger.issueSlots('ip', '10.0.0.2')).toEqual([at(40)])
        expect((await ledger.readFullResult('tok-passed'))?.result).toEqual(passedRaw)
        // Unmarked, as it was: the first live start infers live from the live keys' sealed results.
        expect(await claimLedgerMode(db, 'live')).toBe('inferred')
      } finally {
        await db.close()
      }
      // The migrations ran in the reading transaction only: the PGlite ledger is still at version 5.
      await withPglite(dir, async (pg) => {
        expect((await pg.query<{ v: number }>('SELECT max(version) AS v FROM faceid_migrations')).rows[0]?.v).toBe(5)
        expect((await pg.query<{ t: string | null }>("SELECT to_regclass('faceid_issue_slots')::text AS t")).rows[0]?.t).toBeNull()
        expect((await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM faceid_tokens')).rows[0]?.n).toBe(v5Tokens)
      })
    },
    2 * PGLITE_TIMEOUT,
  )

  it(
    'writes nothing when a row cannot be copied, and names the table',
    async () => {
      const dir = freshCopy(fullTemplate, 'malformed')
      // A row the SQLite schema refuses (its status check), after rows that were copied fine.
      await withPglite(dir, async (pg) => {
        await pg.exec('ALTER TABLE faceid_tokens DROP CONSTRAINT faceid_tokens_status_check')
        await insertToken(pg, { token: 'tok-zz-bad', kind: 'face', user_id: 'u9', issued_at: now, expires_at: now, status: 'lost' })
      })
      const failed = importPglite({ dataDir: dir, batchSize: 4 })
      await expect(failed).rejects.toBeInstanceOf(ImportPgliteError)
      await expect(failed).rejects.toThrow(/^faceid_tokens, rows 29-32: .*CHECK constraint failed.*nothing was written$/)
      expect(leftovers(dir)).toEqual([])
      // Still refused by the server, with the command to run.
      await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(LegacyLedgerError)
    },
    2 * PGLITE_TIMEOUT,
  )

  it(
    'writes nothing when interrupted mid-way, and a second run copies everything',
    async () => {
      const dir = freshCopy(fullTemplate, 'interrupted')
      const interrupted = importPglite({
        dataDir: dir,
        batchSize: 5,
        onProgress: (table, copied) => {
          if (table === 'faceid_tokens' && copied === 15) throw new Error('disk unplugged')
        },
      })
      await expect(interrupted).rejects.toThrow(/disk unplugged/)
      expect(leftovers(dir)).toEqual([])

      const report = await importPglite({ dataDir: dir })
      expect(report.rows.faceid_tokens).toBe(fullSnapshot.faceid_tokens.length)
      const db = await openDatabase({ dataDir: dir })
      try {
        expect(await snapshotSqlite(db)).toEqual(fullSnapshot)
      } finally {
        await db.close()
      }
    },
    2 * PGLITE_TIMEOUT,
  )

  it('refuses what is not an unconverted PGlite directory, before opening anything', async () => {
    const empty = path.join(work, 'empty')
    fs.mkdirSync(empty)
    await expect(importPglite({ dataDir: empty })).rejects.toThrow(/is not a PGlite data directory \(it has no PG_VERSION file\)/)
    await expect(importPglite({ dataDir: path.join(work, 'missing') })).rejects.toThrow(/does not exist/)
    expect(fs.existsSync(path.join(work, 'missing'))).toBe(false)
    await expect(importPglite({ dataDir: empty, batchSize: 1001 })).rejects.toThrow(/batchSize must be a whole number from 1 to 1000/)
    expect(fs.readdirSync(empty)).toEqual([])
  })
})

describe('a PGlite directory at start-up', () => {
  it('openDatabase refuses it with the one command that copies it, and changes nothing', async () => {
    const dir = freshCopy(fullTemplate, 'refused')
    const before = fs.readdirSync(dir).sort()
    const refusal = openDatabase({ dataDir: dir })
    await expect(refusal).rejects.toBeInstanceOf(LegacyLedgerError)
    await expect(refusal).rejects.toThrow(`npx faceid-kit-import-pglite ${dir}`)
    await expect(refusal).rejects.toThrow(`npm run import-pglite -- ${dir}`)
    expect(fs.readdirSync(dir).sort()).toEqual(before)
  })

  it('npm start (startServer) and createFaceidKit fail with that message', async () => {
    const dir = freshCopy(fullTemplate, 'start')
    const before = fs.readdirSync(dir).sort()
    const started = startServer({ port: 0, host: '127.0.0.1', env: {}, dataDir: dir, logger: false })
    await expect(started).rejects.toBeInstanceOf(LegacyLedgerError)
    await expect(started).rejects.toThrow(`npx faceid-kit-import-pglite ${dir}`)
    const kit = createFaceidKit({
      ...SANDBOX_CREDENTIAL,
      mode: 'sandbox',
      endpoint: 'http://127.0.0.1:9',
      resolveUser: () => undefined,
      database: { dataDir: dir },
      startJobs: false,
      logger: false,
    })
    await expect(kit).rejects.toBeInstanceOf(LegacyLedgerError)
    await expect(kit).rejects.toThrow(`npm run import-pglite -- ${dir}`)
    expect(fs.readdirSync(dir).sort()).toEqual(before)
  })
})

describe('npx faceid-kit-import-pglite', () => {
  it(
    'copies the directory it is given (relative to where it was typed), prints the counts, and exits 0; run again, it refuses with 1',
    async () => {
      const dir = freshCopy(fullTemplate, 'cli')
      const out = await runCommand(['cli'], serverDir, { INIT_CWD: work })
      expect(out.stderr).toBe('')
      expect(out.code).toBe(0)
      expect(out.stdout).toContain(`Copied into ${path.join(dir, SQLITE_FILE)}:`)
      expect(out.stdout).toMatch(/faceid_tokens\s+31 row\(s\)/)
      expect(out.stdout).toMatch(/faceid_bill_details\s+3 row\(s\)/)
      expect(out.stdout).toMatch(/faceid_bill_pulls\s+2 row\(s\)/)
      expect(out.stdout).toMatch(/faceid_issue_slots\s+2 row\(s\)/)
      expect(out.stdout).toMatch(/faceid_ledger_mode\s+1 row\(s\)/)
      expect(out.stdout).toContain('Ledger mode: live (carried over).')
      expect(out.stdout).toContain('were not changed')
      expect(fs.existsSync(path.join(dir, 'PG_VERSION'))).toBe(true)

      const again = await runCommand([dir], work)
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/^error: .*ledger\.sqlite already exists/)
    },
    PGLITE_TIMEOUT,
  )

  it('answers --help, and refuses bad usage with 2 and a directory that is not PGlite\'s with 1', async () => {
    const help = await runCommand(['--help'], work)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: npx faceid-kit-import-pglite \[DIR\]/)
    const unknown = await runCommand(['--force'], work)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/Unknown option '--force'[\s\S]*usage:/)
    const two = await runCommand(['a', 'b'], work)
    expect(two.code).toBe(2)
    const batch = await runCommand(['a', '--batch-size', '0'], work)
    expect(batch.code).toBe(2)
    fs.mkdirSync(path.join(work, 'not-pglite'))
    const notPglite = await runCommand(['not-pglite'], work, { INIT_CWD: work })
    expect(notPglite.code).toBe(1)
    expect(notPglite.stderr).toContain(`error: ${path.join(work, 'not-pglite')} is not a PGlite data directory`)
  })
})
