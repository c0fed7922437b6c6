#!/usr/bin/env node
/**
 * Builds the mini-program kit:
 * - miniprogram_dist/          the published kit (wrapper + faceid-verify + eid-verify, and
 *                              megvii-verify, Megvii's separate entry), CommonJS;
 * - dist/sim/                  the simulated verify_mpsdk and mp_ecard_sdk, same shape as Tencent's,
 *                              and Megvii's faceid-components;
 * - dist/sim-uni/mp_ecard_sdk/ the simulated mp_ecard_sdk in the shape of Tencent's uni-app build:
 *                              ES modules and a Vue confirm page, for a uni-app project's source root;
 * - demo/dist/                 the demo app (opened by the root project.config.json) with kit + sims.
 * `build({ outDir })` writes them all under another folder (tests build into a temp dir).
 */
import { realpathSync } from 'node:fs'
import { cp, mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as esbuild from 'esbuild'
import { emitTypes } from './types.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const COMPONENTS = ['faceid-verify', 'eid-verify', 'megvii-verify']
const SDKS = ['verify_mpsdk', 'mp_ecard_sdk', 'faceid-components']
const STATIC = new Set(['.json', '.wxml', '.wxss', '.md'])
/** The uni-app build's SDK folder ships no WeChat page (index.ts/.wxml/.wxss/.json), only index/index.vue. */
const UNI_SDK = 'mp_ecard_sdk'
const WEIXIN_PAGE = /^index\/index\.(ts|json|wxml|wxss)$/
// Mini-program JS engines: keep to ES2017 (async/await yes, object spread lowered).
const TARGET = 'es2017'

/** The components share the kit instance: `../index` stays a runtime require. */
const kitExternal = {
  name: 'kit-external',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/index$/ }, (args) =>
      args.importer.includes(`${path.sep}src${path.sep}`) ? { path: '../index', external: true } : undefined,
    )
  },
}

async function walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true })
  const files = []
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await walk(full)))
    else files.push(full)
  }
  return files
}

/** Copies .json/.wxml/.wxss (and README.md when `docs`) from `from` to `to`, keeping the tree. */
async function copyStatic(from, to, { docs = false } = {}) {
  for (const file of await walk(from)) {
    const ext = path.extname(file)
    if (!STATIC.has(ext) || (ext === '.md' && !docs)) continue
    const dest = path.join(to, path.relative(from, file))
    await mkdir(path.dirname(dest), { recursive: true })
    await cp(file, dest)
  }
}

/**
 * Transpiles every .ts file on its own (no bundling), so modules keep shared state at runtime.
 * CommonJS for the mini-program; `format: 'esm'` for a uni-app project, whose compiler bundles it.
 */
async function transpileTree(from, to, { format = 'cjs', skip = () => false, define = {} } = {}) {
  const entryPoints = (await walk(from)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !skip(f))
  await esbuild.build({
    entryPoints,
    outdir: to,
    outbase: from,
    bundle: false,
    format,
    platform: 'neutral',
    target: TARGET,
    define,
    logLevel: 'warning',
  })
}

async function buildKit(out) {
  await esbuild.build({
    entryPoints: [
      { in: path.join(ROOT, 'src/index.ts'), out: 'index' },
      ...COMPONENTS.map((name) => ({ in: path.join(ROOT, 'src', name, 'index.ts'), out: `${name}/index` })),
    ],
    outdir: out,
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    // @faceid-kit/shared is bundled from its sources (flows, token pattern), not a stale dist/.
    conditions: ['@faceid-kit/source'],
    target: TARGET,
    plugins: [kitExternal],
    legalComments: 'none',
    charset: 'utf8',
    // What ships counts against the mini-program's 2 MB package limit.
    minify: true,
    logLevel: 'warning',
  })
  for (const name of COMPONENTS) await copyStatic(path.join(ROOT, 'src', name), path.join(out, name))
}

async function buildSims(out) {
  for (const sdk of SDKS) {
    const from = path.join(ROOT, 'sim', sdk)
    const to = path.join(out, sdk)
    await transpileTree(from, to)
    await copyStatic(from, to)
  }
}

/**
 * mp_ecard_sdk as Tencent's uni-app build ships it: ES modules (`main.js`, `globalConfig.js`, …)
 * that App.vue imports, and the confirm page as `index/index.vue`, from the same sources as the
 * WeChat layout. It behaves like uni_1.0.5 unless `configureSandbox({ build })` says otherwise.
 */
async function buildUniSim(out) {
  const from = path.join(ROOT, 'sim', UNI_SDK)
  const to = path.join(out, UNI_SDK)
  const rel = (file) => path.relative(from, file).split(path.sep).join('/')
  await transpileTree(from, to, {
    format: 'esm',
    skip: (file) => WEIXIN_PAGE.test(rel(file)),
    define: { __MP_ECARD_SIM_BUILD__: JSON.stringify('uni_1.0.5') },
  })
  for (const file of await walk(from)) {
    if (!file.endsWith('.vue') && !file.endsWith('.md')) continue
    const dest = path.join(to, rel(file))
    await mkdir(path.dirname(dest), { recursive: true })
    await cp(file, dest)
  }
}

async function buildDemo(out, kitDir, simDir) {
  const from = path.join(ROOT, 'demo/src')
  await transpileTree(from, out)
  await copyStatic(from, out)
  await cp(kitDir, path.join(out, 'faceid-kit'), { recursive: true })
  for (const sdk of SDKS) await cp(path.join(simDir, sdk), path.join(out, sdk), { recursive: true })
}

/**
 * @param {{ outDir?: string, sims?: boolean, demo?: boolean, types?: boolean }} [options] outDir:
 *   where to put miniprogram_dist, dist/sim, dist/sim-uni and demo/dist (default: this package).
 *   sims: also build the simulated SDKs, both layouts (default true). demo: also build the demo app (default true; needs
 *   the sims). types: emit miniprogram_dist/types (default false: it takes seconds; the CLI and
 *   the package's tests turn it on).
 */
export async function build(options = {}) {
  const base = options.outDir ? path.resolve(options.outDir) : ROOT
  const kitDir = path.join(base, 'miniprogram_dist')
  const simDir = path.join(base, 'dist/sim')
  const simUniDir = path.join(base, 'dist/sim-uni')
  const demoDir = path.join(base, 'demo/dist')
  const sims = options.sims !== false
  const demo = sims && options.demo !== false
  await Promise.all([kitDir, ...(sims ? [simDir, simUniDir] : []), ...(demo ? [demoDir] : [])].map((dir) => rm(dir, { recursive: true, force: true })))
  await buildKit(kitDir)
  if (options.types === true) await emitTypes(kitDir)
  if (sims) {
    await buildSims(simDir)
    await buildUniSim(simUniDir)
  }
  if (demo) await buildDemo(demoDir, kitDir, simDir)
  return { kitDir, simDir, simUniDir, demoDir }
}

/** True when node runs this file, also through a symlink (npm's node_modules/.bin). */
function invokedDirectly() {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  // --kit-only: what the package publishes (miniprogram_dist with its types); `prepack` uses it.
  const { values } = parseArgs({ options: { 'kit-only': { type: 'boolean', default: false } } })
  const kitOnly = values['kit-only']
  const started = Date.now()
  const { kitDir, simDir, simUniDir, demoDir } = await build({ types: true, sims: !kitOnly, demo: !kitOnly })
  const built = kitOnly ? [kitDir] : [kitDir, simDir, simUniDir, demoDir]
  console.log(`built ${built.map((dir) => path.relative(process.cwd(), dir)).join(', ')} in ${Date.now() - started} ms`)
}
