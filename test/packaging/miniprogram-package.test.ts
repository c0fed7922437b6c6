// @vitest-environment jsdom
/**
 * The mini-program kit as a partner gets it: `npm pack -w miniprogram` in a fresh clone, the
 * tarball installed into a new native mini-program project, WeChat's own 构建 npm
 * (miniprogram-ci's packNpm, offline), and the components loaded from the generated
 * miniprogram_npm in miniprogram-simulate. Heavy tools run in child processes; the test itself
 * only renders and taps.
 */
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import simulate from 'miniprogram-simulate'
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from 'vitest'
import { FakeWx } from '../../miniprogram/test/helpers/fake-wx'
import { forgetModules, loadEidSim, loadFaceSim, type KitModule } from '../../miniprogram/test/helpers/load'
import type { MountedComponent } from '../../miniprogram/test/helpers/mounted'
import { ServerStub } from '../../miniprogram/test/helpers/server-stub'
import { flush } from '../../miniprogram/test/helpers/track'
import { REPO, freshClone, packWorkspaces, run, tarballFiles } from './fresh-clone'

const nodeRequire = createRequire(import.meta.url)
const APPID = 'wx0123456789abcdef'

interface PackageJson {
  name: string
  private?: boolean
  license?: string
  repository?: { url?: string; directory?: string }
  engines?: { node?: string }
  files?: string[]
  miniprogram?: string
  main?: string
  types?: string
  exports?: Record<string, string | Record<string, string>>
  dependencies?: Record<string, string>
}

let work: string
let cleanupClone: () => void
let tarball: string
let files: string[]
let manifest: PackageJson
let project: string
let npmDir: string
let simDir: string

function put(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

/** A new native mini-program project, as WeChat DevTools creates one, using the kit from npm. */
function createProject(dir: string): void {
  put(path.join(dir, 'project.config.json'), JSON.stringify({ appid: APPID, compileType: 'miniprogram', projectname: 'packaging', libVersion: '3.4.0', setting: { es6: true } }, null, 2))
  put(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }, null, 2))
  put(path.join(dir, 'app.js'), "const kit = require('@faceid-kit/miniprogram')\nkit.configure({ baseUrl: 'https://api.example.com' })\nApp({})\n")
  put(
    path.join(dir, 'pages/index/index.json'),
    JSON.stringify({ usingComponents: { 'faceid-verify': '@faceid-kit/miniprogram/faceid-verify/index', 'eid-verify': '@faceid-kit/miniprogram/eid-verify/index' } }, null, 2),
  )
  put(path.join(dir, 'pages/index/index.wxml'), '<faceid-verify bind:result="onResult" />\n<eid-verify bind:result="onResult" />\n')
  put(path.join(dir, 'pages/index/index.js'), 'Page({ onResult(e) { console.log(e.detail) } })\n')
  put(path.join(dir, 'pages/index/index.wxss'), '')
  put(path.join(dir, 'package.json'), JSON.stringify({ name: 'packaging-miniprogram', version: '1.0.0', private: true }, null, 2))
  // miniprogram-ci signs with the upload key even for packNpm: any RSA key does offline.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  put(path.join(dir, `private.${APPID}.key`), privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
}

/** The shell block of step 1 of "## Install" in miniprogram/README.md. */
function readmeInstallCommands(): string[] {
  const text = readFileSync(path.join(REPO, 'miniprogram/README.md'), 'utf8')
  const install = text.slice(text.indexOf('## Install'))
  const step = install.slice(install.indexOf('1. **The kit.**'), install.indexOf('2. **'))
  const block = /```sh\n([\s\S]*?)```/.exec(step)?.[1]
  if (!block) throw new Error('miniprogram/README.md: no sh block in step 1 of "## Install"')
  return block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
}

/** WeChat's 构建 npm, through the official miniprogram-ci (in its own process: it is large and global-happy). */
function packNpm(dir: string): void {
  const script = `
const ci = require(${JSON.stringify(nodeRequire.resolve('miniprogram-ci'))})
const project = new ci.Project({
  appid: ${JSON.stringify(APPID)},
  type: 'miniProgram',
  projectPath: ${JSON.stringify(dir)},
  privateKeyPath: ${JSON.stringify(path.join(dir, `private.${APPID}.key`))},
  ignores: ['node_modules/**/*'],
})
ci.packNpm(project, { reporter: (info) => console.log(JSON.stringify(info)) }).then(
  (warnings) => { if (warnings && warnings.length) { console.error(JSON.stringify(warnings)); process.exit(3) } },
  (error) => { console.error(error); process.exit(2) },
)
`
  run(process.execPath, ['-e', script], { cwd: dir })
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'faceid-kit-mp-package-'))
  const clone = freshClone(['package.json', '.gitignore', 'tsconfig.base.json', 'shared', 'miniprogram'])
  cleanupClone = clone.cleanup
  // What `npm test` leaves in a working tree must not reach the tarball either.
  put(path.join(clone.dir, 'miniprogram/dist/sim/verify_mpsdk/main.js'), 'module.exports = {}\n')
  put(path.join(clone.dir, 'miniprogram/demo/dist/app.js'), 'App({})\n')
  ;({ miniprogram: tarball } = packWorkspaces(clone.dir, ['miniprogram'], path.join(work, 'tarballs')) as { miniprogram: string })
  files = tarballFiles(tarball)
  manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: work })) as PackageJson

  project = path.join(work, 'project')
  createProject(project)
  // miniprogram/README.md's install command, with the tarball for the not yet published package.
  for (const command of readmeInstallCommands()) {
    const line = command.replace('npm install @faceid-kit/miniprogram', `npm install ${tarball} --prefer-offline --no-audit --no-fund --loglevel=error`)
    run('sh', ['-c', line], { cwd: project })
  }
  packNpm(project)
  npmDir = path.join(project, 'miniprogram_npm', '@faceid-kit', 'miniprogram')

  // The simulated SDKs stand in for Tencent's folders (the kit's own build makes them).
  const simOut = path.join(work, 'sims')
  const buildScript = path.join(REPO, 'miniprogram/scripts/build.mjs')
  run(process.execPath, ['--input-type=module', '-e', `await (await import(${JSON.stringify(buildScript)})).build({ outDir: ${JSON.stringify(simOut)}, demo: false })`], { cwd: REPO })
  simDir = path.join(simOut, 'dist/sim')
}, 300_000)

afterAll(() => {
  cleanupClone?.()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed @faceid-kit/miniprogram tarball', () => {
  it('holds miniprogram_dist (code, templates, types) and nothing from the sources, tests or simulations', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'miniprogram_dist/index.js', 'miniprogram_dist/types/index.d.ts']))
    for (const name of ['faceid-verify', 'eid-verify']) {
      for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(files).toContain(`miniprogram_dist/${name}/index.${ext}`)
    }
    const unexpected = files.filter((f) => !/^(package\.json|README\.md|LICENSE)$/.test(f) && !f.startsWith('miniprogram_dist/'))
    expect(unexpected).toEqual([])
    expect(files.filter((f) => /(^|\/)(src|test|sim|demo|scripts)\//.test(f) || /\.test\.|\.ts$/.test(f.replace(/\.d\.ts$/, '')))).toEqual([])
  })

  it('publishes: no private flag, MIT, repository, engines, files, and an exports map whose targets ship (with types)', () => {
    expect(manifest.private).toBeUndefined()
    expect(manifest.license).toBe('MIT')
    expect(manifest.repository?.url).toContain('github.com/faceid-kit/faceid-kit')
    expect(manifest.engines?.node).toBe('>=20.19')
    expect(manifest.files).toContain('miniprogram_dist')
    expect(manifest.miniprogram).toBe('miniprogram_dist')
    // The front-end kit depends on nothing at run time (its shared types are inlined at build time).
    expect(manifest.dependencies ?? {}).toEqual({})
    const exportsMap = manifest.exports ?? {}
    expect(Object.keys(exportsMap).length).toBeGreaterThan(0)
    for (const [entry, target] of Object.entries(exportsMap)) {
      const targets = typeof target === 'string' ? [target] : Object.values(target)
      for (const t of targets) expect(files, `${entry} → ${t}`).toContain(t.replace(/^\.\//, ''))
      if (entry !== './package.json') expect(typeof target === 'string' ? undefined : target.types, `${entry} has types`).toBeDefined()
    }
    for (const field of [manifest.main, manifest.types]) expect(files).toContain(field)
  })
})

describe('构建 npm (miniprogram-ci packNpm) in a fresh mini-program project', () => {
  it('is what miniprogram/README.md tells a partner to run', () => {
    expect(readmeInstallCommands()).toEqual(['npm install @faceid-kit/miniprogram'])
    expect(JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'))).toMatchObject({ dependencies: { '@faceid-kit/miniprogram': expect.stringContaining('.tgz') } })
  })

  it('puts the components where the page’s usingComponents point', () => {
    const usingComponents = (JSON.parse(readFileSync(path.join(project, 'pages/index/index.json'), 'utf8')) as { usingComponents: Record<string, string> }).usingComponents
    for (const target of Object.values(usingComponents)) {
      // WeChat resolves a package path in usingComponents inside miniprogram_npm.
      for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(existsSync(path.join(project, 'miniprogram_npm', `${target}.${ext}`)), `${target}.${ext}`).toBe(true)
    }
    expect(existsSync(path.join(npmDir, 'index.js'))).toBe(true)
  })

  describe('the components from miniprogram_npm, in miniprogram-simulate', () => {
    let fake: FakeWx
    let server: ServerStub
    let events: { name: string; detail: unknown }[]

    beforeEach(() => {
      vi.useFakeTimers()
      fake = new FakeWx().install()
      server = new ServerStub()
      fake.router = server.route
      events = []
      forgetModules(npmDir, simDir)
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    function mount(name: 'faceid-verify' | 'eid-verify'): MountedComponent {
      const id = simulate.load(path.join(npmDir, name, 'index'), name, { compiler: 'simulate', rootPath: project })
      // What app.js's require('@faceid-kit/miniprogram') resolves to after 构建 npm: the same
      // instance the components require.
      const kit = nodeRequire(path.join(npmDir, 'index.js')) as KitModule
      kit.configure({
        baseUrl: 'https://api.test',
        header: { Authorization: 'Bearer demo' },
        settleDelay: 0,
        loadFaceSdk: () => loadFaceSim(simDir).main,
        loadEidSdk: () => loadEidSim(simDir).main,
      })
      const comp = simulate.render(id, {}) as unknown as MountedComponent
      for (const event of ['start', 'result', 'error', 'cancel']) comp.addEventListener(event, (e) => events.push({ name: event, detail: e.detail }))
      const dom = (globalThis as unknown as { document: { createElement(tag: string): unknown } }).document
      comp.attach(dom.createElement('parent-wrapper'))
      return comp
    }

    it('<faceid-verify> renders and emits start with the token from the server on a tap', async () => {
      const comp = mount('faceid-verify')
      expect(comp.querySelector('.fk-verify').dom.textContent).toContain('开始人脸核身')
      comp.querySelector('.fk-verify').dispatchEvent('tap')
      await flush()
      expect(server.issued).toHaveLength(1)
      expect(events[0]).toEqual({ name: 'start', detail: { token: server.last } })
    })

    it('<eid-verify> renders, fetches its token, jumps on the tap and emits the server’s result', async () => {
      const comp = mount('eid-verify')
      await flush()
      expect(comp.data.ready).toBe(true)
      expect(comp.querySelector('.fk-verify').dom.textContent).toContain('开始 E证通核验')
      const token = server.last
      comp.querySelector('.fk-verify').dispatchEvent('tap')
      await flush()
      expect(fake.jumps).toHaveLength(1)
      server.results.set(token, 'passed')
      fake.eidReturn(token)
      await flush()
      expect(events.map((e) => e.name)).toEqual(['start', 'result'])
      expect(events[1]?.detail).toMatchObject({ token, kind: 'eid', status: 'passed' })
    })
  })
})
