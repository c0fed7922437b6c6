import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineProject } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

// uni-app's built-in tags are not Vue components: let the compiler leave them as elements.
const uniTags = new Set(['view', 'text', 'button', 'image', 'navigator', 'scroll-view', 'block'])

export default defineProject({
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => uniTags.has(tag) } } })],
  ssr: { resolve: { conditions: ['@faceid-kit/source', ...defaultServerConditions] } },
  resolve: {
    // Workspace packages resolve to their TypeScript sources here, to their built dist when installed.
    conditions: ['@faceid-kit/source', ...defaultClientConditions],
    // uni-app's runtime is not installed at the root: its page hooks are stubbed (see the stub).
    alias: {
      '@dcloudio/uni-app': fileURLToPath(new URL('./test/stubs/uni-app.ts', import.meta.url)),
      // js_sdk/core.ts reads the mini-program core from its sources here (the packed module carries a copy).
      '@faceid-kit/miniprogram/core': fileURLToPath(new URL('../miniprogram/src/core/index.ts', import.meta.url)),
    },
  },
  test: {
    name: 'uniapp',
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'example/**'],
    globalSetup: ['test/global-setup.ts'],
  },
})
