/** The shape of a logger the background jobs write to (a pino logger fits). */
export interface JobLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface PeriodicJobOptions<T> {
  /** Shown in logs. */
  name: string
  /** One run. A rejection is logged and the job carries on at the next interval. */
  run: () => Promise<T>
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number
  /** Delay of the first run after `start()`. Default 0. */
  firstRunAfterMs?: number
  logger?: JobLogger | undefined
}

export interface PeriodicJob<T> {
  readonly name: string
  /** Runs now; a call while a run is under way joins that run instead of starting a second. */
  runOnce(): Promise<T>
  /** Starts the schedule (idempotent). Timers do not keep the process alive. */
  start(): void
  /** Stops the schedule and waits for a run under way to finish. */
  stop(): Promise<void>
  readonly running: boolean
}

/**
 * One periodic task: runs never overlap, a failed run never stops the schedule, and `stop()`
 * returns only once nothing is running. The sweeper, the daily bill pull and the personal-data
 * purge are all built on it.
 */
export function createPeriodicJob<T>(options: PeriodicJobOptions<T>): PeriodicJob<T> {
  if (!(options.intervalMs > 0)) throw new RangeError(`${options.name}: intervalMs must be > 0`)
  let timer: NodeJS.Timeout | undefined
  let current: Promise<T> | undefined
  let started = false

  function runOnce(): Promise<T> {
    if (!current) current = options.run().finally(() => (current = undefined))
    return current
  }

  function schedule(delay: number): void {
    if (!started) return
    timer = setTimeout(() => {
      timer = undefined
      runOnce()
        .catch((error: unknown) => options.logger?.warn({ job: options.name, err: describe(error) }, `${options.name} failed; will retry`))
        .finally(() => schedule(options.intervalMs))
    }, delay)
    timer.unref?.()
  }

  return {
    name: options.name,
    runOnce,
    start() {
      if (started) return
      started = true
      schedule(options.firstRunAfterMs ?? 0)
    },
    async stop() {
      started = false
      if (timer) clearTimeout(timer)
      timer = undefined
      await current?.catch(() => undefined)
    },
    get running() {
      return started
    },
  }
}

/** A log-safe description of an error: its name and message, never a stack or a payload. */
function describe(error: unknown): { name: string; message: string } | string {
  return error instanceof Error ? { name: error.name, message: error.message } : String(error)
}
