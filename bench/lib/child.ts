/**
 * Child processes for the benchmarks, with a small request/response protocol over the IPC
 * channel. Servers run in children so that the load generator never shares an event loop with
 * what it measures, and so that a server's memory can be read on its own.
 */
import { fork, type ChildProcess } from 'node:child_process'

/** The methods a child exposes: one argument in, a structured-cloneable value out. */
export type ChildApi = Record<string, (arg: never) => unknown>

type Request = { type: 'call'; id: number; method: string; arg: unknown } | { type: 'close' }
type Reply = { type: 'ready'; info: unknown } | { type: 'result'; id: number; ok: true; value: unknown } | { type: 'result'; id: number; ok: false; error: string } | { type: 'fatal'; error: string }

export interface ChildHandle<Api extends ChildApi, Info> {
  readonly pid: number
  /** What the child sent once it was ready (URLs, ports). */
  readonly info: Info
  call<K extends keyof Api & string>(method: K, arg: Parameters<Api[K]>[0]): Promise<Awaited<ReturnType<Api[K]>>>
  /** Asks the child to close what it opened and exit; kills it if it does not within 15 s. */
  close(): Promise<void>
}

const TSX = import.meta.resolve('tsx')

/**
 * Starts `file` (a TypeScript module calling `serve`) under tsx and waits until it is ready.
 * `built`: the workspace packages it imports resolve to their built `dist`, not their sources.
 */
export async function startChild<Api extends ChildApi, Info>(file: URL, options: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; name: string; built?: boolean }): Promise<ChildHandle<Api, Info>> {
  const child: ChildProcess = fork(file, [], {
    // BENCH_CPU_PROFILE_DIR: every child writes a V8 CPU profile there when it exits.
    execArgv: [...(options.built ? [] : ['--conditions=@faceid-kit/source']), '--import', TSX, ...(process.env['BENCH_CPU_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROFILE_DIR']}`] : [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let nextId = 1
  let exited = false
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true
    for (const p of pending.values()) p.reject(new Error(`${options.name} exited`))
    pending.clear()
    resolve()
  }))

  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 120_000} ms`)), options.readyTimeoutMs ?? 120_000)
    child.on('message', (raw) => {
      const msg = raw as Reply
      if (msg.type === 'ready') {
        clearTimeout(timer)
        resolve(msg.info as Info)
      } else if (msg.type === 'fatal') {
        clearTimeout(timer)
        reject(new Error(`${options.name}: ${msg.error}`))
      } else if (msg.type === 'result') {
        const p = pending.get(msg.id)
        pending.delete(msg.id)
        if (msg.ok) p?.resolve(msg.value)
        else p?.reject(new Error(`${options.name}: ${msg.error}`))
      }
    })
    void exit.then(() => {
      clearTimeout(timer)
      reject(new Error(`${options.name} exited before it was ready`))
    })
  }).catch((error: unknown) => {
    child.kill('SIGKILL')
    throw error
  })

  return {
    pid: child.pid!,
    info,
    call(method, arg) {
      if (exited) return Promise.reject(new Error(`${options.name} has exited`))
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.send({ type: 'call', id, method, arg } satisfies Request)
      })
    },
    async close() {
      if (exited) return
      child.send({ type: 'close' } satisfies Request)
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exit
      clearTimeout(timer)
    },
  }
}

/**
 * The child side: runs `api` calls from the parent, reports `info` when ready, and runs `close`
 * before exiting when asked (or when the parent goes away).
 */
export function serve<Api extends ChildApi>(api: Api, info: unknown, close: () => Promise<void>): void {
  const send = (msg: Reply) => process.send?.(msg)
  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    try {
      await close()
    } finally {
      process.exit(0)
    }
  }
  process.on('message', (raw) => {
    const msg = raw as Request
    if (msg.type === 'close') return void shutdown()
    const fn = api[msg.method] as ((arg: unknown) => unknown) | undefined
    Promise.resolve()
      .then(() => {
        if (!fn) throw new Error(`no method ${msg.method}`)
        return fn(msg.arg)
      })
      .then(
        (value) => send({ type: 'result', id: msg.id, ok: true, value }),
        (error: unknown) => send({ type: 'result', id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      )
  })
  process.on('disconnect', () => void shutdown())
  send({ type: 'ready', info })
}

/** Reports a start-up failure to the parent instead of dying silently. */
export function fatal(error: unknown): void {
  const msg: Reply = { type: 'fatal', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  if (process.send) process.send(msg, () => process.exit(1))
  else process.exit(1)
}
