import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 10,
  name: 'webhook outbox',
  // Signed webhooks: one row per event and endpoint, written in the transaction that makes a
  // result final (or records a reconciliation discrepancy), so no event is lost between the
  // ledger and the partner. `id` orders a token's events; `body` is the exact JSON sent and
  // signed, kept as text so every attempt sends the same bytes. Leases keep instances apart.
  postgres: `
    CREATE TABLE faceid_webhook_outbox (
      id               bigserial PRIMARY KEY,
      event_id         text NOT NULL,
      endpoint         text NOT NULL,
      type             text NOT NULL,
      token            text,
      body             text NOT NULL,
      created_at       timestamptz NOT NULL,
      state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
      attempts         integer NOT NULL DEFAULT 0,
      next_attempt_at  timestamptz NOT NULL,
      lease_owner      text,
      lease_until      timestamptz,
      last_attempt_at  timestamptz,
      last_error       text,
      delivered_at     timestamptz,
      UNIQUE (event_id, endpoint)
    );
    CREATE INDEX faceid_webhook_outbox_due ON faceid_webhook_outbox (endpoint, next_attempt_at) WHERE state = 'pending';
    CREATE INDEX faceid_webhook_outbox_token ON faceid_webhook_outbox (endpoint, token, id) WHERE state = 'pending';
    CREATE INDEX faceid_webhook_outbox_created ON faceid_webhook_outbox (created_at);
  `,
  sqlite: `
    CREATE TABLE faceid_webhook_outbox (
      id               integer PRIMARY KEY,
      event_id         text NOT NULL,
      endpoint         text NOT NULL,
      type             text NOT NULL,
      token            text,
      body             text NOT NULL,
      created_at       text NOT NULL,
      state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
      attempts         integer NOT NULL DEFAULT 0,
      next_attempt_at  text NOT NULL,
      lease_owner      text,
      lease_until      text,
      last_attempt_at  text,
      last_error       text,
      delivered_at     text,
      UNIQUE (event_id, endpoint)
    ) STRICT;
    CREATE INDEX faceid_webhook_outbox_due ON faceid_webhook_outbox (endpoint, next_attempt_at) WHERE state = 'pending';
    CREATE INDEX faceid_webhook_outbox_token ON faceid_webhook_outbox (endpoint, token, id) WHERE state = 'pending';
    CREATE INDEX faceid_webhook_outbox_created ON faceid_webhook_outbox (created_at);
  `,
}
