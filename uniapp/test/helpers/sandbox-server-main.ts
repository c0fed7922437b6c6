// Child-process entry of sandbox-server.ts: prints "MEGVII <url>" (the emulator's Megvii mode) and
// "LISTENING <url>", stops on SIGTERM.
import { startServer } from '../../../server/src/standalone/server'

const server = await startServer({ port: 0, host: '127.0.0.1', env: {}, dataDir: 'memory', logger: false })
process.stdout.write(`MEGVII ${server.megviiEmulator?.address()?.url ?? ''}\nLISTENING ${server.url}\n`)
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0))
})
