import { defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'

export default defineProject({
  // Workspace packages resolve to their TypeScript sources here, to their built dist when installed.
  resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] } },
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
