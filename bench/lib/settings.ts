/** Benchmark knobs: environment variables with defaults, each listed in bench/README.md. */

function int(name: string, fallback: number, min = 1): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got ${raw}`)
  return value
}

export function readSettings() {
  return {
    /** PostgreSQL for rows 1, 4 and 5 besides the embedded engine. */
    databaseUrl: process.env['DATABASE_URL'] || undefined,
    /** Rows to run, e.g. "1,3"; default all. */
    rows: (process.env['BENCH_ROWS'] ?? '1,2,3,4,5').split(',').map((s) => s.trim()).filter(Boolean),
    issuance: {
      /** Enough requests in flight that both servers stay busy (bench/README.md, row 1). */
      connections: int('BENCH_ISSUE_CONNECTIONS', 32),
      seconds: int('BENCH_ISSUE_SECONDS', 3),
      /** Per server and process start: the kit reached its steady rate later than the bare route (bench/README.md, row 1). */
      warmupSeconds: int('BENCH_ISSUE_WARMUP_SECONDS', 12, 0),
      /** Kit/bare pairs per process start. */
      rounds: int('BENCH_ISSUE_ROUNDS', 4),
      /** Starts of the servers' process, each with its warm-up and rounds. */
      processes: int('BENCH_ISSUE_PROCESSES', 3),
      /** Idle time before each engine (bench/README.md, row 1). */
      settleSeconds: int('BENCH_ISSUE_SETTLE_SECONDS', 15, 0),
    },
    delivery: {
      verifications: int('BENCH_DELIVERY_N', 300),
      concurrency: int('BENCH_DELIVERY_CONCURRENCY', 20),
    },
    sweep: {
      tokens: int('BENCH_SWEEP_N', 5000),
      qps: int('BENCH_SWEEP_QPS', 50),
    },
    footprint: {
      concurrency: int('BENCH_FOOTPRINT_CONCURRENCY', 200),
      waves: int('BENCH_FOOTPRINT_WAVES', 3),
      /** Tokens in the ledger of the full-ledger figure; 0 skips it. */
      ledgerRows: int('BENCH_FOOTPRINT_LEDGER_ROWS', 100_000, 0),
    },
    coldStart: {
      runs: int('BENCH_COLD_START_RUNS', 5),
    },
  }
}

export type Settings = ReturnType<typeof readSettings>
