/** One schema step. `version` orders the steps; `name` is recorded with it in `faceid_migrations`. */
export interface Migration {
  readonly version: number
  readonly name: string
  /** Statements without parameters, run in the migration transaction. */
  readonly sql: string
}
