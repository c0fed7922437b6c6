import { defineConfig } from 'vitest/config'

// One run covers every workspace; each package keeps its tests beside its sources.
export default defineConfig({
  test: {
    projects: ['shared', 'server', 'miniprogram', 'uniapp', 'test', 'doctor'],
  },
})
