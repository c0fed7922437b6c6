import { defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'

export default defineProject({
  // Workspace packages resolve to their TypeScript sources here, to their built dist when installed.
  resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] } },
  test: {
    name: 'doctor',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/fixtures/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
