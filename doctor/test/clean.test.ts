/**
 * Clean projects report nothing: the two clean fixtures, the kit's own demo mini-program as the
 * miniprogram package builds it (opened through the repository's project.config.json, as DevTools
 * does), and the uni-app example as uniapp/scripts/build-example.mjs prepares it. The demo and the
 * example are built into temporary folders, never into the working tree other tests read.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diagnose, formatReport, type DoctorReport } from '../src/index'
import { cleanupFixtures, materialize } from './support/fixtures'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

interface MiniprogramBuild {
  build(options: { outDir: string; types?: boolean }): Promise<{ kitDir: string; simDir: string; simUniDir: string; demoDir: string }>
}
interface UniappScripts {
  installWxcomponents(options: Record<string, unknown>): { files: { kept: string[] } }
}
interface UniModulePacker {
  packUniModule(outDir: string): void
}

/** The repository's build scripts (plain .mjs), loaded by URL as the uniapp tests' global set-up does. */
async function load<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(path.join(REPO, file)).href)) as T
}

let work: string
let built: Awaited<ReturnType<MiniprogramBuild['build']>>

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'doctor-kit-'))
  const { build } = await load<MiniprogramBuild>('miniprogram/scripts/build.mjs')
  built = await build({ outDir: path.join(work, 'miniprogram') })
})

afterAll(() => {
  cleanupFixtures()
  if (work) rmSync(work, { recursive: true, force: true })
})

function expectClean(report: DoctorReport): void {
  expect(report.findings, formatReport(report)).toEqual([])
  expect(report.ok).toBe(true)
  expect(formatReport(report)).toContain('No problems found.')
}

describe('clean projects report nothing', () => {
  it('a native mini-program with Tencent-shaped SDKs, the kit copied, half-screen and both flows', () => {
    const report = diagnose({ projectDir: materialize('clean-native') })
    expectClean(report)
    expect(report.kind).toBe('miniprogram')
    expect(report.sdks.map((s) => [s.name, s.dir, s.version, s.simulated])).toEqual([
      ['verify_mpsdk', 'verify_mpsdk', 'v1.0.28', false],
      ['mp_ecard_sdk', 'mp_ecard_sdk', '1.0.9', false],
    ])
    expect(report.uses).toEqual({ face: true, eid: true, megvii: false, halfScreen: true, needJumpPage: false })
    expect(report.notes).toEqual([])
  })

  it('a uni-app project with both routes (prefixed wxcomponents), the uni-app build of mp_ecard_sdk and a host page', () => {
    const report = diagnose({ projectDir: materialize('clean-uniapp') })
    expectClean(report)
    expect(report.kind).toBe('uniapp')
    expect(report.sdks.map((s) => [s.name, s.dir, s.version, s.build])).toEqual([
      ['verify_mpsdk', 'wxcomponents/verify_mpsdk', 'v1.0.28', undefined],
      ['mp_ecard_sdk', 'mp_ecard_sdk', 'uni_1.0.5', 'uni'],
    ])
  })

  it('prints the request domains to whitelist, the server origin from the code first', () => {
    const report = diagnose({ projectDir: materialize('clean-native') })
    expect(report.domains).toEqual({
      request: ['https://api.example.com', 'https://faceid.qq.com', 'https://faceid.qcloud.com', 'https://eid.faceid.qq.com', 'https://eid-enhance.faceid.qq.com'],
      socket: ['wss://idcloudread.eidlink.com'],
      business: [],
    })
    expect(formatReport(report)).toMatch(/request  https:\/\/eid-enhance\.faceid\.qq\.com/)
  })
})

describe("the kit's own demo and uni-app example pass the doctor", () => {
  it('the demo mini-program (miniprogram/demo, built), opened through the repository root’s project.config.json', () => {
    // The repository root as DevTools opens it: project.config.json with miniprogramRoot miniprogram/demo/dist/.
    const root = path.join(work, 'repository-root')
    mkdirSync(path.join(root, 'miniprogram/demo'), { recursive: true })
    cpSync(path.join(REPO, 'project.config.json'), path.join(root, 'project.config.json'))
    cpSync(built.demoDir, path.join(root, 'miniprogram/demo/dist'), { recursive: true })

    const report = diagnose({ projectDir: root })
    expectClean(report)
    expect(report.root).toBe(path.join(root, 'miniprogram/demo/dist'))
    expect(report.sdks.map((s) => [s.name, s.simulated])).toEqual([
      ['verify_mpsdk', true],
      ['mp_ecard_sdk', true],
    ])
    // urlCheck is off in that project.config.json: accepted only because the SDKs are the sandbox's.
    expect(report.notes.join('\n')).toMatch(/project\.config\.json:\d+ turns urlCheck off: accepted while only faceid-kit's simulated SDKs/)
    // The same demo folder given directly.
    expectClean(diagnose({ projectDir: built.demoDir }))
  })

  it('the uni-app example (uniapp/example/src, prepared as build-example does: uni_modules, wxcomponents, the uni-app mp_ecard_sdk, Megvii’s faceid-components)', async () => {
    const project = path.join(work, 'uniapp-example')
    cpSync(path.join(REPO, 'uniapp/example/src'), path.join(project, 'src'), {
      recursive: true,
      // What the example's own preparation generates (git-ignored there) is made fresh below.
      filter: (from) => !/[\\/](wxcomponents|uni_modules|mp_ecard_sdk|\.faceid-kit-manifest\.json)$/.test(from) && !from.endsWith(path.join('pages', 'faceid-kit')),
    })
    const { packUniModule } = await load<UniModulePacker>('uniapp/scripts/pack-uni-module.mjs')
    const { installWxcomponents } = await load<UniappScripts>('uniapp/scripts/install-wxcomponents.mjs')
    packUniModule(path.join(project, 'src/uni_modules/faceid-kit'))
    const result = installWxcomponents({
      projectDir: path.join(project, 'src'),
      kitDir: built.kitDir,
      verifySdkDir: path.join(built.simDir, 'verify_mpsdk'),
      eidSdkDir: path.join(built.simUniDir, 'mp_ecard_sdk'),
      prefix: 'mp-',
      writePagesJson: true,
    })
    expect(result.files.kept).toEqual([])
    // Megvii's package, the user's own copy: the simulated one, where the example's Megvii page registers it.
    cpSync(path.join(built.simDir, 'faceid-components'), path.join(project, 'src/wxcomponents/faceid-components'), { recursive: true })

    // `faceid-kit doctor uniapp/example` finds src/pages.json; `… uniapp/example/src` is the root itself.
    for (const dir of [project, path.join(project, 'src')]) {
      const report = diagnose({ projectDir: dir })
      expectClean(report)
      expect(report.kind).toBe('uniapp')
      expect(report.root).toBe(path.join(project, 'src'))
      expect(report.uses).toMatchObject({ face: true, eid: true, megvii: true, halfScreen: true })
      expect(report.sdks.map((s) => [s.dir, s.simulated, s.build])).toEqual([
        ['wxcomponents/verify_mpsdk', true, undefined],
        ['mp_ecard_sdk', true, 'uni'],
      ])
    }
  })
})

describe('what the project uses', () => {
  it("an `embedded` property outside the kit's eID options is not a request for half-screen", () => {
    const dir = materialize('clean-native')
    // mp_ecard_sdk 1.0.7 has no half-screen: only a real request for it would be a problem.
    writeFileSync(path.join(dir, 'mp_ecard_sdk/constants/log.js'), "export const Log = { version: '1.0.7' }\n")
    writeFileSync(path.join(dir, 'pages/index/index.wxml'), '<faceid-verify />\n')
    writeFileSync(path.join(dir, 'pages/eid/index.js'), "const layout = { embedded: true }\nPage({ data: { layout } })\n")
    const report = diagnose({ projectDir: dir })
    expect(report.uses.halfScreen).toBe(false)
    expect(report.findings).toEqual([])
  })
})
