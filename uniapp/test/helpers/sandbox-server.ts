/**
 * Runs faceid-kit's standalone server (sandbox mode: embedded emulator, in-memory database) in a
 * child process, because the simulate tests run under jsdom, whose typed arrays are not the ones
 * the server's crypto libraries accept.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const ENTRY = path.join(here, 'sandbox-server-main.ts')

export interface SandboxServer {
  url: string
  /** The embedded emulator's Megvii mode (its sandbox page ends a biz_token's flow). */
  megviiUrl: string
  close(): Promise<void>
}

export function startSandboxServer(): Promise<SandboxServer> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@faceid-kit/source', '--import', 'tsx', ENTRY], {
    cwd: path.resolve(here, '../../..'),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8')
      const line = out.split('\n').find((l) => l.startsWith('LISTENING '))
      if (!line) return
      child.stdout?.off('data', onData)
      resolve({
        url: line.slice('LISTENING '.length).trim(),
        megviiUrl: (out.split('\n').find((l) => l.startsWith('MEGVII ')) ?? 'MEGVII ').slice('MEGVII '.length).trim(),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`sandbox server exited early (${code}): ${out}`)))
    child.once('error', reject)
  })
}
