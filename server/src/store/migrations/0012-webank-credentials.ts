import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 12,
  name: 'webank credentials',
  // WeBank's access token and SIGN ticket, one row per WBappid, shared by every instance: the
  // provider refuses concurrent refreshes and invalidates an old token a minute after a new one
  // is issued, so one instance refreshes under a lease (lease_owner, lease_until) while the
  // others read. `generation` grows with each refresh, so an instance that saw a token fail
  // refreshes only if nobody has replaced that token yet. The previous SIGN ticket is kept for
  // its overlap minute: a callback signed just before a refresh still verifies.
  postgres: `
    CREATE TABLE faceid_webank_credentials (
      app_id                  text PRIMARY KEY,
      generation              integer NOT NULL DEFAULT 0,
      access_token            text,
      token_expires_at        timestamptz,
      sign_ticket             text,
      ticket_expires_at       timestamptz,
      previous_sign_ticket    text,
      previous_ticket_until   timestamptz,
      refreshed_at            timestamptz,
      lease_owner             text,
      lease_until             timestamptz
    );
  `,
  sqlite: `
    CREATE TABLE faceid_webank_credentials (
      app_id                  text PRIMARY KEY,
      generation              integer NOT NULL DEFAULT 0,
      access_token            text,
      token_expires_at        text,
      sign_ticket             text,
      ticket_expires_at       text,
      previous_sign_ticket    text,
      previous_ticket_until   text,
      refreshed_at            text,
      lease_owner             text,
      lease_until             text
    ) STRICT;
  `,
}
