import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 5,
  name: 'personal data retention',
  // When the sealed personal part of a result was deleted (retention); the clear part stays
  // for billing and reconciliation.
  postgres: `
    ALTER TABLE faceid_tokens ADD COLUMN personal_data_purged_at timestamptz;
    CREATE INDEX faceid_tokens_sealed_fetched ON faceid_tokens (fetched_at) WHERE result_sealed IS NOT NULL;
  `,
  sqlite: null,
}
