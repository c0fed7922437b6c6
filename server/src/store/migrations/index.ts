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

export type { Migration } from './migration.js'

/** In order. Append-only: never edit a migration that has shipped; add the next file. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008]

/** Applies pending migrations under an advisory lock, so several instances can start at once. */
export async function migrate(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7355608)')
    await tx.query(`CREATE TABLE IF NOT EXISTS faceid_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM faceid_migrations')).rows.map((r) => r.version))
    const applied: number[] = []
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO faceid_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      applied.push(m.version)
    }
    return applied
  })
}
