import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 6,
  name: 'issuance slots',
  // Issuance limits hold under concurrency: one row per limited user or client IP holds the
  // times of the slots taken within the last hour. A slot is taken by one atomic upsert before
  // Tencent is called (the row lock orders concurrent requests across instances) and given
  // back when no token was bought. Tokens of the last hour keep counting after the upgrade.
  postgres: `
    CREATE TABLE faceid_issue_slots (
      scope       text NOT NULL CHECK (scope IN ('user', 'ip')),
      key         text NOT NULL,
      taken       timestamptz[] NOT NULL,
      last_taken  timestamptz NOT NULL,
      PRIMARY KEY (scope, key)
    );
    CREATE INDEX faceid_issue_slots_last ON faceid_issue_slots (last_taken);
    INSERT INTO faceid_issue_slots (scope, key, taken, last_taken)
      SELECT 'user', user_id, array_agg(issued_at ORDER BY issued_at), max(issued_at)
        FROM faceid_tokens WHERE issued_at > now() - interval '1 hour' GROUP BY user_id
      UNION ALL
      SELECT 'ip', client_ip, array_agg(issued_at ORDER BY issued_at), max(issued_at)
        FROM faceid_tokens WHERE client_ip IS NOT NULL AND issued_at > now() - interval '1 hour' GROUP BY client_ip;
  `,
  sqlite: null,
}
