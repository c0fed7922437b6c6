/**
 * Megvii FaceID lite: the doctor knows `<megvii-verify>` and `useMegviiVerify()`, asks for Megvii's
 * own `faceid-components` where they load it from, lists Megvii's domain, and does not take
 * Megvii's component for the kit's face component (uni-app pages often call it `<faceid-verify>`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { diagnose, formatReport, type DoctorReport } from '../src/index'
import { cleanupFixtures, materialize, writeProject } from './support/fixtures'

afterAll(() => cleanupFixtures())

const MEGVII = 'faceid-components/components/index/index'

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  writeFileSync(path.join(dir, file), text)
}

/** A native mini-program that runs only Megvii, through the kit's <megvii-verify>. */
function nativeMegviiOnly(withMegviiPackage: boolean): string {
  return writeProject({
    'app.json': JSON.stringify({ pages: ['pages/index/index'], usingComponents: { 'megvii-verify': '/faceid-kit/megvii-verify/index' } }, null, 2),
    'app.js': "require('./faceid-kit/index').configure({ baseUrl: 'https://api.example.com' })\nApp({})\n",
    'faceid-kit/index.js': 'exports.configure = function () {}\n',
    'pages/index/index.json': '{}\n',
    'pages/index/index.js': 'Page({})\n',
    'pages/index/index.wxml': '<megvii-verify bind:result="onResult" />\n',
    'faceid-kit/megvii-verify/index.js': 'Component({})\n',
    'faceid-kit/megvii-verify/index.wxml': '<megvii-faceid wx:if="{{token}}" bizToken="{{token}}" />\n',
    'faceid-kit/megvii-verify/index.json': JSON.stringify({ component: true, usingComponents: { 'megvii-faceid': `/${MEGVII}` } }),
    ...(withMegviiPackage ? { [`${MEGVII}.js`]: 'Component({})\n', [`${MEGVII}.json`]: '{ "component": true }\n' } : {}),
  })
}

/** The clean uni-app fixture (face, E证通, uni_modules/faceid-kit) plus a Megvii page through useMegviiVerify. */
function uniWithMegvii(options: { megviiPackage: boolean; registered: boolean }): string {
  const dir = materialize('clean-uniapp')
  const pages = JSON.parse(readFileSync(path.join(dir, 'pages.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { pages: Array<Record<string, unknown>> }
  pages.pages.push({ path: 'pages/megvii/index', style: options.registered ? { usingComponents: { 'faceid-verify': `/wxcomponents/${MEGVII}` } } : {} })
  write(dir, 'pages.json', JSON.stringify(pages, null, 2))
  write(
    dir,
    'pages/megvii/index.vue',
    `<template>
  <faceid-verify v-if="megvii.showing.value" :token="megvii.token.value" @onFinish="megvii.onFinish" />
  <button v-else @click="start">开始人脸核身</button>
</template>

<script setup lang="ts">
import { useMegviiVerify } from '@/uni_modules/faceid-kit/js_sdk'
const megvii = useMegviiVerify()
async function start() {
  await megvii.verify()
}
</script>
`,
  )
  if (options.megviiPackage) write(dir, `wxcomponents/${MEGVII}.js`, 'Component({})\n')
  return dir
}

const errors = (report: DoctorReport) => report.findings.filter((f) => f.severity === 'error')

describe('Megvii FaceID lite (native)', () => {
  it('passes a project that runs only Megvii, with its package at the root, and lists Megvii\'s domain only', () => {
    const report = diagnose({ projectDir: nativeMegviiOnly(true) })
    expect(report.findings).toEqual([])
    expect(report.uses).toMatchObject({ face: false, eid: false, megvii: true })
    expect(report.domains.request).toEqual(['https://api.example.com', 'https://openapi.faceid.com'])
    // Without a baseUrl in the code, the report still asks for the server's origin: Megvii's domain is not it.
    write(report.root, 'app.js', 'App({})\n')
    const text = formatReport(diagnose({ projectDir: report.root }))
    expect(text).toContain("request  your faceid-kit server's https origin")
    expect(text).toContain('request  https://openapi.faceid.com')
  })

  it('says Megvii\'s faceid-components are missing from the root, where <megvii-verify> loads them', () => {
    const report = diagnose({ projectDir: nativeMegviiOnly(false) })
    expect(report.findings).toEqual([
      expect.objectContaining({ check: 'sdk-missing', severity: 'error', file: 'app.json', message: expect.stringMatching(/no faceid-components folder at the mini-program root/), fix: expect.stringMatching(/Megvii's download centre.*next to app\.json/) }),
    ])
  })

  it('finds a second copy of the kit behind <megvii-verify>, and a registration that points at nothing', () => {
    const dir = nativeMegviiOnly(true)
    const app = JSON.parse(readFileSync(path.join(dir, 'app.json'), 'utf8')) as { usingComponents: Record<string, string> }
    app.usingComponents['megvii-verify'] = '/faceid-kit-old/megvii-verify/index'
    write(dir, 'app.json', JSON.stringify(app, null, 2))
    expect(errors(diagnose({ projectDir: dir }))).toEqual([
      expect.objectContaining({ check: 'components', message: expect.stringMatching(/<megvii-verify> is registered as \/faceid-kit-old\/megvii-verify\/index, but faceid-kit-old\/megvii-verify\/index\.js does not exist/) }),
    ])
  })

  it('takes the kit\'s own <megvii-verify> folder, copied but not registered, for no use of Megvii', () => {
    const dir = materialize('clean-native')
    write(dir, 'faceid-kit/megvii-verify/index.js', 'Component({})\n')
    write(dir, 'faceid-kit/megvii-verify/index.wxml', '<megvii-faceid wx:if="{{token}}" bizToken="{{token}}" />\n')
    write(dir, 'faceid-kit/megvii-verify/index.json', JSON.stringify({ component: true, usingComponents: { 'megvii-faceid': `/${MEGVII}` } }))
    const report = diagnose({ projectDir: dir })
    expect(report.findings).toEqual([])
    expect(report.uses.megvii).toBe(false)
    expect(report.domains.request).not.toContain('https://openapi.faceid.com')
  })
})

describe('Megvii FaceID lite (uni-app)', () => {
  it('passes useMegviiVerify with Megvii\'s component registered on its page, and does not take that <faceid-verify> for the kit\'s', () => {
    const report = diagnose({ projectDir: uniWithMegvii({ megviiPackage: true, registered: true }) })
    expect(report.findings).toEqual([])
    expect(report.uses).toMatchObject({ megvii: true })
    expect(report.domains.request).toContain('https://openapi.faceid.com')
  })

  it('says the package is missing where the page registers it', () => {
    const report = diagnose({ projectDir: uniWithMegvii({ megviiPackage: false, registered: true }) })
    expect(report.findings).toEqual([
      expect.objectContaining({ check: 'sdk-missing', severity: 'error', file: 'pages.json', message: expect.stringMatching(/wxcomponents\/faceid-components\/components\/index\/index\.js does not exist/), fix: expect.stringMatching(/src\/wxcomponents\/faceid-components/) }),
    ])
  })

  it('says no page shows Megvii\'s component', () => {
    const report = diagnose({ projectDir: uniWithMegvii({ megviiPackage: true, registered: false }) })
    expect(report.findings).toEqual([expect.objectContaining({ check: 'pages', severity: 'error', file: 'pages.json', message: expect.stringMatching(/no page registers Megvii's component/) })])
  })

  it('refuses the wxcomponent <megvii-verify>, whose root path uni-app does not copy', () => {
    const dir = uniWithMegvii({ megviiPackage: true, registered: true })
    const pages = JSON.parse(readFileSync(path.join(dir, 'pages.json'), 'utf8')) as { globalStyle: { usingComponents: Record<string, string> } }
    pages.globalStyle.usingComponents['mp-megvii-verify'] = '/wxcomponents/faceid-kit/megvii-verify/index'
    write(dir, 'pages.json', JSON.stringify(pages, null, 2))
    for (const file of ['index.js', 'index.json', 'index.wxml']) write(dir, `wxcomponents/faceid-kit/megvii-verify/${file}`, file.endsWith('.json') ? '{ "component": true }' : '')
    expect(errors(diagnose({ projectDir: dir }))).toEqual([
      expect.objectContaining({ check: 'components', file: 'pages.json', message: expect.stringMatching(/<mp-megvii-verify> is the wxcomponent <megvii-verify>.*uni-app copies nothing/), fix: expect.stringMatching(/useMegviiVerify\(\)/) }),
    ])
  })

  it('without Megvii, says nothing of it', () => {
    const dir = uniWithMegvii({ megviiPackage: false, registered: false })
    rmSync(path.join(dir, 'pages/megvii'), { recursive: true })
    const report = diagnose({ projectDir: dir })
    expect(report.uses.megvii).toBe(false)
    expect(report.domains.request).not.toContain('https://openapi.faceid.com')
  })
})
