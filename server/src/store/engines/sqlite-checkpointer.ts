/**
 * Checkpoints of the embedded ledger's write-ahead log, on a worker thread.
 *
 * SQLite copies the log back into the database file (a checkpoint, ending with an fsync) on
 * the connection whose commit fills the log past 1000 pages. Both drivers are synchronous, so
 * that commit blocked the event loop for the whole copy: an issuance that happened to trigger
 * it waited tens of milliseconds, and a commit took about three times as long on average. Here
 * a second connection on a worker thread checkpoints, in PASSIVE mode, which never blocks the
 * server's readers or writer; the server's own connection keeps only a far threshold as a
 * safety net.
 */
import { Worker } from 'node:worker_threads'
import type { SqliteDriverName } from './sqlite.js'

export interface CheckpointerOptions {
  file: string
  driver: SqliteDriverName
  /** better-sqlite3's resolved entry point, so the worker loads the same copy as the server. */
  modulePath?: string | undefined
  /**
   * How often the worker checkpoints. Default 1000 ms: each checkpoint copies the pages written
   * since the last one and flushes, so a busy ledger's hot pages (the ends of the table and of
   * its indexes) are copied once a second rather than at every commit. A log past the restart
   * size is checkpointed sooner, within 200 ms.
   */
  intervalMs?: number | undefined
  busyTimeoutMs: number
}

export interface Checkpointer {
  /** Stops the worker after a last checkpoint; resolves once its connection is closed. */
  stop(): Promise<void>
}

/** SQLite's own threshold, used when the worker cannot run: the connection checkpoints past it. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 1000

/**
 * The server's connection's threshold while the worker runs (about 40 MB of log): far past where
 * the worker restarts the log, so reached only if the worker falls behind or has died, and then
 * the log stays bounded anyway.
 */
export const SAFETY_NET_AUTOCHECKPOINT_PAGES = 10_000

/** The log's length (pages) past which the worker restarts it (about 16 MB with 4 KiB pages). */
const RESTART_PAGES = 4000

/** How often the worker looks at the log's size between checkpoints. */
const LOOK_MS = 200

/**
 * The worker, as CommonJS source: a file next to this one would not exist when the server runs
 * from TypeScript sources. It reports `ready` once its connection is open, or throws.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { file, driver, modulePath, intervalMs, lookMs, busyTimeoutMs, restartPages } = workerData
const fs = require('node:fs')
// node:sqlite warns once per thread that it is experimental; the server's thread already did.
const emitWarning = process.emitWarning
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type
  if (type === 'ExperimentalWarning' && /SQLite/i.test(String(warning))) return
  return emitWarning.call(process, warning, ...rest)
}
const db = driver === 'node:sqlite' ? new (require('node:sqlite').DatabaseSync)(file) : new (require(modulePath))(file)
db.exec('PRAGMA busy_timeout = ' + busyTimeoutMs)
db.exec('PRAGMA wal_autocheckpoint = 0')
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)')
const restartBytes = restartPages * db.prepare('PRAGMA page_size').all()[0].page_size
const logBytes = () => {
  try { return fs.statSync(file + '-wal').size } catch { return 0 }
}
let last = Date.now()
let sizeAtLast = 0
const run = () => {
  try {
    const [state] = passive.all()
    // Under steady writes a passive checkpoint never catches up, and the log would grow for
    // ever. Past the limit, RESTART copies the few frames written since and holds writers
    // off briefly, so that the next commit starts the log again from its beginning.
    if (state && state.log >= restartPages) restart.all()
  } catch {}
  last = Date.now()
  sizeAtLast = logBytes()
}
// A checkpoint every intervalMs, and sooner when the file is growing past the restart size (a
// restarted log is written over the file from its beginning, so the file grows again only when
// the log outruns it): a look at its size takes no lock and copies nothing.
const look = () => {
  const size = logBytes()
  if (Date.now() - last >= intervalMs || (size >= restartBytes && size > sizeAtLast)) run()
}
const timer = setInterval(look, Math.min(lookMs, intervalMs))
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  run()
  db.close()
  parentPort.close()
})
parentPort.postMessage('ready')
`

/**
 * Starts the worker; rejects when it cannot open the file, and the caller then lets its own
 * connection checkpoint as SQLite does by default.
 */
export function startCheckpointer(options: CheckpointerOptions): Promise<Checkpointer> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: options.file, driver: options.driver, modulePath: options.modulePath, intervalMs: options.intervalMs ?? 1000, lookMs: LOOK_MS, busyTimeoutMs: options.busyTimeoutMs, restartPages: RESTART_PAGES },
    // A small heap: the worker only holds a connection and a timer.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  })
  // The worker never keeps the process alive: a server that forgets to close still exits.
  worker.unref()
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  return new Promise<Checkpointer>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('message', () => {
      worker.off('error', reject)
      // A later failure (the file removed under it) only stops the checkpoints; the next open starts them again.
      worker.on('error', () => undefined)
      let stopping: Promise<void> | undefined
      resolve({
        stop: () =>
          (stopping ??= (async () => {
            worker.postMessage('stop')
            const timer = setTimeout(() => void worker.terminate(), 5000)
            await exited
            clearTimeout(timer)
          })()),
      })
    })
    void exited.then(() => reject(new Error('the checkpoint worker exited before it was ready')))
  })
}
