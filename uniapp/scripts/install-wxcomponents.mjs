#!/usr/bin/env node
// Installs faceid-kit's built mini-program components into a uni-app project as wxcomponents,
// with Tencent's SDK folders when given (and, with --uni-module, the Vue route's
// uni_modules/faceid-kit), and writes (or prints) the pages.json entries:
//   - globalStyle.usingComponents for <faceid-verify> / <eid-verify>;
//   - the empty page hosting verify_mpsdk's `indexCom` (its path is the `startPath`);
//   - the pages of mp_ecard_sdk's uni-app build, and its globalConfig.js `normalPath`.
// It never overwrites a file it did not write (see lib/owned-files.mjs) and reports every change.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isMain } from './lib/is-main.mjs'
import { openLedger } from './lib/owned-files.mjs'
import { mergePagesJson, parsePagesJson } from './lib/pages-json.mjs'

const here = dirname(fileURLToPath(import.meta.url))
/** The packed Vue route (`npm run build -w uniapp`; what the published package ships). */
export const DEFAULT_UNI_MODULE_DIR = resolve(here, '../dist/uni_modules/faceid-kit')
export const UNI_MODULE_FOLDER = 'uni_modules/faceid-kit'
export const DEFAULT_HOST_PAGE = 'pages/faceid-kit/verify'
export const KIT_FOLDER = 'wxcomponents/faceid-kit'
const COMPONENTS = ['faceid-verify', 'eid-verify']

/**
 * The built components of @faceid-kit/miniprogram (a dependency of this package): its
 * `miniprogram` folder, as WeChat's 构建 npm would use it. In the repository this is the
 * workspace's miniprogram/miniprogram_dist.
 */
export function defaultKitDir() {
  let manifest
  try {
    manifest = createRequire(import.meta.url).resolve('@faceid-kit/miniprogram/package.json')
  } catch {
    throw new Error('@faceid-kit/miniprogram is not installed next to @faceid-kit/uniapp: install it, or pass --kit <dir>')
  }
  const folder = JSON.parse(readFileSync(manifest, 'utf8')).miniprogram ?? 'miniprogram_dist'
  return join(dirname(manifest), folder)
}

/**
 * @typedef {object} InstallOptions
 * @property {string} projectDir uni-app source root: the folder with pages.json (`src/` in CLI projects)
 * @property {string} [kitDir] built mini-program kit (default: the miniprogram_dist of the installed mini-program kit package)
 * @property {boolean} [uniModule] also install the Vue route: the packed module into uni_modules/faceid-kit
 * @property {string} [uniModuleDir] the packed module to install with `uniModule` (default: this package's dist)
 * @property {string} [verifySdkDir] Tencent's verify_mpsdk folder, copied to wxcomponents/verify_mpsdk
 * @property {string} [eidSdkDir] Tencent's mp_ecard_sdk folder (uni-app build, or the WeChat build)
 * @property {string} [eidSdkRoot] folder under projectDir for mp_ecard_sdk's uni-app build ('' = the root)
 * @property {string} [hostPage] page hosting verify_mpsdk's indexCom, without extension
 * @property {string} [prefix] prefix of the global component names (e.g. 'mp-' → <mp-faceid-verify>)
 * @property {boolean} [writePagesJson] merge the entries into pages.json instead of only printing them
 * @property {boolean} [dryRun] report what would change, write nothing
 */

/** Lists the files under `dir`, as paths relative to it (posix separators). */
function listFiles(dir) {
  /** @type {string[]} */
  const out = []
  const walk = (sub) => {
    for (const name of readdirSync(join(dir, sub))) {
      const relPath = sub ? `${sub}/${name}` : name
      if (statSync(join(dir, relPath)).isDirectory()) walk(relPath)
      else out.push(relPath)
    }
  }
  walk('')
  return out.sort()
}

function normaliseFolder(value) {
  return (value ?? '').replace(/\\/g, '/').replace(/^\/+|\/+$/g, '')
}

/** The uni-app build of mp_ecard_sdk has .vue pages; the WeChat build has .wxml ones. */
export function eidSdkFlavour(dir) {
  if (existsSync(join(dir, 'index', 'index.vue'))) return 'uni'
  if (existsSync(join(dir, 'index', 'index.wxml')) || existsSync(join(dir, 'main.js'))) return 'weixin'
  return 'unknown'
}

/** globalConfig.js of the uni-app build: `export default { normalPath: '' }`. */
export function setNormalPath(source, normalPath) {
  const pattern = /(normalPath\s*:\s*)(['"`])[^'"`]*\2/
  if (!pattern.test(source)) return undefined
  return source.replace(pattern, (_m, key, quote) => `${key}${quote}${normalPath}${quote}`)
}

function hostPageSource() {
  return `<!-- Written by faceid-kit install-wxcomponents: the page verify_mpsdk opens (its startPath).
     It only hosts the SDK's indexCom component; keep it free of other logic. -->
<template>
  <verify-mp class="faceid-kit-sdk" :options="options"></verify-mp>
</template>

<script setup lang="ts">
import { ref } from 'vue'
import { onLoad } from '@dcloudio/uni-app'

const options = ref<Record<string, string | undefined>>({})
onLoad((query) => {
  options.value = (query ?? {}) as Record<string, string | undefined>
})
</script>
`
}

const EID_PAGE_TITLES = {
  'index/index': '腾讯云E证通授权',
  'protocol/eid/eid': 'eID数字身份小程序服务协议',
  'protocol/privacy/privacy': '腾讯隐私政策',
  'protocol/service/service': '腾讯云E证通服务协议',
  'protocol/userAccredit/userAccredit': '用户授权协议',
}

/**
 * @param {InstallOptions} options
 */
export function installWxcomponents(options) {
  const projectDir = resolve(options.projectDir)
  const pagesJsonPath = join(projectDir, 'pages.json')
  if (!existsSync(pagesJsonPath)) {
    throw new Error(`${projectDir} has no pages.json: pass the uni-app source root (the folder with pages.json, e.g. src/)`)
  }
  const kitDir = resolve(options.kitDir ?? defaultKitDir())
  const components = COMPONENTS.filter((name) => existsSync(join(kitDir, name, 'index.json')))
  if (components.length === 0) {
    throw new Error(`${kitDir} holds no built faceid-kit components: run \`npm run build -w miniprogram\` first`)
  }
  const uniModuleDir = options.uniModule ? resolve(options.uniModuleDir ?? DEFAULT_UNI_MODULE_DIR) : undefined
  if (uniModuleDir && !existsSync(join(uniModuleDir, 'package.json'))) {
    throw new Error(`${uniModuleDir} holds no packed uni_modules/faceid-kit: run \`npm run build -w uniapp\` first`)
  }
  const hostPage = normaliseFolder(options.hostPage ?? DEFAULT_HOST_PAGE)
  const prefix = options.prefix ?? ''
  const ledger = openLedger(projectDir, { dryRun: options.dryRun })
  /** @type {string[]} */
  const notes = []
  const copyTree = (from, toRel, transform) => {
    for (const file of listFiles(from)) {
      const target = join(projectDir, toRel, file)
      let content = readFileSync(join(from, file))
      if (transform) content = transform(file, content)
      ledger.write(target, content)
    }
  }

  // 0. The Vue route, when asked for: uni-app finds its components (easycom) and js_sdk there.
  if (uniModuleDir) {
    copyTree(uniModuleDir, UNI_MODULE_FOLDER)
    ledger.prune(`${UNI_MODULE_FOLDER}/`)
  }

  // 1. The kit: every file of the build, so relative requires between components keep working.
  copyTree(kitDir, KIT_FOLDER)
  ledger.prune(`${KIT_FOLDER}/`)

  // 2. verify_mpsdk: wxcomponents/verify_mpsdk (the SDK's requires and indexCom path assume it).
  const verifyTarget = join(projectDir, 'wxcomponents', 'verify_mpsdk')
  if (options.verifySdkDir) {
    copyTree(resolve(options.verifySdkDir), 'wxcomponents/verify_mpsdk')
  } else if (!existsSync(verifyTarget)) {
    notes.push('verify_mpsdk not found: download it from the Tencent Cloud console and copy it to wxcomponents/verify_mpsdk (or pass --verify-sdk <dir>).')
  }

  // 3. mp_ecard_sdk.
  const eidRoot = normaliseFolder(options.eidSdkRoot)
  /** @type {{ path: string, style: Record<string, unknown> }[]} */
  const eidPages = []
  let eidWhere
  const uniEidRel = eidRoot ? `${eidRoot}/mp_ecard_sdk` : 'mp_ecard_sdk'
  if (options.eidSdkDir) {
    const from = resolve(options.eidSdkDir)
    const flavour = eidSdkFlavour(from)
    if (flavour === 'uni') {
      const toRel = uniEidRel
      const normalPath = eidRoot ? `/${eidRoot}` : ''
      copyTree(from, toRel, (file, content) => {
        if (file !== 'globalConfig.js') return content
        const changed = setNormalPath(content.toString('utf8'), normalPath)
        if (changed === undefined) {
          notes.push(`${toRel}/globalConfig.js has no normalPath field: set normalPath to '${normalPath}' by hand.`)
          return content
        }
        return Buffer.from(changed)
      })
      eidWhere = { flavour, dir: join(projectDir, toRel), rel: toRel }
      // One SDK only: our copy of a WeChat build installed earlier goes, so do files this build dropped.
      ledger.prune(`${toRel}/`)
      ledger.prune('wxcomponents/mp_ecard_sdk/')
    } else {
      copyTree(from, 'wxcomponents/mp_ecard_sdk')
      ledger.prune('wxcomponents/mp_ecard_sdk/')
      ledger.prune(`${uniEidRel}/`)
      eidWhere = { flavour, dir: join(projectDir, 'wxcomponents', 'mp_ecard_sdk'), rel: 'wxcomponents/mp_ecard_sdk' }
    }
  } else {
    const uniDir = join(projectDir, eidRoot, 'mp_ecard_sdk')
    const wxDir = join(projectDir, 'wxcomponents', 'mp_ecard_sdk')
    if (existsSync(uniDir)) eidWhere = { flavour: eidSdkFlavour(uniDir), dir: uniDir, rel: normaliseFolder(`${eidRoot}/mp_ecard_sdk`) }
    else if (existsSync(wxDir)) eidWhere = { flavour: eidSdkFlavour(wxDir), dir: wxDir, rel: 'wxcomponents/mp_ecard_sdk' }
    else if (components.includes('eid-verify')) {
      notes.push("mp_ecard_sdk not found: download E证通's uni-app SDK from the Tencent Cloud console and pass --eid-sdk <dir> (or copy it to the project root).")
    }
  }
  if (eidWhere && eidWhere.flavour === 'uni') {
    for (const [page, title] of Object.entries(EID_PAGE_TITLES)) {
      if (existsSync(join(eidWhere.dir, `${page}.vue`))) {
        eidPages.push({ path: `${eidWhere.rel}/${page}`, style: { navigationBarTitleText: title } })
      }
    }
    const globalConfig = join(eidWhere.dir, 'globalConfig.js')
    const wanted = eidWhere.rel === 'mp_ecard_sdk' ? '' : `/${eidWhere.rel.replace(/\/mp_ecard_sdk$/, '')}`
    if (existsSync(globalConfig)) {
      const current = /normalPath\s*:\s*(['"`])([^'"`]*)\1/.exec(readFileSync(globalConfig, 'utf8'))
      if (current && current[2] !== wanted) {
        notes.push(`${eidWhere.rel}/globalConfig.js: set normalPath to '${wanted}' (it is '${current[2]}'); faceid-kit did not write this file, so it was not changed.`)
      }
    }
  } else if (eidWhere && eidWhere.flavour === 'weixin') {
    notes.push(
      `${eidWhere.rel} is the WeChat build of mp_ecard_sdk: uni-app cannot register its native pages, so needJumpPage is unavailable; ` +
        'use the uni-app build for the confirm page.',
    )
  }

  // Both routes with the same tag names: easycom registers the Vue <faceid-verify> per page, which
  // wins over the global wxcomponent of the same name, so one route silently disappears.
  if (prefix === '' && (uniModuleDir || existsSync(join(projectDir, UNI_MODULE_FOLDER)))) {
    const clashing = components.join('>, <')
    notes.push(
      `warning: ${UNI_MODULE_FOLDER} is installed too, and both routes register <${clashing}>: pages would get the Vue components, not the wxcomponents. ` +
        'Run again with --prefix mp- (→ <mp-faceid-verify>) to use both.',
    )
  }

  // 4. The page hosting indexCom.
  ledger.write(join(projectDir, `${hostPage}.vue`), Buffer.from(hostPageSource()))

  ledger.save()

  // 5. pages.json.
  const entries = {
    pages: [
      {
        path: hostPage,
        style: { navigationBarTitleText: '人脸核身', usingComponents: { 'verify-mp': '/wxcomponents/verify_mpsdk/indexCom' } },
      },
      ...eidPages,
    ],
    usingComponents: Object.fromEntries(components.map((name) => [`${prefix}${name}`, `/${KIT_FOLDER}/${name}/index`])),
  }
  const original = readFileSync(pagesJsonPath, 'utf8')
  parsePagesJson(original, pagesJsonPath)
  const merged = mergePagesJson(original, entries)
  const pagesJsonWritten = Boolean(options.writePagesJson) && !options.dryRun && merged.text !== original
  if (pagesJsonWritten) writeFileSync(pagesJsonPath, merged.text)

  return {
    projectDir,
    files: ledger.report,
    pagesJson: { entries, changes: merged.changes, written: pagesJsonWritten },
    startPath: `/${hostPage}`,
    components: Object.keys(entries.usingComponents),
    notes,
  }
}

/** A human-readable account of what `installWxcomponents` did. */
export function formatReport(result, { writePagesJson = false, dryRun = false } = {}) {
  const lines = []
  const f = result.files
  const say = (label, list) => {
    if (list.length === 0) return
    lines.push(`${label} (${list.length}):`)
    for (const item of list) lines.push(`  ${item}`)
  }
  lines.push(dryRun ? 'faceid-kit install-wxcomponents (dry run, nothing written)' : 'faceid-kit install-wxcomponents')
  lines.push(`project: ${result.projectDir}`)
  say('written', f.written)
  say('updated', f.updated)
  say('removed (no longer in the kit)', f.removed)
  say('kept — not written by faceid-kit, or edited since; left untouched', f.kept)
  if (f.unchanged.length > 0) lines.push(`unchanged: ${f.unchanged.length} file(s)`)
  const { changes, entries, written } = result.pagesJson
  const added = changes.filter((c) => c.kind.endsWith('-added'))
  const differs = changes.filter((c) => c.kind.endsWith('-differs'))
  if (written) {
    lines.push('pages.json updated:')
    for (const c of added) lines.push(`  + ${c.kind === 'page-added' ? 'page' : 'globalStyle.usingComponents'} ${c.key}`)
  } else if (added.length > 0) {
    lines.push(writePagesJson ? 'pages.json would get:' : 'Add to pages.json (or run again with --write-pages-json):')
    lines.push(JSON.stringify({ pages: entries.pages, globalStyle: { usingComponents: entries.usingComponents } }, null, 2).replace(/^/gm, '  '))
  } else {
    lines.push('pages.json already has every entry.')
  }
  for (const c of differs) {
    lines.push(`pages.json: ${c.key} exists with ${JSON.stringify(c.existing)}; faceid-kit expects ${JSON.stringify(c.wanted)} (not changed).`)
  }
  lines.push(`verify_mpsdk startPath: '${result.startPath}' (pass it as start-path / startPath).`)
  for (const note of result.notes) lines.push(`note: ${note}`)
  return lines.join('\n')
}

function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kit: { type: 'string' },
      'uni-module': { type: 'boolean', default: false },
      'verify-sdk': { type: 'string' },
      'eid-sdk': { type: 'string' },
      'eid-sdk-root': { type: 'string' },
      'host-page': { type: 'string' },
      prefix: { type: 'string' },
      'write-pages-json': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help || positionals.length !== 1) {
    console.log(`usage: faceid-kit-install-wxcomponents <uni-app src dir> [options]
  <uni-app src dir>       the folder holding pages.json (src/ in CLI projects, the root in HBuilderX ones)
  --uni-module            also install the Vue route into uni_modules/faceid-kit (use with --prefix mp-)
  --kit <dir>             built mini-program kit (default: @faceid-kit/miniprogram's miniprogram_dist)
  --verify-sdk <dir>      copy Tencent's verify_mpsdk to wxcomponents/verify_mpsdk
  --eid-sdk <dir>         copy Tencent's mp_ecard_sdk (uni-app build: into the project; WeChat build: wxcomponents/)
  --eid-sdk-root <dir>    folder for mp_ecard_sdk's uni-app build, e.g. pages (sets globalConfig.js normalPath)
  --host-page <path>      page hosting verify_mpsdk's indexCom (default ${DEFAULT_HOST_PAGE})
  --prefix <p>            prefix for the global component names, e.g. mp- (→ <mp-faceid-verify>);
                          needed when the Vue route's <faceid-verify> is installed too (default none)
  --write-pages-json      merge the entries into pages.json (default: print them)
  --dry-run               report only`)
    return values.help ? 0 : 2
  }
  const opts = {
    projectDir: positionals[0],
    writePagesJson: values['write-pages-json'],
    dryRun: values['dry-run'],
    ...(values.kit ? { kitDir: values.kit } : {}),
    ...(values['uni-module'] ? { uniModule: true } : {}),
    ...(values['verify-sdk'] ? { verifySdkDir: values['verify-sdk'] } : {}),
    ...(values['eid-sdk'] ? { eidSdkDir: values['eid-sdk'] } : {}),
    ...(values['eid-sdk-root'] !== undefined ? { eidSdkRoot: values['eid-sdk-root'] } : {}),
    ...(values['host-page'] ? { hostPage: values['host-page'] } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
  }
  const result = installWxcomponents(opts)
  console.log(formatReport(result, opts))
  // Files left alone or pages.json entries that disagree need the user's attention.
  const conflicts = result.files.kept.length + result.pagesJson.changes.filter((c) => c.kind.endsWith('-differs')).length
  return conflicts > 0 ? 1 : 0
}

if (isMain(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (error) {
    console.error(`faceid-kit install-wxcomponents: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 2
  }
}

