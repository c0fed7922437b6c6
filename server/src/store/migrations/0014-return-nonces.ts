import type { Migration } from './migration.js'

/** The same on both engines: a text column, and a partial index (both have them). */
const DDL = `
  ALTER TABLE faceid_tokens ADD COLUMN return_nonce text;
  CREATE INDEX faceid_tokens_return_nonce ON faceid_tokens (return_nonce) WHERE return_nonce IS NOT NULL;
`

export const migration: Migration = {
  version: 14,
  name: 'return nonces',
  // Web flows whose provider sends the browser back without the token (Megvii H5): the return
  // URL carries a random nonce, kept with the token, and the return route finds the token by it.
  // Other tokens hold none, so the partial index stays as small as those flows. Building it reads
  // the table once, holding issuance meanwhile on PostgreSQL: 0.14 s for a million tokens here.
  postgres: DDL,
  sqlite: DDL,
}
