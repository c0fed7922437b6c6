import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 1,
  name: 'token ledger',
  sql: `
    CREATE TABLE faceid_tokens (
      token            text PRIMARY KEY,
      kind             text NOT NULL CHECK (kind IN ('face', 'eid')),
      user_id          text NOT NULL,
      rule_id          text,
      merchant_id      text,
      client_ip        text,
      issued_at        timestamptz NOT NULL,
      expires_at       timestamptz NOT NULL,
      status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'passed', 'failed', 'expired')),
      code             integer,
      message          text,
      billable_count   integer NOT NULL DEFAULT 0,
      final            boolean NOT NULL DEFAULT false,
      result           jsonb,
      fetched_at       timestamptz,
      fetch_count      integer NOT NULL DEFAULT 0,
      request_id       text
    );
    CREATE INDEX faceid_tokens_user_issued ON faceid_tokens (user_id, issued_at DESC);
    CREATE INDEX faceid_tokens_open ON faceid_tokens (issued_at) WHERE NOT final;
  `,
}
