import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'server',
    environment: 'node',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // Real servers, a WASM PostgreSQL and the real SDK on a 2-core machine: generous, not timed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
