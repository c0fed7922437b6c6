import { defineProject } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// uni-app's built-in tags are not Vue components: let the compiler leave them as elements.
const uniTags = new Set(['view', 'text', 'button', 'image', 'navigator', 'scroll-view', 'block'])

export default defineProject({
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => uniTags.has(tag) } } })],
  test: {
    name: 'uniapp',
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'example/**'],
    globalSetup: ['test/global-setup.ts'],
  },
})
