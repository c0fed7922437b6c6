import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 7,
  name: 'ledger mode',
  // Whether the ledger holds live tokens or the emulator's: set by the first instance that
  // opens it (ledger-mode.ts), checked by every later one. One row at most.
  postgres: `
    CREATE TABLE faceid_ledger_mode (
      only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      mode       text NOT NULL CHECK (mode IN ('live', 'sandbox')),
      marked_by  text NOT NULL,
      marked_at  timestamptz NOT NULL DEFAULT now()
    );
  `,
  sqlite: null,
}
