// Child-process entry of sandbox-server.ts: prints "LISTENING <url>", stops on SIGTERM.
import { startServer } from '../../../server/src/standalone/server'

const server = await startServer({ port: 0, host: '127.0.0.1', env: {}, dataDir: 'memory', logger: false })
process.stdout.write(`LISTENING ${server.url}\n`)
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0))
})
