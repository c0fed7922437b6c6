import { defineProject } from 'vitest/config'

// Tests run against the compiled output (what ships is what is tested): globalSetup builds it.
export default defineProject({
  test: {
    name: 'miniprogram',
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['./test/global-setup.ts'],
  },
})
