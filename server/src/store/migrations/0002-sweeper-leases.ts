import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 2,
  name: 'sweeper schedule and leases',
  // A lease (owner + expiry) marks a token one sweeper is fetching; next_attempt_at spaces out
  // fetches of tokens still pending or failing. Both live in the database, so a restarted or
  // second instance sees them.
  postgres: `
    ALTER TABLE faceid_tokens
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN lease_owner     text,
      ADD COLUMN lease_until     timestamptz,
      ADD COLUMN sweep_attempts  integer NOT NULL DEFAULT 0,
      ADD COLUMN last_error      text;
  `,
  sqlite: null,
}
