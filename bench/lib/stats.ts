/** Order statistics for small samples. */

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Nearest-rank percentile: the smallest value with at least p % of the sample at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/** Runs `task(i, worker)` for i in [0, count) on `concurrency` workers (worker in [0, concurrency)). */
export async function pool(count: number, concurrency: number, task: (i: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (w: number) => {
    while (next < count) await task(next++, w)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, (_, w) => worker(w)))
}
