import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 3,
  name: 'billing reconciliation',
  // One row per token and day of GetWeChatBillDetails, and one per completed pull. Charge
  // details keep what reconciliation needs; Tencent's masked name and ID number are dropped.
  postgres: `
    CREATE TABLE faceid_bill_details (
      bill_date       date NOT NULL,
      token           text NOT NULL,
      rule_id         text NOT NULL,
      charge_count    integer NOT NULL,
      attempts        integer NOT NULL,
      charge_details  jsonb NOT NULL,
      pulled_at       timestamptz NOT NULL,
      PRIMARY KEY (bill_date, token)
    );
    CREATE TABLE faceid_bill_pulls (
      bill_date     date NOT NULL,
      rule_id       text NOT NULL,
      pulled_at     timestamptz NOT NULL,
      pages         integer NOT NULL,
      tokens        integer NOT NULL,
      charge_count  integer NOT NULL,
      PRIMARY KEY (bill_date, rule_id)
    );
  `,
  sqlite: null,
}
