// Installs the uni-app example's own dependencies (vite 5 / vue 3.4 / @dcloudio 3.x) with `npm ci`,
// but only when node_modules is missing or was installed from a different package-lock.json:
// the install is heavy (~260 MB) and kept out of the root tree. The repository's `npm install`
// runs this file (root postinstall), so that `npm test` afterwards needs no network.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { isMain } from './lib/is-main.mjs'

const STAMP = '.faceid-kit-lock-sha256'

/** sha256 of the example's package-lock.json, the key of the installed tree. */
export function lockHash(exampleDir) {
  return createHash('sha256').update(readFileSync(join(exampleDir, 'package-lock.json'))).digest('hex')
}

/** true when `npm ci` has to run (no install yet, or one from another lock file). */
export function depsOutdated(exampleDir) {
  const stamp = join(exampleDir, 'node_modules', STAMP)
  if (!existsSync(stamp)) return true
  return readFileSync(stamp, 'utf8').trim() !== lockHash(exampleDir)
}

const LOCK = '.faceid-kit-install.lock'
// An install takes a few minutes; a lock older than this was left by a killed process.
const STALE_LOCK_MS = 20 * 60_000

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Runs `fn` while holding the example's install lock: two test processes (or a test and the root
 * postinstall) running `npm ci` in the same folder at once corrupt node_modules.
 */
function withInstallLock(exampleDir, fn) {
  const lock = join(exampleDir, LOCK)
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (error) {
      if (!error || error.code !== 'EEXIST') throw error
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      } catch {
        // released meanwhile
      }
      sleep(500)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Runs `npm ci` in the example when needed; returns whether it did. */
export function ensureExampleDeps(exampleDir, log = console.log) {
  if (!depsOutdated(exampleDir)) return false
  return withInstallLock(exampleDir, () => {
    // Another process may have installed it while this one waited for the lock.
    if (!depsOutdated(exampleDir)) return false
    installExampleDeps(exampleDir, log)
    return true
  })
}

function installExampleDeps(exampleDir, log) {
  log(`[faceid-kit] installing the uni-app example's dependencies (npm ci --prefix ${exampleDir}) …`)
  execFileSync('npm', ['ci', '--prefix', exampleDir, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  writeFileSync(join(exampleDir, 'node_modules', STAMP), lockHash(exampleDir) + '\n')
}

if (isMain(import.meta.url)) {
  const exampleDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'example')
  if (!ensureExampleDeps(exampleDir)) console.log('[faceid-kit] the uni-app example\'s dependencies are installed')
}
