/**
 * The tap-handler analysis on small pages: what counts as "after an await" (and what does not),
 * followed through page methods, module functions and callbacks, on WXML pages and .vue files.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { diagnose, type Finding } from '../src/index'
import { cleanupFixtures, materialize, writeProject } from './support/fixtures'
import { cpSync, mkdirSync, writeFileSync as writeFile } from 'node:fs'
import path from 'node:path'

afterAll(() => cleanupFixtures())

function writeFileSync(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFile(file, text)
}

/** The clean native fixture with pages/eid/index.js replaced; returns the tap-handler findings. */
function nativeEidPage(script: string, wxml = '<button bindtap="onTap">E证通</button>\n'): Finding[] {
  const dir = materialize('clean-native')
  writeFileSync(path.join(dir, 'pages/eid/index.js'), script)
  writeFileSync(path.join(dir, 'pages/eid/index.wxml'), wxml)
  return diagnose({ projectDir: dir }).findings.filter((f) => f.check === 'tap-handler')
}

/** The clean uni-app fixture with pages/eid/index.vue replaced. */
function uniEidPage(vue: string): Finding[] {
  const dir = materialize('clean-uniapp')
  writeFileSync(path.join(dir, 'pages/eid/index.vue'), vue)
  return diagnose({ projectDir: dir }).findings.filter((f) => f.check === 'tap-handler')
}

const IMPORT = "import { startEid } from '../../mp_ecard_sdk/main'\n"
const START = "startEid({ data: { token }, verifyDoneCallback() {} })"

describe('not reported: the start is in the synchronous part of the tap', () => {
  it.each([
    ['an await after the start', `Page({ async onTap() { const token = this.data.token; ${START}; await this.log() } })`],
    ['an await in the other branch of an if', `Page({ async onTap() { const token = this.data.token; if (!token) { await this.refresh() } else { ${START} } } })`],
    ['an await in a branch that returns first', `Page({ async onTap() { const token = this.data.token; if (!token) { await this.refresh(); return } ${START} } })`],
    ['an await in the other arm of ?:', `Page({ async onTap() { const token = this.data.token; token ? ${START} : await this.refresh() } })`],
    ['an await inside a function that is only defined there', `Page({ onTap() { const later = async () => { await this.refresh() }; const token = this.data.token; ${START} } })`],
    ['a synchronous callback (forEach)', `Page({ onTap() { [this.data.token].forEach((token) => ${START}) } })`],
    ['an async function that is not a tap handler', `Page({ async onShow() { const token = await this.fetch(); ${START} }, onTap() {} })`],
  ])('%s', (_name, page) => {
    expect(nativeEidPage(IMPORT + page)).toEqual([])
  })
})

describe('reported: the start comes after the tap is over', () => {
  it.each([
    ['an await before it', `Page({ async onTap() { const token = await this.fetch()\n  ${START} } })`, /after an await \(line 2\)/],
    ['an await in its own arguments', `Page({ async onTap() { startEid({ data: { token: await this.fetch() }, verifyDoneCallback() {} }) } })`, /after an await/],
    ['a for await loop before it', `Page({ async onTap() { for await (const token of this.tokens()) {}\n  const token = 1\n  ${START} } })`, /after an await/],
    ['a setTimeout callback', `Page({ onTap() { const token = this.data.token; setTimeout(() => ${START}, 0) } })`, /a setTimeout\(\) callback/],
    ['a wx.request success callback', `Page({ onTap() { wx.request({ url: 'https://api.example.com/t', success: (res) => { const token = res.data; ${START} } }) } })`, /the success callback of wx\.request\(\)/],
    ['an async module function awaited before it', `async function fetchToken() { return 't' }\nasync function go() { const token = await fetchToken()\n  ${START} }\nPage({ onTap() { go() } })`, /after an await \(line 3\).*through go\(\)/],
    ['a page method called after an await', `Page({ async onTap() { await this.refresh(); this.launch('t') }, launch(token) { ${START} } })`, /through this\.launch\(\)/],
    ['a prepareEid() awaited in the tap', `import { prepareEid } from 'faceid-kit'\nPage({ async onTap() { const prepared = await prepareEid({}); prepared.start({}) } })`, /prepared\.start\(\) runs after an await/],
  ])('%s', (_name, page, message) => {
    const findings = nativeEidPage(IMPORT + page)
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ severity: 'error', file: 'pages/eid/index.js' })
    expect(findings[0]?.message).toMatch(message)
  })

  it('catch:tap and bind:tap are taps too; a dynamic handler name is not followed', () => {
    const page = `${IMPORT}Page({ async a() { const token = await this.f(); ${START} }, async b() { const token = await this.f(); ${START} } })`
    expect(nativeEidPage(page, '<view catch:tap="a" />\n<view bindtap="{{name}}" />\n')).toHaveLength(1)
    expect(nativeEidPage(page, '<view bind:tap="b" />\n')).toHaveLength(1)
  })

  it('a Component page: handlers in methods', () => {
    const findings = nativeEidPage(`${IMPORT}Component({ methods: { async onTap() { const token = await this.f(); ${START} } } })`)
    expect(findings.map((f) => f.line)).toEqual([2])
  })
})

describe("into the project's own modules", () => {
  it.each([
    ['an ES module function (relative import)', "import { launch } from '../../utils/eid'", `export function launch(token) {\n  ${START}\n}\n`],
    ['a default export', "import launch from '../../utils/eid.js'", `export default function (token) {\n  ${START}\n}\n`],
    ['CommonJS (require, module.exports)', "const { launch } = require('/utils/eid')", `function launch(token) {\n  ${START}\n}\nmodule.exports = { launch }\n`],
  ])('%s, called after an await in the tap: reported where the start is', (_name, importLine, module) => {
    const dir = materialize('clean-native')
    writeFileSync(path.join(dir, 'utils/eid.js'), `${IMPORT}${module}`)
    writeFileSync(path.join(dir, 'pages/eid/index.js'), `${importLine}\nPage({\n  async onTap() {\n    const { token } = await getApp().api.createToken('eid')\n    launch(token)\n  },\n})\n`)
    const findings = diagnose({ projectDir: dir }).findings.filter((f) => f.check === 'tap-handler')
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ severity: 'error', file: 'utils/eid.js', line: 3 })
    expect(findings[0]?.message).toMatch(/startEid\(\) runs after an await \(pages\/eid\/index\.js:4\).*through launch\(\)/)
  })

  it('the same module function called synchronously in the tap is fine', () => {
    const dir = materialize('clean-native')
    writeFileSync(path.join(dir, 'utils/eid.js'), `${IMPORT}export function launch(token) {\n  ${START}\n}\n`)
    writeFileSync(path.join(dir, 'pages/eid/index.js'), "import { launch } from '../../utils/eid'\nPage({ onTap() { launch(this.data.token) } })\n")
    expect(diagnose({ projectDir: dir }).findings).toEqual([])
  })

  it("uni-app's @/ alias; an await inside the imported function itself", () => {
    const findings = uniEidPage(`<template><button data-eventsync="true" @click="go">go</button></template>
<script setup lang="ts">
import { go } from '@/services/eid'
</script>
`)
    expect(findings).toEqual([])
    const dir = materialize('clean-uniapp')
    writeFileSync(path.join(dir, 'services/eid.ts'), `import { startEid } from '../mp_ecard_sdk/main'\nexport async function go() {\n  const token = await fetch('x')\n  startEid({ data: { token }, verifyDoneCallback() {} })\n}\n`)
    writeFileSync(path.join(dir, 'pages/eid/index.vue'), `<template><button data-eventsync="true" @click="go">go</button></template>\n<script setup lang="ts">\nimport { go } from '@/services/eid'\n</script>\n`)
    const found = diagnose({ projectDir: dir }).findings.filter((f) => f.check === 'tap-handler')
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ file: 'services/eid.ts', line: 4 })
    expect(found[0]?.message).toMatch(/after an await \(line 3\)/)
  })
})

describe('.vue files', () => {
  it('an inline async arrow in @click', () => {
    const findings = uniEidPage(`<template>
  <button data-eventsync="true" @click="async () => { await refresh(); start() }">go</button>
</template>
<script setup lang="ts">
import { useEidVerify } from '@/uni_modules/faceid-kit/js_sdk'
declare function refresh(): Promise<void>
const { start } = useEidVerify()
</script>
`)
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ severity: 'error', file: 'pages/eid/index.vue', line: 2 })
  })

  it('the options API: a method that awaits, then calls startEid; uses a renamed start from useEidVerify', () => {
    const options = uniEidPage(`<template><button data-eventsync="true" @tap="go">go</button></template>
<script>
import { startEid } from '../../mp_ecard_sdk/main'
export default {
  methods: {
    async go() {
      const token = await this.fetchToken()
      startEid({ data: { token }, verifyDoneCallback() {} })
    },
  },
}
</script>
`)
    expect(options.map((f) => [f.line, f.severity])).toEqual([[8, 'error']])

    const renamed = uniEidPage(`<template><button @click="launch">go</button></template>
<script setup>
import { useEidVerify } from '@/uni_modules/faceid-kit/js_sdk'
const { start: launch } = useEidVerify()
</script>
`)
    expect(renamed).toHaveLength(1)
    expect(renamed[0]?.message).toMatch(/no data-eventsync="true"/)
  })

  it('a face verification through the kit (verifyFace) may be awaited: not a start of its own', () => {
    expect(
      uniEidPage(`<template><button @click="go">go</button></template>
<script setup>
import { verifyFace } from '@/uni_modules/faceid-kit/js_sdk'
async function go() { await verifyFace({}); await verifyFace({}) }
</script>
`),
    ).toEqual([])
  })
})

describe('code outside the project is not analysed', () => {
  it("a tap handler inside the SDK folder or the kit copy is Tencent's or the kit's business", () => {
    const dir = materialize('clean-native')
    cpSync(path.join(dir, 'pages/eid'), path.join(dir, 'mp_ecard_sdk/demo'), { recursive: true })
    writeFileSync(path.join(dir, 'mp_ecard_sdk/demo/index.js'), `${IMPORT}Page({ async onTap() { const token = await f(); ${START} } })`)
    writeFileSync(path.join(dir, 'faceid-kit/eid-verify/index.wxml'), '<button bindtap="onTap" />')
    writeFileSync(path.join(dir, 'faceid-kit/eid-verify/index.js'), `Component({ methods: { async onTap() { await f(); startEid({}) } } })`)
    expect(diagnose({ projectDir: dir }).findings.filter((f) => f.check === 'tap-handler')).toEqual([])
  })

  it('an unparsable script is skipped, not a crash', () => {
    const dir = writeProject({
      'app.json': JSON.stringify({ pages: ['pages/a/index'] }),
      'pages/a/index.wxml': '<button bindtap="onTap" />',
      'pages/a/index.js': 'Page({ onTap( { startEid(',
    })
    expect(() => diagnose({ projectDir: dir })).not.toThrow()
  })
})
