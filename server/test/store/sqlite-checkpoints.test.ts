/**
 * The embedded ledger's write-ahead log is checkpointed by a worker thread, never by the
 * server's own connection: a commit then only appends to the log, and no issuance waits for
 * the log to be copied into the database file and flushed.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { startCheckpointer } from '../../src/store/engines/sqlite-checkpointer.js'
import { openDatabase, SQLITE_FILE, type Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'

const dirs: string[] = []
const open: Database[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

async function ledgerIn(backgroundCheckpoints: boolean): Promise<{ db: Database; ledger: Ledger; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-checkpoints-'))
  dirs.push(dir)
  const db = await openDatabase({ dataDir: dir, sqlite: { backgroundCheckpoints } })
  open.push(db)
  return { db, ledger: await Ledger.open(db), file: path.join(dir, SQLITE_FILE) }
}

async function issue(ledger: Ledger, n: number, from = 0): Promise<void> {
  const now = new Date()
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      ledger.insert({ token: `C0FFEE00-0000-4000-8000-${String(from + i).padStart(12, '0')}`, kind: 'face', userId: `u${i % 7}`, issuedAt: now, expiresAt: new Date(now.getTime() + 7_200_000) }),
    ),
  )
}

const size = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0)

async function until(what: string, check: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(process.platform === 'win32')('checkpoints of the embedded ledger', () => {
  it("are the worker's: the server's connection keeps only a far safety net, and the database file still catches up", async () => {
    const { db, ledger, file } = await ledgerIn(true)
    const [mode] = (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db.queries)).rows
    expect(mode?.wal_autocheckpoint).toBe(10_000)
    const before = size(file)
    // About 1500 pages of log: past SQLite's own threshold of 1000, short of the connection's 10,000.
    for (let i = 0; i < 30; i++) await issue(ledger, 100, i * 100)
    // The rows reach the database file itself, copied there by the worker.
    await until('the database file to grow', () => size(file) > before + 200 * 1024)
    expect(await ledger.count()).toBe(3000)
  }, 60_000)

  it('cannot start without their driver: the start rejects, and the kit then lets the connection checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-checkpoints-'))
    dirs.push(dir)
    await expect(startCheckpointer({ file: path.join(dir, SQLITE_FILE), driver: 'better-sqlite3', modulePath: path.join(dir, 'no-such-module.js'), busyTimeoutMs: 100 })).rejects.toThrow(/no-such-module/)
  })

  it('come sooner than every intervalMs when the log outgrows the restart size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-checkpoints-'))
    dirs.push(dir)
    const file = path.join(dir, SQLITE_FILE)
    // The runtime's own SQLite where it has one (Node ≥ 22.13), as the kit picks it.
    const require = createRequire(import.meta.url)
    type Connection = { exec(sql: string): unknown; prepare(sql: string): { run(): unknown }; close(): void }
    const builtIn = process.getBuiltinModule?.('node:sqlite') as { DatabaseSync: new (file: string) => Connection } | undefined
    const writer = builtIn ? new builtIn.DatabaseSync(file) : new (require('better-sqlite3') as new (file: string) => Connection)(file)
    writer.exec('PRAGMA journal_mode = WAL')
    // Only the worker checkpoints, and its clock alone would wait a minute.
    writer.exec('PRAGMA wal_autocheckpoint = 0')
    writer.exec('CREATE TABLE t (b blob)')
    const checkpointer = await startCheckpointer({ file, driver: builtIn ? 'node:sqlite' : 'better-sqlite3', modulePath: builtIn ? undefined : require.resolve('better-sqlite3'), intervalMs: 60_000, busyTimeoutMs: 1000 })
    try {
      const insert = writer.prepare('INSERT INTO t VALUES (randomblob(4000))')
      const burst = (): void => {
        writer.exec('BEGIN')
        for (let i = 0; i < 2000; i++) insert.run()
        writer.exec('COMMIT')
      }
      // About 80 MB in bursts of 8 MB, with a pause after each in which the worker can look.
      for (let round = 0; round < 10; round++) {
        burst()
        await new Promise((r) => setTimeout(r, 400))
      }
      expect(size(`${file}-wal`)).toBeLessThanOrEqual(40 * 1024 * 1024)
    } finally {
      await checkpointer.stop()
      writer.close()
    }
  }, 60_000)

  it('with backgroundCheckpoints: false, are SQLite default ones on the connection', async () => {
    const { db } = await ledgerIn(false)
    const [mode] = (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db.queries)).rows
    expect(mode?.wal_autocheckpoint).toBe(1000)
  })

  it('stop with the ledger: once closed, the log is folded into the file and removed', async () => {
    const { db, ledger, file } = await ledgerIn(true)
    await issue(ledger, 200)
    expect(size(`${file}-wal`)).toBeGreaterThan(0)
    await db.close()
    open.splice(open.indexOf(db), 1)
    expect(fs.existsSync(`${file}-wal`)).toBe(false)
    const again = await openDatabase({ dataDir: path.dirname(file) })
    open.push(again)
    expect(await (await Ledger.open(again)).count()).toBe(200)
  })

  it('keep the log bounded under steady writes', async () => {
    const { ledger, file } = await ledgerIn(true)
    // Small commits back to back, as under load: a passive checkpoint alone never catches up
    // with them, and without the restart this log passes 200 MB.
    let largest = 0
    for (let i = 0; i < 5000; i++) {
      await issue(ledger, 4, i * 4)
      if (i % 100 === 0) largest = Math.max(largest, size(`${file}-wal`))
    }
    // The worker restarts the log once past 16 MB, at its next look at the file (every 200 ms); these writes
    // outrun any server's (about 100 MB of log a second here), so the bound is loose, yet far
    // below what the log reaches without restarts.
    expect(largest).toBeLessThanOrEqual(96 * 1024 * 1024)
    expect(await ledger.count()).toBe(20_000)
  }, 120_000)
})
