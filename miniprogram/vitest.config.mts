import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'

// Tests run against the compiled output (what ships is what is tested): globalSetup builds it.
export default defineProject({
  // Workspace packages resolve to their TypeScript sources here, to their built dist when installed.
  resolve: { conditions: ['@faceid-kit/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] } },
  test: {
    name: 'miniprogram',
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['./test/global-setup.ts'],
  },
})
