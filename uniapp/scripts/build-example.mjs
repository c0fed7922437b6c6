#!/usr/bin/env node
// Produces uniapp/example/dist/build/mp-weixin from a fresh clone, offline:
//  1. the example's own dependencies (npm ci, only when missing or outdated);
//  2. the mini-program kit and the simulated SDKs, built into example/.faceid-kit/ (a private
//     copy, so this never races the miniprogram tests' own build);
//  3. uni_modules/faceid-kit packed into example/src/uni_modules (as a user would install it);
//  4. install-wxcomponents: the kit and the simulated verify_mpsdk into example/src/wxcomponents,
//     the simulated mp_ecard_sdk's uni-app layout into example/src/mp_ecard_sdk (where App.vue
//     imports it, as uniapp/README.md says);
//  5. the simulated faceid-components (Megvii's package) into example/src/wxcomponents, where the
//     Megvii page registers it, as uniapp/README.md says;
//  6. `uni build -p mp-weixin`.
// Used by the uniapp vitest project's globalSetup; by hand: `npm run example:build -w uniapp`.
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureExampleDeps } from './example-deps.mjs'
import { formatReport, installWxcomponents } from './install-wxcomponents.mjs'
import { packUniModule } from './pack-uni-module.mjs'
import { isMain } from './lib/is-main.mjs'

const here = dirname(fileURLToPath(import.meta.url))
export const uniappDir = resolve(here, '..')
export const repoDir = resolve(uniappDir, '..')
export const exampleDir = join(uniappDir, 'example')
export const exampleSrc = join(exampleDir, 'src')
export const exampleDist = join(exampleDir, 'dist', 'build', 'mp-weixin')
const privateBuild = join(exampleDir, '.faceid-kit')

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

/** Builds the mini-program kit and simulated SDKs with the miniprogram package's own build. */
async function buildMiniprogramKit() {
  const { build } = await import('../../miniprogram/scripts/build.mjs')
  const { kitDir, simDir, simUniDir } = await build({ outDir: privateBuild, demo: false })
  return { kitDir, simDir, simUniDir }
}

export async function prepareExample(log = console.log) {
  const { kitDir, simDir, simUniDir } = await buildMiniprogramKit()
  packUniModule(join(exampleSrc, 'uni_modules', 'faceid-kit'))
  const options = {
    projectDir: exampleSrc,
    kitDir,
    verifySdkDir: join(simDir, 'verify_mpsdk'),
    // The uni-app build's shape (ES modules, a Vue confirm page), not the WeChat build's.
    eidSdkDir: join(simUniDir, 'mp_ecard_sdk'),
    prefix: 'mp-',
    writePagesJson: true,
  }
  const result = installWxcomponents(options)
  const conflicts = result.files.kept.length + result.pagesJson.changes.filter((c) => c.kind.endsWith('-differs')).length
  if (conflicts > 0 || result.pagesJson.written) {
    // The committed example is already complete: any change here means it drifted.
    log(formatReport(result, options))
  }
  if (conflicts > 0) throw new Error('install-wxcomponents left files or pages.json entries untouched in the example (see above)')
  // Megvii's package is the user's own copy (install-wxcomponents does not handle it).
  const megviiDir = join(exampleSrc, 'wxcomponents', 'faceid-components')
  rmSync(megviiDir, { recursive: true, force: true })
  cpSync(join(simDir, 'faceid-components'), megviiDir, { recursive: true })
  return result
}

export async function buildExample(log = console.log) {
  ensureExampleDeps(exampleDir, log)
  await prepareExample(log)
  uniBuild(log)
  return exampleDist
}

if (isMain(import.meta.url)) {
  await buildExample()
}
