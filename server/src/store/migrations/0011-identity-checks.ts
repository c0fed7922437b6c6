import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 11,
  name: 'identity checks',
  // One row per identity-factor check (checks/): written before Tencent is called, completed
  // with the outcome after. What was sent and answered is sealed; kind, user, outcome, code and
  // billing stay in clear for reconciliation and the ops view.
  postgres: `
    CREATE TABLE faceid_checks (
      id            text PRIMARY KEY,
      kind          text NOT NULL,
      user_id       text,
      outcome       text NOT NULL,
      code          text,
      billable      boolean NOT NULL DEFAULT false,
      requested_at  timestamptz NOT NULL,
      answered_at   timestamptz,
      request_id    text,
      error         text,
      sealed        text,
      key_id        text
    );
    CREATE INDEX faceid_checks_requested_at ON faceid_checks (requested_at);
    CREATE INDEX faceid_checks_user ON faceid_checks (user_id, requested_at);
  `,
  sqlite: `
    CREATE TABLE faceid_checks (
      id            text PRIMARY KEY,
      kind          text NOT NULL,
      user_id       text,
      outcome       text NOT NULL,
      code          text,
      billable      integer NOT NULL DEFAULT 0,
      requested_at  text NOT NULL,
      answered_at   text,
      request_id    text,
      error         text,
      sealed        text,
      key_id        text
    ) STRICT;
    CREATE INDEX faceid_checks_requested_at ON faceid_checks (requested_at);
    CREATE INDEX faceid_checks_user ON faceid_checks (user_id, requested_at);
  `,
}
