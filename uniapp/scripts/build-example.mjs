#!/usr/bin/env node
// Produces uniapp/example/dist/build/mp-weixin from a fresh clone: installs the example's own
// dependencies when needed, then runs `uni build -p mp-weixin` (offline).
// Used by the uniapp vitest project's globalSetup and runnable by hand: `npm run example:build -w uniapp`.
import { execFileSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureExampleDeps } from './example-deps.mjs'

const here = dirname(fileURLToPath(import.meta.url))
export const uniappDir = resolve(here, '..')
export const repoDir = resolve(uniappDir, '..')
export const exampleDir = join(uniappDir, 'example')
export const exampleDist = join(exampleDir, 'dist', 'build', 'mp-weixin')

/** Runs `uni build -p mp-weixin` in the example with its own toolchain. */
export function uniBuild(log = console.log) {
  log('[faceid-kit] uni build -p mp-weixin (uniapp/example) …')
  execFileSync(join(exampleDir, 'node_modules', '.bin', 'uni'), ['build', '-p', 'mp-weixin'], {
    cwd: exampleDir,
    // uni's banner and progress are noise in a test run; errors still go to stderr.
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, UNI_PLATFORM: 'mp-weixin' },
  })
}

export function buildExample(log = console.log) {
  ensureExampleDeps(exampleDir, log)
  uniBuild(log)
  return exampleDist
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildExample()
}
