import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 8,
  name: 'any token kind',
  // A flow declares its kind; the ledger checks kinds in code (LedgerOptions.kinds), so a new
  // flow needs no schema change. PostgreSQL named migration 1's column check `<table>_<column>_check`.
  postgres: `
    ALTER TABLE faceid_tokens DROP CONSTRAINT IF EXISTS faceid_tokens_kind_check;
  `,
  sqlite: null,
}
