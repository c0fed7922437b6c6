import { defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'

export default defineProject({
  // Workspace packages resolve to their TypeScript sources here, to their built dist when installed.
  resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] } },
  test: {
    name: 'shared',
    environment: 'node',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
  },
})
