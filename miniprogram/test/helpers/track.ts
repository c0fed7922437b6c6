import { vi } from 'vitest'

export interface Tracked<T> {
  state: 'pending' | 'resolved' | 'rejected'
  value?: T
  error?: unknown
}

/** Records how a promise settles, so a test can assert "still pending" as well as the outcome. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { state: 'pending' }
  promise.then(
    (value) => {
      tracked.state = 'resolved'
      tracked.value = value
    },
    (error: unknown) => {
      tracked.state = 'rejected'
      tracked.error = error
    },
  )
  return tracked
}

/** Runs pending microtasks and fake timers due now (tests use fake timers). */
export async function flush(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
}
