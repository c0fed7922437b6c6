import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 13,
  name: 'no address index',
  // The per-address issuance limit counts in faceid_issue_slots (version 6), and nothing else
  // looks tokens up by client address, so this index was only written: on every issuance, one
  // more page to write (a random one, once addresses differ).
  postgres: `
    DROP INDEX IF EXISTS faceid_tokens_ip_issued;
  `,
  sqlite: `
    DROP INDEX IF EXISTS faceid_tokens_ip_issued;
  `,
}
