/**
 * A PostgreSQL server of a test's own: initdb into a temporary directory, on a free loopback port,
 * that the test may stop and start (an outage) without disturbing the shared test server other
 * test files use. Needs the PostgreSQL server binaries (`/usr/lib/postgresql/<v>/bin`, or
 * `FACEID_PG_BIN`); `POSTGRES_BIN` is undefined without them and such tests skip.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

function findBin(): string | undefined {
  const candidates = process.env['FACEID_PG_BIN']
    ? [process.env['FACEID_PG_BIN']]
    : (() => {
        try {
          return fs
            .readdirSync('/usr/lib/postgresql')
            .sort((a, b) => Number(b) - Number(a))
            .map((v) => `/usr/lib/postgresql/${v}/bin`)
        } catch {
          return []
        }
      })()
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')))
}

/** Where initdb and pg_ctl are, or undefined when PostgreSQL is not installed here. */
export const POSTGRES_BIN = findBin()

const isRoot = process.getuid?.() === 0

/** PostgreSQL refuses to run as root: use the `postgres` account the Debian package creates. */
async function pg(bin: string, args: string[]): Promise<void> {
  const file = path.join(POSTGRES_BIN!, bin)
  if (isRoot) await run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 120_000 })
  else await run(file, args, { timeout: 120_000 })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  url: string
  /** Stops the server the way an operator or a failover does: open connections are terminated. */
  stop(): Promise<void>
  /** Starts the server again (nothing when it runs). */
  start(): Promise<void>
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  if (!POSTGRES_BIN) throw new Error('PostgreSQL server binaries not found')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-outage-pg-'))
  const data = path.join(dir, 'data')
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    fs.chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const port = await freePort()
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'])
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=100`
  const start = () => pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start'])
  const stop = () => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'])
  await start()
  let running = true
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (!running) return
      await stop()
      running = false
    },
    async start() {
      if (running) return
      await start()
      running = true
    },
    async destroy() {
      if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined)
      running = false
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
