import { sql } from 'kysely'
import type { Database } from '../database.js'
import type { Migration } from './migration.js'
import { migration as m0001 } from './0001-token-ledger.js'
import { migration as m0002 } from './0002-sweeper-leases.js'
import { migration as m0003 } from './0003-billing-reconciliation.js'
import { migration as m0004 } from './0004-sealed-results.js'
import { migration as m0005 } from './0005-personal-data-retention.js'
import { migration as m0006 } from './0006-issuance-slots.js'
import { migration as m0007 } from './0007-ledger-mode.js'
import { migration as m0008 } from './0008-any-token-kind.js'
import { migration as m0009 } from './0009-web-returns.js'
import { migration as m0010 } from './0010-webhook-outbox.js'
import { migration as m0011 } from './0011-identity-checks.js'
import { migration as m0012 } from './0012-webank-credentials.js'
import { migration as m0013 } from './0013-cheaper-token-indexes.js'
import { migration as m0014 } from './0014-return-nonces.js'

export type { Migration } from './migration.js'

/** In order. Append-only: never edit a migration that has shipped; add the next file. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014]

const MIGRATIONS_TABLE = {
  postgres: 'CREATE TABLE IF NOT EXISTS faceid_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  sqlite: 'CREATE TABLE IF NOT EXISTS faceid_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL) STRICT',
} as const

/**
 * Applies pending migrations in one transaction, so several instances can start at once: on
 * PostgreSQL under an advisory lock, on SQLite under the write lock its transactions take.
 */
export async function migrate(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (db.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(7355608)`.execute(tx)
    await sql.raw(MIGRATIONS_TABLE[db.engine]).execute(tx)
    const done = new Set((await tx.selectFrom('faceid_migrations').select('version').execute()).map((r) => r.version))
    const applied: number[] = []
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      const ddl = db.engine === 'postgres' ? m.postgres : m.sqlite
      if (ddl !== null) await execScript(db, tx, ddl)
      await tx.insertInto('faceid_migrations').values({ version: m.version, name: m.name, applied_at: new Date() }).execute()
      applied.push(m.version)
    }
    return applied
  })
}

/** Runs a script of several statements: PostgreSQL takes it whole; SQLite prepares one statement at a time. */
async function execScript(db: Database, tx: Database['queries'], script: string): Promise<void> {
  if (db.engine === 'postgres') {
    await sql.raw(script).execute(tx)
    return
  }
  for (const statement of script.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== '')) await sql.raw(statement).execute(tx)
}
