/**
 * One schema step. `version` orders the steps; `name` is recorded with it in `faceid_migrations`.
 * Each engine has its own DDL (types, arrays and partial indexes differ); queries are shared.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  /** Statements without parameters, run in the migration transaction on PostgreSQL. */
  readonly postgres: string
  /**
   * The same step for SQLite, or `null` when SQLite's baseline (version 1, which creates the
   * schema of versions 1–8 at once: SQLite ledgers start there) already includes it.
   */
  readonly sqlite: string | null
}
