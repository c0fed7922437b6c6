// @vitest-environment node
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'jsonc-parser'
import { MANIFEST_NAME } from '../scripts/lib/owned-files.mjs'
import { formatReport, installWxcomponents, setNormalPath } from '../scripts/install-wxcomponents.mjs'

const SCRIPT = resolve(__dirname, '../scripts/install-wxcomponents.mjs')

const PAGES_JSON = `{
  // the user's own comment must survive
  "pages": [
    { "path": "pages/index/index", "style": { "navigationBarTitleText": "首页" } }
  ],
  "globalStyle": {
    "navigationBarTitleText": "demo"
  }
}
`

let root: string
let project: string
let kit: string

function put(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
}
const read = (path: string): string => readFileSync(path, 'utf8')

function makeKit(dir: string): void {
  put(join(dir, 'index.js'), 'module.exports = { kit: 1 }\n')
  for (const name of ['faceid-verify', 'eid-verify']) {
    put(join(dir, name, 'index.js'), `require('../index.js') // ${name}\n`)
    put(join(dir, name, 'index.json'), '{ "component": true, "usingComponents": {} }\n')
    put(join(dir, name, 'index.wxml'), `<button>${name}</button>\n`)
  }
}

function makeUniEidSdk(dir: string): void {
  put(join(dir, 'main.js'), 'export function initEid() {}\nexport function startEid() {}\n')
  put(join(dir, 'globalConfig.js'), "export default {\n  normalPath: ''\n}\n")
  put(join(dir, 'index/index.vue'), '<template><view>confirm</view></template>\n')
  put(join(dir, 'protocol/privacy/privacy.vue'), '<template><view>privacy</view></template>\n')
}

function pagesJson(): { pages: { path: string; style?: { usingComponents?: Record<string, string> } }[]; globalStyle: { usingComponents?: Record<string, string> } } {
  return parse(read(join(project, 'pages.json')))
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'faceid-kit-wxc-'))
  project = join(root, 'app', 'src')
  kit = join(root, 'kit')
  makeKit(kit)
  put(join(project, 'pages.json'), PAGES_JSON)
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('install-wxcomponents', () => {
  it('copies the built components and the host page, records them, and only prints the pages.json entries by default', () => {
    const result = installWxcomponents({ projectDir: project, kitDir: kit })

    expect(read(join(project, 'wxcomponents/faceid-kit/faceid-verify/index.js'))).toContain("require('../index.js')")
    expect(read(join(project, 'wxcomponents/faceid-kit/index.js'))).toBe('module.exports = { kit: 1 }\n')
    expect(read(join(project, 'pages/faceid-kit/verify.vue'))).toContain('<verify-mp')
    expect(result.files.written).toContain('wxcomponents/faceid-kit/eid-verify/index.wxml')
    expect(result.files.written).toContain('pages/faceid-kit/verify.vue')
    const manifest = JSON.parse(read(join(project, MANIFEST_NAME))) as { files: Record<string, string> }
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(result.files.written))

    // pages.json is the user's: without --write-pages-json it is not touched.
    expect(read(join(project, 'pages.json'))).toBe(PAGES_JSON)
    expect(result.pagesJson.written).toBe(false)
    expect(result.startPath).toBe('/pages/faceid-kit/verify')
    const hostEntry = result.pagesJson.entries.pages.find((p) => p.path === 'pages/faceid-kit/verify')
    expect(hostEntry?.style).toMatchObject({ usingComponents: { 'verify-mp': '/wxcomponents/verify_mpsdk/indexCom' } })
    expect(result.pagesJson.entries.usingComponents).toEqual({
      'faceid-verify': '/wxcomponents/faceid-kit/faceid-verify/index',
      'eid-verify': '/wxcomponents/faceid-kit/eid-verify/index',
    })
    const report = formatReport(result)
    expect(report).toContain('Add to pages.json')
    expect(report).toContain('"verify-mp": "/wxcomponents/verify_mpsdk/indexCom"')
    expect(report).toContain('verify_mpsdk not found')
  })

  it('merges the entries into pages.json keeping comments, and a second run changes nothing', () => {
    const first = installWxcomponents({ projectDir: project, kitDir: kit, writePagesJson: true, prefix: 'mp-' })
    expect(first.pagesJson.written).toBe(true)
    const text = read(join(project, 'pages.json'))
    expect(text).toContain('// the user\'s own comment must survive')
    const json = pagesJson()
    expect(json.pages[0]?.path).toBe('pages/index/index')
    expect(json.pages.map((p) => p.path)).toContain('pages/faceid-kit/verify')
    expect(json.globalStyle.usingComponents).toEqual({
      'mp-faceid-verify': '/wxcomponents/faceid-kit/faceid-verify/index',
      'mp-eid-verify': '/wxcomponents/faceid-kit/eid-verify/index',
    })

    const second = installWxcomponents({ projectDir: project, kitDir: kit, writePagesJson: true, prefix: 'mp-' })
    expect(second.files.written).toEqual([])
    expect(second.files.updated).toEqual([])
    expect(second.pagesJson.changes).toEqual([])
    expect(second.pagesJson.written).toBe(false)
    expect(read(join(project, 'pages.json'))).toBe(text)
    expect(formatReport(second)).toContain('pages.json already has every entry')
  })

  it('never overwrites a file it did not write, nor one of its own that the user edited', () => {
    const userFile = join(project, 'wxcomponents/faceid-kit/faceid-verify/index.wxml')
    put(userFile, '<view>mine</view>\n')
    const first = installWxcomponents({ projectDir: project, kitDir: kit })
    expect(read(userFile)).toBe('<view>mine</view>\n')
    expect(first.files.kept).toEqual(['wxcomponents/faceid-kit/faceid-verify/index.wxml'])

    const hostPage = join(project, 'pages/faceid-kit/verify.vue')
    put(hostPage, read(hostPage) + '<!-- edited -->\n')
    put(join(kit, 'eid-verify/index.wxml'), '<button>new build</button>\n')
    const second = installWxcomponents({ projectDir: project, kitDir: kit })
    expect(read(hostPage)).toContain('<!-- edited -->')
    expect(second.files.kept).toEqual(expect.arrayContaining(['pages/faceid-kit/verify.vue', 'wxcomponents/faceid-kit/faceid-verify/index.wxml']))
    // Its own unedited file does follow the new build.
    expect(second.files.updated).toEqual(['wxcomponents/faceid-kit/eid-verify/index.wxml'])
    expect(read(join(project, 'wxcomponents/faceid-kit/eid-verify/index.wxml'))).toBe('<button>new build</button>\n')
    expect(formatReport(second)).toMatch(/kept — not written by faceid-kit[^\n]*\n {2}/)
  })

  it('removes its own files that a newer build no longer has, unless edited', () => {
    put(join(kit, 'old/a.js'), 'a\n')
    put(join(kit, 'old/b.js'), 'b\n')
    installWxcomponents({ projectDir: project, kitDir: kit })
    rmSync(join(kit, 'old'), { recursive: true })
    put(join(project, 'wxcomponents/faceid-kit/old/b.js'), 'b edited\n')
    const result = installWxcomponents({ projectDir: project, kitDir: kit })
    expect(result.files.removed).toEqual(['wxcomponents/faceid-kit/old/a.js'])
    expect(existsSync(join(project, 'wxcomponents/faceid-kit/old/a.js'))).toBe(false)
    expect(read(join(project, 'wxcomponents/faceid-kit/old/b.js'))).toBe('b edited\n')
  })

  it('installs the SDKs: verify_mpsdk into wxcomponents, the uni-app mp_ecard_sdk under a folder with its pages and normalPath', () => {
    const verifySdk = join(root, 'verify_mpsdk')
    put(join(verifySdk, 'main.js'), 'exports.init = function () {}\n')
    put(join(verifySdk, 'indexCom.json'), '{ "component": true }\n')
    const eidSdk = join(root, 'mp_ecard_sdk')
    makeUniEidSdk(eidSdk)

    const result = installWxcomponents({
      projectDir: project,
      kitDir: kit,
      verifySdkDir: verifySdk,
      eidSdkDir: eidSdk,
      eidSdkRoot: 'pages',
      writePagesJson: true,
    })
    expect(read(join(project, 'wxcomponents/verify_mpsdk/main.js'))).toContain('exports.init')
    expect(read(join(project, 'pages/mp_ecard_sdk/globalConfig.js'))).toBe("export default {\n  normalPath: '/pages'\n}\n")
    // The source SDK folder is not modified.
    expect(read(join(eidSdk, 'globalConfig.js'))).toContain("normalPath: ''")
    const paths = pagesJson().pages.map((p) => p.path)
    expect(paths).toEqual(
      expect.arrayContaining(['pages/mp_ecard_sdk/index/index', 'pages/mp_ecard_sdk/protocol/privacy/privacy']),
    )
    // Protocol pages the SDK does not ship are not registered.
    expect(paths).not.toContain('pages/mp_ecard_sdk/protocol/eid/eid')
    expect(result.notes).toEqual([])
  })

  it('at the project root, normalPath stays empty', () => {
    const eidSdk = join(root, 'mp_ecard_sdk')
    makeUniEidSdk(eidSdk)
    put(join(eidSdk, 'globalConfig.js'), "export default {\n  normalPath: '/wrong'\n}\n")
    installWxcomponents({ projectDir: project, kitDir: kit, eidSdkDir: eidSdk, writePagesJson: true })
    expect(read(join(project, 'mp_ecard_sdk/globalConfig.js'))).toContain("normalPath: ''")
    expect(pagesJson().pages.map((p) => p.path)).toContain('mp_ecard_sdk/index/index')
  })

  it('switching mp_ecard_sdk builds removes its own copy of the other one, and files a newer build dropped', () => {
    const weixinSdk = join(root, 'mp_ecard_sdk_weixin')
    put(join(weixinSdk, 'main.js'), 'exports.initEid = function () {}\n')
    put(join(weixinSdk, 'index/index.wxml'), '<view>confirm</view>\n')
    installWxcomponents({ projectDir: project, kitDir: kit, eidSdkDir: weixinSdk })
    expect(existsSync(join(project, 'wxcomponents/mp_ecard_sdk/main.js'))).toBe(true)

    const uniSdk = join(root, 'mp_ecard_sdk')
    makeUniEidSdk(uniSdk)
    const toUni = installWxcomponents({ projectDir: project, kitDir: kit, eidSdkDir: uniSdk })
    // Two copies would be two SDKs: the leftover WeChat build is gone, the uni build at the root.
    expect(existsSync(join(project, 'wxcomponents/mp_ecard_sdk'))).toBe(false)
    expect(toUni.files.removed).toEqual(['wxcomponents/mp_ecard_sdk/index/index.wxml', 'wxcomponents/mp_ecard_sdk/main.js'])
    expect(existsSync(join(project, 'mp_ecard_sdk/main.js'))).toBe(true)

    rmSync(join(uniSdk, 'protocol'), { recursive: true })
    const upgraded = installWxcomponents({ projectDir: project, kitDir: kit, eidSdkDir: uniSdk })
    expect(upgraded.files.removed).toEqual(['mp_ecard_sdk/protocol/privacy/privacy.vue'])
    expect(existsSync(join(project, 'mp_ecard_sdk/protocol/privacy/privacy.vue'))).toBe(false)
  })

  it("only tells the user to fix normalPath in an SDK copy it did not write", () => {
    makeUniEidSdk(join(project, 'pages/mp_ecard_sdk'))
    const result = installWxcomponents({ projectDir: project, kitDir: kit, eidSdkRoot: 'pages' })
    expect(read(join(project, 'pages/mp_ecard_sdk/globalConfig.js'))).toContain("normalPath: ''")
    expect(result.notes.join('\n')).toContain("set normalPath to '/pages'")
    expect(result.pagesJson.entries.pages.map((p) => p.path)).toContain('pages/mp_ecard_sdk/index/index')
  })

  it('reports, and leaves, pages.json entries that disagree with the kit', () => {
    put(
      join(project, 'pages.json'),
      JSON.stringify({
        pages: [
          { path: 'pages/index/index' },
          { path: 'pages/faceid-kit/verify', style: { usingComponents: { 'verify-mp': '/elsewhere/indexCom' } } },
        ],
        globalStyle: { usingComponents: { 'faceid-verify': '/components/other' } },
      }),
    )
    const before = read(join(project, 'pages.json'))
    const result = installWxcomponents({ projectDir: project, kitDir: kit, writePagesJson: true })
    expect(result.pagesJson.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'page-differs', key: 'pages/faceid-kit/verify' }),
        expect.objectContaining({ kind: 'component-differs', key: 'faceid-verify', existing: '/components/other' }),
        { kind: 'component-added', key: 'eid-verify' },
      ]),
    )
    const json = pagesJson()
    expect(json.globalStyle.usingComponents?.['faceid-verify']).toBe('/components/other')
    expect(json.pages[1]?.style?.usingComponents).toEqual({ 'verify-mp': '/elsewhere/indexCom' })
    expect(read(join(project, 'pages.json'))).not.toBe(before)
  })

  it('writes nothing in a dry run', () => {
    const result = installWxcomponents({ projectDir: project, kitDir: kit, writePagesJson: true, dryRun: true })
    expect(result.files.written.length).toBeGreaterThan(0)
    expect(existsSync(join(project, 'wxcomponents'))).toBe(false)
    expect(existsSync(join(project, MANIFEST_NAME))).toBe(false)
    expect(read(join(project, 'pages.json'))).toBe(PAGES_JSON)
  })

  it('refuses a folder without pages.json and a kit that was not built', () => {
    expect(() => installWxcomponents({ projectDir: root, kitDir: kit })).toThrow(/no pages\.json/)
    expect(() => installWxcomponents({ projectDir: project, kitDir: join(root, 'nothing') })).toThrow(/npm run build -w miniprogram/)
  })

  it('rejects a pages.json that does not parse', () => {
    put(join(project, 'pages.json'), '{ "pages": [ }')
    expect(() => installWxcomponents({ projectDir: project, kitDir: kit })).toThrow(/pages\.json/)
  })

  it('runs as a CLI: reports the changes, exits 1 when something needs the user', () => {
    const out = execFileSync('node', [SCRIPT, project, '--kit', kit, '--write-pages-json'], { encoding: 'utf8' })
    expect(out).toContain('written')
    expect(out).toContain('pages.json updated:')
    expect(out).toContain('+ page pages/faceid-kit/verify')
    put(join(project, 'pages/faceid-kit/verify.vue'), 'edited\n')
    let status = 0
    try {
      execFileSync('node', [SCRIPT, project, '--kit', kit], { encoding: 'utf8', stdio: 'pipe' })
    } catch (error) {
      status = (error as { status: number }).status
    }
    expect(status).toBe(1)
  })

  it('runs through a symlink, as npm links the bin into node_modules/.bin: --help prints the usage', () => {
    const bin = join(root, 'node_modules/.bin/faceid-kit-install-wxcomponents')
    mkdirSync(dirname(bin), { recursive: true })
    symlinkSync(SCRIPT, bin)
    const usage = execFileSync('node', [bin, '--help'], { encoding: 'utf8' })
    expect(usage).toContain('usage: faceid-kit-install-wxcomponents <uni-app src dir>')
    expect(usage).toContain('--prefix')
    expect(usage).toContain('--uni-module')
    const out = execFileSync('node', [bin, project, '--kit', kit, '--write-pages-json'], { encoding: 'utf8' })
    expect(out).toContain('pages.json updated:')
    expect(existsSync(join(project, 'wxcomponents/faceid-kit/faceid-verify/index.wxml'))).toBe(true)
  })

  it('--uni-module installs the packed Vue route into uni_modules/faceid-kit, under its ledger', () => {
    const packed = join(root, 'packed/faceid-kit')
    put(join(packed, 'package.json'), '{ "id": "faceid-kit" }\n')
    put(join(packed, 'js_sdk/index.ts'), "export * from './core'\n")
    put(join(packed, 'components/faceid-verify/faceid-verify.vue'), '<template><view /></template>\n')
    // src/uni_modules does not exist yet: the installer creates it (a plain `cp -r` would not).
    expect(existsSync(join(project, 'uni_modules'))).toBe(false)
    const result = installWxcomponents({ projectDir: project, kitDir: kit, uniModule: true, uniModuleDir: packed, prefix: 'mp-' })
    expect(read(join(project, 'uni_modules/faceid-kit/js_sdk/index.ts'))).toBe("export * from './core'\n")
    expect(result.files.written).toContain('uni_modules/faceid-kit/components/faceid-verify/faceid-verify.vue')
    expect(result.notes.filter((n) => n.startsWith('warning'))).toEqual([])
    // A file the user changed inside the module is theirs from then on.
    put(join(project, 'uni_modules/faceid-kit/js_sdk/index.ts'), '// mine\n')
    const again = installWxcomponents({ projectDir: project, kitDir: kit, uniModule: true, uniModuleDir: packed, prefix: 'mp-' })
    expect(again.files.kept).toEqual(['uni_modules/faceid-kit/js_sdk/index.ts'])
    expect(() => installWxcomponents({ projectDir: project, kitDir: kit, uniModule: true, uniModuleDir: join(root, 'nothing') })).toThrow(/npm run build -w uniapp/)
  })

  it('warns when both routes would register <faceid-verify> (no --prefix with the Vue route installed)', () => {
    put(join(project, 'uni_modules/faceid-kit/package.json'), '{ "id": "faceid-kit" }\n')
    const clash = installWxcomponents({ projectDir: project, kitDir: kit })
    const warnings = clash.notes.filter((n) => n.startsWith('warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('<faceid-verify>')
    expect(warnings[0]).toContain('--prefix mp-')
    expect(formatReport(clash)).toContain('--prefix mp-')
    const prefixed = installWxcomponents({ projectDir: project, kitDir: kit, prefix: 'mp-' })
    expect(prefixed.notes.filter((n) => n.startsWith('warning'))).toEqual([])
    expect(prefixed.components).toEqual(['mp-faceid-verify', 'mp-eid-verify'])
  })

  it('finds the built components of the installed mini-program kit package by default', () => {
    const result = installWxcomponents({ projectDir: project })
    expect(result.files.written).toContain('wxcomponents/faceid-kit/faceid-verify/index.js')
  })
})

describe('setNormalPath', () => {
  it('replaces the value whatever the quotes, and says when there is none', () => {
    expect(setNormalPath('export default { normalPath: "" }', '/pages')).toBe('export default { normalPath: "/pages" }')
    expect(setNormalPath("export default {\n  normalPath: '/a'\n}", '')).toBe("export default {\n  normalPath: ''\n}")
    expect(setNormalPath('export default {}', '/pages')).toBeUndefined()
  })
})
