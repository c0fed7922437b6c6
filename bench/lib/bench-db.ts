/**
 * A throwaway database for one benchmark: a fresh SQLite data directory on disk (what `npm start`
 * uses), or, with DATABASE_URL, a fresh schema in that PostgreSQL database that is dropped
 * afterwards, so that the benchmark never touches existing tables.
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Database, OpenDatabaseOptions } from '../../server/src/store/database.js'

export interface BenchDatabase {
  /** The engine `openDatabase` picks for these options. */
  engine: Database['engine']
  /** The engine's name for tables. */
  label: string
  /** What `openDatabase` takes. */
  options: OpenDatabaseOptions
  /** Removes the directory or drops the schema. */
  dispose(): Promise<void>
  /** PostgreSQL: the process ids of the server's backends for this database's connections. */
  backendPids?: () => Promise<number[]>
}

/** The embedded engine (SQLite) in a fresh directory: what `npm start` uses without DATABASE_URL. */
export async function embeddedDatabase(): Promise<BenchDatabase> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'faceid-bench-'))
  return {
    engine: 'sqlite',
    label: 'SQLite',
    options: { dataDir: dir },
    dispose: () => fs.rm(dir, { recursive: true, force: true }),
  }
}

/** Runs `fn` on a client of its own, connected to `url` for this call only. */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

export async function postgresDatabase(url: string): Promise<BenchDatabase> {
  const schema = `faceid_bench_${crypto.randomBytes(4).toString('hex')}`
  await withClient(url, (c) => c.query(`CREATE SCHEMA ${schema}`))
  // Every pooled connection of the server starts with the schema on its search path, and names
  // itself after it, so that its backends can be told from any other session's.
  const scoped = new URL(url)
  scoped.searchParams.set('options', `-c search_path=${schema}`)
  scoped.searchParams.set('application_name', schema)
  return {
    engine: 'postgres',
    label: 'PostgreSQL',
    options: { url: scoped.toString() },
    backendPids: () =>
      withClient(url, async (c) => {
        const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [schema])
        return rows.map((r) => r.pid)
      }),
    dispose: () => withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined),
  }
}
