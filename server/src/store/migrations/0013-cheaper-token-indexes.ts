import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 13,
  name: 'cheaper token indexes',
  // Every index on faceid_tokens is written on every issuance.
  // - faceid_tokens_ip_issued goes: the per-address limit counts in faceid_issue_slots (version
  //   6), and no query has read this index since.
  // - SQLite: the owner index ascends. A new token has the user's latest time, so in a
  //   descending index it went first in the user's range and split that page in two each time
  //   it filled; ascending, it is appended, which SQLite does cheaply (about one page fewer
  //   per commit here). The newest-first lookup reads it backwards. The rebuild reads the table
  //   once at start (a few seconds for a million tokens). PostgreSQL keeps its index as it is:
  //   rebuilding it would lock the table against issuance on every instance while it runs.
  postgres: `
    DROP INDEX IF EXISTS faceid_tokens_ip_issued;
  `,
  sqlite: `
    DROP INDEX IF EXISTS faceid_tokens_ip_issued;
    DROP INDEX faceid_tokens_user_issued;
    CREATE INDEX faceid_tokens_user_issued ON faceid_tokens (user_id, issued_at);
  `,
}
