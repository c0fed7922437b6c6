import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 4,
  name: 'sealed results and issuance limits',
  // Personal data of a result is sealed (AES-256-GCM) in result_sealed under the key named by
  // result_key_id; `result` keeps only the non-personal part. The IP index serves the per-IP
  // issuance limit (the per-user one uses faceid_tokens_user_issued); the key index serves rotation.
  postgres: `
    ALTER TABLE faceid_tokens
      ADD COLUMN result_sealed  text,
      ADD COLUMN result_key_id  text;
    CREATE INDEX faceid_tokens_ip_issued ON faceid_tokens (client_ip, issued_at DESC) WHERE client_ip IS NOT NULL;
    CREATE INDEX faceid_tokens_result_key ON faceid_tokens (result_key_id) WHERE result IS NOT NULL;
  `,
  sqlite: null,
}
