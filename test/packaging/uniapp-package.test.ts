/**
 * The uni-app kit as a partner gets it: `npm pack -w miniprogram -w uniapp` in a fresh clone (after
 * what `npm test` leaves in a working tree), then a new uni-app project that runs the install
 * block of uniapp/README.md with those tarballs and builds for mp-weixin with the real uni
 * compiler (the example's toolchain, linked in rather than installed a second time).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureExampleDeps } from '../../uniapp/scripts/example-deps.mjs'
import { REPO, cleanEnv, freshClone, listFiles, packWorkspaces, run, tarballFiles } from './fresh-clone'

const EXAMPLE = path.join(REPO, 'uniapp/example')
const README = path.join(REPO, 'uniapp/README.md')

interface PackageJson {
  private?: boolean
  license?: string
  repository?: { url?: string }
  engines?: { node?: string }
  files?: string[]
  bin?: Record<string, string>
  exports?: Record<string, string | Record<string, string>>
  dependencies?: Record<string, string>
}

let work: string
let cleanupClone: () => void
let tarballs: Record<string, string>
let files: string[]
let manifest: PackageJson
let project: string
let installOutput: string
let dist: string

function put(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

/** The shell block of "## 1. Install" in uniapp/README.md, one command per entry. */
function readmeInstallCommands(): string[] {
  const text = readFileSync(README, 'utf8')
  const section = text.slice(text.indexOf('## 1. Install'), text.indexOf('## 2.'))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (!block) throw new Error('uniapp/README.md: no sh block under "## 1. Install"')
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
}

/** The App.vue of "## 3. App.vue" in uniapp/README.md, as a partner copies it. */
function readmeAppVue(): string {
  const text = readFileSync(README, 'utf8')
  const section = text.slice(text.indexOf('## 3. App.vue'), text.indexOf('## 4.'))
  const block = /```vue\n([\s\S]*?)```/.exec(section)?.[1]
  if (!block) throw new Error('uniapp/README.md: no vue block under "## 3. App.vue"')
  return block
}

/** A new uni-app (Vue 3, Vite) project as the CLI template makes one, before faceid-kit. */
function createProject(dir: string): void {
  put(path.join(dir, 'package.json'), JSON.stringify({ name: 'packaging-uniapp', version: '1.0.0', private: true }, null, 2))
  put(path.join(dir, 'vite.config.ts'), "import { defineConfig } from 'vite'\nimport uni from '@dcloudio/vite-plugin-uni'\n\nexport default defineConfig({ plugins: [uni()] })\n")
  put(path.join(dir, 'src/main.ts'), "import { createSSRApp } from 'vue'\nimport App from './App.vue'\n\nexport function createApp() {\n  return { app: createSSRApp(App) }\n}\n")
  put(
    path.join(dir, 'src/manifest.json'),
    JSON.stringify({ name: 'packaging', appid: '', versionName: '1.0.0', versionCode: '100', vueVersion: '3', 'mp-weixin': { appid: 'touristappid', usingComponents: true } }, null, 2),
  )
  put(
    path.join(dir, 'src/pages.json'),
    '{\n  // the first page is the home page\n  "pages": [\n    { "path": "pages/index/index", "style": { "navigationBarTitleText": "首页" } }\n  ],\n  "globalStyle": { "navigationBarTitleText": "packaging" }\n}\n',
  )
  // The README's App.vue itself: its `import … from './mp_ecard_sdk/main'` must resolve in the build.
  put(path.join(dir, 'src/App.vue'), readmeAppVue())
  put(
    path.join(dir, 'src/pages/index/index.vue'),
    `<template>
  <view>
    <faceid-verify @result="onResult" />
    <eid-verify @result="onResult" />
    <mp-faceid-verify start-path="/pages/faceid-kit/verify" @result="onResult" />
    <mp-eid-verify @result="onResult" />
  </view>
</template>

<script setup lang="ts">
function onResult(event: unknown): void {
  console.log(event)
}
</script>
`,
  )
}

/** Links the example's uni-app toolchain into the project's node_modules, next to what npm installed. */
function linkToolchain(dir: string): void {
  const from = path.join(EXAMPLE, 'node_modules')
  const to = path.join(dir, 'node_modules')
  for (const name of readdirSync(from)) {
    if (name.startsWith('.')) continue
    if (name.startsWith('@') && existsSync(path.join(to, name))) {
      for (const sub of readdirSync(path.join(from, name))) {
        if (!existsSync(path.join(to, name, sub))) symlinkSync(path.join(from, name, sub), path.join(to, name, sub), 'dir')
      }
    } else if (!existsSync(path.join(to, name))) {
      symlinkSync(path.join(from, name), path.join(to, name), 'dir')
    }
  }
}

beforeAll(async () => {
  ensureExampleDeps(EXAMPLE)
  work = mkdtempSync(path.join(tmpdir(), 'faceid-kit-uni-package-'))
  const clone = freshClone(['package.json', '.gitignore', 'tsconfig.base.json', 'shared', 'miniprogram', 'uniapp'])
  cleanupClone = clone.cleanup
  // What `npm test` leaves in a working tree: the example with the simulated SDKs and its build,
  // and an earlier pack.
  for (const file of [
    'uniapp/example/src/wxcomponents/verify_mpsdk/main.js',
    'uniapp/example/src/mp_ecard_sdk/main.js',
    'uniapp/example/src/uni_modules/faceid-kit/js_sdk/index.ts',
    'uniapp/example/.faceid-kit/dist/sim/verify_mpsdk/main.js',
    'uniapp/example/dist/build/mp-weixin/app.js',
    'uniapp/dist/uni_modules/faceid-kit/stale.js',
  ]) {
    put(path.join(clone.dir, file), '// left by an earlier run\n')
  }
  tarballs = packWorkspaces(clone.dir, ['miniprogram', 'uniapp'], path.join(work, 'tarballs'))
  files = tarballFiles(tarballs.uniapp as string)
  manifest = JSON.parse(run('tar', ['-xzOf', tarballs.uniapp as string, 'package/package.json'], { cwd: work })) as PackageJson

  // Stand-ins for the SDK folders a partner downloads from the Tencent Cloud console: verify_mpsdk,
  // and mp_ecard_sdk's uni-app build (the simulated one in that build's shape).
  const simOut = path.join(work, 'sims')
  const buildScript = path.join(REPO, 'miniprogram/scripts/build.mjs')
  run(process.execPath, ['--input-type=module', '-e', `await (await import(${JSON.stringify(buildScript)})).build({ outDir: ${JSON.stringify(simOut)}, demo: false })`], { cwd: REPO })
  const downloads = path.join(simOut, 'dist/sim')
  const uniDownloads = path.join(simOut, 'dist/sim-uni')

  project = path.join(work, 'project')
  createProject(project)
  const outputs: string[] = []
  for (const command of readmeInstallCommands()) {
    const line = command
      .replace('npm install -D @faceid-kit/uniapp', `npm install -D ${tarballs.miniprogram} ${tarballs.uniapp} --prefer-offline --no-audit --no-fund --loglevel=error`)
      .replaceAll('~/Downloads/mp_ecard_sdk', `${uniDownloads}/mp_ecard_sdk`)
      .replaceAll('~/Downloads/', `${downloads}/`)
    outputs.push(run('sh', ['-c', line], { cwd: project }))
  }
  installOutput = outputs.join('\n')

  // The uni-app CLI template lists its toolchain in package.json (uni finds its platform plugins
  // there). Here it is linked from the example's install instead of installed again, so it is
  // added only now: npm must never see, or prune through, links into the example's node_modules.
  const example = JSON.parse(readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8')) as PackageJson & { devDependencies?: Record<string, string> }
  const own = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as PackageJson & { devDependencies?: Record<string, string> }
  own.dependencies = { ...example.dependencies, ...own.dependencies }
  own.devDependencies = { ...example.devDependencies, ...own.devDependencies }
  writeFileSync(path.join(project, 'package.json'), JSON.stringify(own, null, 2))
  linkToolchain(project)
  run(path.join(EXAMPLE, 'node_modules/.bin/uni'), ['build', '-p', 'mp-weixin'], { cwd: project, env: cleanEnv({ UNI_PLATFORM: 'mp-weixin' }) })
  dist = path.join(project, 'dist/build/mp-weixin')
}, 600_000)

afterAll(() => {
  cleanupClone?.()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed @faceid-kit/uniapp tarball', () => {
  it('holds the packed uni_module in the DCloud plugin-market layout, the installer, and nothing else', () => {
    const module = 'dist/uni_modules/faceid-kit/'
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', `${module}package.json`, `${module}changelog.md`, `${module}readme.md`, `${module}js_sdk/index.ts`, `${module}js_sdk/core/index.ts`, `${module}components/faceid-verify/faceid-verify.vue`]))
    const allowed = /^(package\.json|README\.md|LICENSE|scripts\/install-wxcomponents\.mjs|scripts\/lib\/[a-z-]+\.mjs|dist\/uni_modules\/faceid-kit\/(package\.json|changelog\.md|readme\.md|js_sdk\/.+\.ts|components\/[a-z-]+\/[a-z-]+\.vue))$/
    expect(files.filter((f) => !allowed.test(f))).toEqual([])
    // No example, simulated SDK, test or stale output.
    expect(files.filter((f) => /(^|\/)(example|wxcomponents|sim|test|stubs?|mp_ecard_sdk|verify_mpsdk)(\/|$)|stale/i.test(f))).toEqual([])
    const moduleManifest = JSON.parse(run('tar', ['-xzOf', tarballs.uniapp as string, `package/${module}package.json`], { cwd: work })) as { id?: string; uni_modules?: { platforms?: unknown }; dcloudext?: unknown }
    expect(moduleManifest.id).toBe('faceid-kit')
    expect(moduleManifest.uni_modules?.platforms).toBeDefined()
    expect(moduleManifest.dcloudext).toBeDefined()
  })

  it('publishes: no private flag, MIT, repository, engines, and every exports and bin target ships', () => {
    expect(manifest.private).toBeUndefined()
    expect(manifest.license).toBe('MIT')
    expect(manifest.repository?.url).toContain('github.com/faceid-kit/faceid-kit')
    expect(manifest.engines?.node).toBe('>=20.19')
    expect(manifest.files?.length).toBeGreaterThan(0)
    const targets = [
      ...Object.values(manifest.exports ?? {}).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
      ...Object.values(manifest.bin ?? {}),
    ]
    expect(targets.length).toBeGreaterThan(1)
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''))
    // The packed module carries the core and its types: no workspace-only package at run time.
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['@faceid-kit/miniprogram', 'jsonc-parser'])
  })
})

describe('a fresh uni-app project, installed as uniapp/README.md says', () => {
  it('runs the README’s commands through the npm bin (the .bin symlink) and reports what it did', () => {
    expect(readmeInstallCommands()[0]).toBe('npm install -D @faceid-kit/uniapp')
    expect(installOutput).toContain('faceid-kit install-wxcomponents')
    expect(installOutput).toContain('pages.json updated')
    expect(installOutput).not.toContain('warning')
    const usage = run(path.join(project, 'node_modules/.bin/faceid-kit-install-wxcomponents'), ['--help'], { cwd: project })
    expect(usage).toContain('usage: faceid-kit-install-wxcomponents')
    expect(usage).toContain('--prefix')
  })

  it('puts the Vue route in src/uni_modules/faceid-kit, the wxcomponents and verify_mpsdk in src/wxcomponents, mp_ecard_sdk in src/mp_ecard_sdk', () => {
    const src = path.join(project, 'src')
    expect(existsSync(path.join(src, 'uni_modules/faceid-kit/js_sdk/index.ts'))).toBe(true)
    expect(existsSync(path.join(src, 'uni_modules/faceid-kit/components/eid-verify/eid-verify.vue'))).toBe(true)
    expect(existsSync(path.join(src, 'wxcomponents/faceid-kit/faceid-verify/index.js'))).toBe(true)
    expect(existsSync(path.join(src, 'wxcomponents/verify_mpsdk/main.js'))).toBe(true)
    // The uni-app build of mp_ecard_sdk goes where App.vue imports it from, with normalPath ''.
    expect(readFileSync(path.join(src, 'App.vue'), 'utf8')).toContain("import { initEid, startEid } from './mp_ecard_sdk/main'")
    expect(existsSync(path.join(src, 'mp_ecard_sdk/index/index.vue'))).toBe(true)
    expect(readFileSync(path.join(src, 'mp_ecard_sdk/globalConfig.js'), 'utf8')).toMatch(/normalPath: ["']["']/)
    expect(existsSync(path.join(src, 'wxcomponents/mp_ecard_sdk'))).toBe(false)
  })

  it('builds for mp-weixin: both routes’ components are in the output under their own names', () => {
    const appJson = JSON.parse(readFileSync(path.join(dist, 'app.json'), 'utf8')) as { pages: string[]; usingComponents?: Record<string, string> }
    expect(appJson.pages).toEqual(['pages/index/index', 'pages/faceid-kit/verify', 'mp_ecard_sdk/index/index'])
    expect(appJson.usingComponents).toEqual({
      'mp-faceid-verify': '/wxcomponents/faceid-kit/faceid-verify/index',
      'mp-eid-verify': '/wxcomponents/faceid-kit/eid-verify/index',
    })
    for (const name of ['faceid-verify', 'eid-verify']) {
      for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(existsSync(path.join(dist, `wxcomponents/faceid-kit/${name}/index.${ext}`)), `${name}.${ext}`).toBe(true)
      for (const ext of ['js', 'json', 'wxml']) {
        expect(existsSync(path.join(dist, `uni_modules/faceid-kit/components/${name}/${name}.${ext}`)), `uni_modules ${name}.${ext}`).toBe(true)
      }
    }
    const page = JSON.parse(readFileSync(path.join(dist, 'pages/index/index.json'), 'utf8')) as { usingComponents: Record<string, string> }
    expect(page.usingComponents).toMatchObject({
      'faceid-verify': '../../uni_modules/faceid-kit/components/faceid-verify/faceid-verify',
      'eid-verify': '../../uni_modules/faceid-kit/components/eid-verify/eid-verify',
    })
    const wxml = readFileSync(path.join(dist, 'pages/index/index.wxml'), 'utf8')
    for (const tag of ['<faceid-verify', '<eid-verify', '<mp-faceid-verify', '<mp-eid-verify']) expect(wxml).toContain(tag)
    expect(readFileSync(path.join(dist, 'pages/faceid-kit/verify.json'), 'utf8')).toContain('/wxcomponents/verify_mpsdk/indexCom')
    // App.vue's import went through the compiler into the app, and the SDK's confirm page is a page.
    expect(readFileSync(path.join(dist, 'app.js'), 'utf8')).toContain('require("./mp_ecard_sdk/main.js")')
    expect(existsSync(path.join(dist, 'mp_ecard_sdk/main.js'))).toBe(true)
    for (const ext of ['js', 'json', 'wxml']) expect(existsSync(path.join(dist, `mp_ecard_sdk/index/index.${ext}`)), `confirm page .${ext}`).toBe(true)
    // The packed core went through the compiler: nothing points back at a workspace package.
    const compiled = listFiles(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(dist, f), 'utf8'))
    expect(compiled.some((text) => text.includes('@faceid-kit/'))).toBe(false)
  })
})
