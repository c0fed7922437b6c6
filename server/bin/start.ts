#!/usr/bin/env node
import { startServer } from '../src/standalone/server.js'

// `npm start`: configuration comes from the environment (see the README).
try {
  const server = await startServer()
  const stop = () => void server.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  console.log(`faceid-kit ready at ${server.url} (${server.config.sandbox ? 'sandbox' : 'live'} mode)`)
} catch (error) {
  console.error(`faceid-kit failed to start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
