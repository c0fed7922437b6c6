import type { Database } from './database.js'

/** Append-only: never edit a migration that has shipped; add the next one. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
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
  },
  {
    version: 2,
    name: 'sweeper schedule and leases',
    // A lease (owner + expiry) marks a token one sweeper is fetching; next_attempt_at spaces out
    // fetches of tokens still pending or failing. Both live in the database, so a restarted or
    // second instance sees them.
    sql: `
      ALTER TABLE faceid_tokens
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN lease_owner     text,
        ADD COLUMN lease_until     timestamptz,
        ADD COLUMN sweep_attempts  integer NOT NULL DEFAULT 0,
        ADD COLUMN last_error      text;
    `,
  },
  {
    version: 3,
    name: 'billing reconciliation',
    // One row per token and day of GetWeChatBillDetails, and one per completed pull. Charge
    // details keep what reconciliation needs; Tencent's masked name and ID number are dropped.
    sql: `
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
  },
  {
    version: 4,
    name: 'sealed results and issuance limits',
    // Personal data of a result is sealed (AES-256-GCM) in result_sealed under the key named by
    // result_key_id; `result` keeps only the non-personal part. The IP index serves the per-IP
    // issuance limit (the per-user one uses faceid_tokens_user_issued); the key index serves rotation.
    sql: `
      ALTER TABLE faceid_tokens
        ADD COLUMN result_sealed  text,
        ADD COLUMN result_key_id  text;
      CREATE INDEX faceid_tokens_ip_issued ON faceid_tokens (client_ip, issued_at DESC) WHERE client_ip IS NOT NULL;
      CREATE INDEX faceid_tokens_result_key ON faceid_tokens (result_key_id) WHERE result IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'personal data retention',
    // When the sealed personal part of a result was deleted (retention); the clear part stays
    // for billing and reconciliation.
    sql: `
      ALTER TABLE faceid_tokens ADD COLUMN personal_data_purged_at timestamptz;
      CREATE INDEX faceid_tokens_sealed_fetched ON faceid_tokens (fetched_at) WHERE result_sealed IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'issuance slots',
    // Issuance limits hold under concurrency: one row per limited user or client IP holds the
    // times of the slots taken within the last hour. A slot is taken by one atomic upsert before
    // Tencent is called (the row lock orders concurrent requests across instances) and given
    // back when no token was bought. Tokens of the last hour keep counting after the upgrade.
    sql: `
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
  },
  {
    version: 7,
    name: 'ledger mode',
    // Whether the ledger holds live tokens or the emulator's: set by the first instance that
    // opens it (ledger-mode.ts), checked by every later one. One row at most.
    sql: `
      CREATE TABLE faceid_ledger_mode (
        only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        mode       text NOT NULL CHECK (mode IN ('live', 'sandbox')),
        marked_by  text NOT NULL,
        marked_at  timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
]

/** Applies pending migrations under an advisory lock, so several instances can start at once. */
export async function migrate(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7355608)')
    await tx.query(`CREATE TABLE IF NOT EXISTS faceid_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM faceid_migrations')).rows.map((r) => r.version))
    const applied: number[] = []
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO faceid_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      applied.push(m.version)
    }
    return applied
  })
}
