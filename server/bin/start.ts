#!/usr/bin/env node
/**
 * `npm start` / `faceid-kit-server`: the standalone server, configured from the environment (see
 * the README). SIGTERM or SIGINT shut it down gracefully: it stops accepting connections,
 * finishes the requests in flight, stops the background jobs and closes the database, then
 * exits 0. A second signal exits at once.
 */
import { startServer } from '../src/standalone/server.js'

try {
  const server = await startServer()
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`faceid-kit: ${signal} again, exiting now`)
      process.exit(1)
    }
    stopping = true
    console.log(`faceid-kit: ${signal}, shutting down`)
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`faceid-kit: shutdown failed: ${error instanceof Error ? error.message : String(error)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  console.log(`faceid-kit ready at ${server.url} (${server.config.sandbox ? 'sandbox' : 'live'} mode)`)
} catch (error) {
  console.error(`faceid-kit failed to start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
