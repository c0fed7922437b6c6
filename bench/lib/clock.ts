/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one
 * machine (each process's monotonic clock anchored at its own `timeOrigin`).
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now()
}
