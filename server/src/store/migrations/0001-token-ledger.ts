import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 1,
  name: 'token ledger',
  postgres: `
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
  `,  // SQLite ledgers start with the schema of versions 1–8 in one step: dates are ISO-8601 UTC
  // text, flags 0/1, JSON text, and an issuance key's slot times a JSON array.
  sqlite: `
    CREATE TABLE faceid_tokens (
      token                    text PRIMARY KEY,
      kind                     text NOT NULL,
      user_id                  text NOT NULL,
      rule_id                  text,
      merchant_id              text,
      client_ip                text,
      issued_at                text NOT NULL,
      expires_at               text NOT NULL,
      status                   text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'passed', 'failed', 'expired')),
      code                     integer,
      message                  text,
      billable_count           integer NOT NULL DEFAULT 0,
      final                    integer NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
      result                   text,
      fetched_at               text,
      fetch_count              integer NOT NULL DEFAULT 0,
      request_id               text,
      next_attempt_at          text,
      lease_owner              text,
      lease_until              text,
      sweep_attempts           integer NOT NULL DEFAULT 0,
      last_error               text,
      result_sealed            text,
      result_key_id            text,
      personal_data_purged_at  text
    ) STRICT;
    CREATE INDEX faceid_tokens_user_issued ON faceid_tokens (user_id, issued_at DESC);
    CREATE INDEX faceid_tokens_open ON faceid_tokens (issued_at) WHERE NOT final;
    CREATE INDEX faceid_tokens_ip_issued ON faceid_tokens (client_ip, issued_at DESC) WHERE client_ip IS NOT NULL;
    CREATE INDEX faceid_tokens_result_key ON faceid_tokens (result_key_id) WHERE result IS NOT NULL;
    CREATE INDEX faceid_tokens_sealed_fetched ON faceid_tokens (fetched_at) WHERE result_sealed IS NOT NULL;
    CREATE TABLE faceid_bill_details (
      bill_date       text NOT NULL,
      token           text NOT NULL,
      rule_id         text NOT NULL,
      charge_count    integer NOT NULL,
      attempts        integer NOT NULL,
      charge_details  text NOT NULL,
      pulled_at       text NOT NULL,
      PRIMARY KEY (bill_date, token)
    ) STRICT;
    CREATE TABLE faceid_bill_pulls (
      bill_date     text NOT NULL,
      rule_id       text NOT NULL,
      pulled_at     text NOT NULL,
      pages         integer NOT NULL,
      tokens        integer NOT NULL,
      charge_count  integer NOT NULL,
      PRIMARY KEY (bill_date, rule_id)
    ) STRICT;
    CREATE TABLE faceid_issue_slots (
      scope       text NOT NULL CHECK (scope IN ('user', 'ip')),
      key         text NOT NULL,
      taken       text NOT NULL,
      last_taken  text NOT NULL,
      PRIMARY KEY (scope, key)
    ) STRICT;
    CREATE INDEX faceid_issue_slots_last ON faceid_issue_slots (last_taken);
    CREATE TABLE faceid_ledger_mode (
      only_row   integer PRIMARY KEY DEFAULT 1 CHECK (only_row = 1),
      mode       text NOT NULL CHECK (mode IN ('live', 'sandbox')),
      marked_by  text NOT NULL,
      marked_at  text NOT NULL
    ) STRICT;
  `,
}
