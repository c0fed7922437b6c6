/**
 * The server package as a partner gets it: `npm pack -w shared -w server` in a fresh clone (the
 * command server/README.md gives), both tarballs installed with Koa into a scratch project outside
 * the repository, and there
 *   - a plain-JavaScript ESM Koa app and a CommonJS one (`require`, through require(esm)) that mount
 *     `createFaceidKit`, run a verification against the packaged emulator and let the sweeper
 *     finish an abandoned one;
 *   - a TypeScript app that type-checks (strict, NodeNext, library checks on) against the published
 *     declarations.
 * Also `npm start` in the fresh clone: it builds, then runs the compiled JavaScript, and shuts down
 * on SIGTERM. Everything heavy runs in child processes; the clone is packed once per run.
 *
 * On Node 22 and 24, CI runs only the ESM app (`-t 'ESM'`): suites whose tests are all filtered
 * out skip their set-up.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, cleanEnv, freshClone, run, tarballFiles } from './fresh-clone'

interface PackageJson {
  name: string
  version: string
  private?: boolean
  license?: string
  repository?: { url?: string; directory?: string }
  engines?: { node?: string }
  files?: string[]
  bin?: Record<string, string>
  exports?: Record<string, string | Record<string, string>>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** The outcome an app prints as its last line. */
interface AppReport {
  issued: number
  verified: string
  abandoned: { final: boolean; status: string }
  dashboard: typeof DASHBOARD_REPORT
}

/** The dashboard as the apps find it: page and chart library served from the package, data behind the token. */
const DASHBOARD_REPORT = { page: 200, chart: 200, chartIsChartJs: true, refused: 401, started: 2 }

/** Where server/README.md packs to; the test substitutes its own folder. */
const README_PACK_DIR = '/tmp/faceid-kit'
/** What every install in a scratch project adds to the README's commands: the npm cache first, no noise. */
const INSTALL_FLAGS = '--prefer-offline --no-audit --no-fund --loglevel=error'

let work: string
let clone: { dir: string; cleanup(): void }
let tarballs: { shared: string; server: string }
let files: { shared: string[]; server: string[] }
let manifests: { shared: PackageJson; server: PackageJson }

function put(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

/** The `sh` blocks of server/README.md's "## Install" section, as lines without comments. */
function readmeInstallBlocks(): string[][] {
  const text = readFileSync(path.join(REPO, 'server/README.md'), 'utf8')
  const start = text.indexOf('\n## Install\n')
  if (start < 0) throw new Error('server/README.md has no "## Install" section')
  const end = text.indexOf('\n## ', start + 1)
  const section = text.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean),
  )
}

/** Runs a README command in `cwd` (through sh, as a reader would), with the test's pack folder. */
function runReadmeCommand(command: string, cwd: string, extraFlags = ''): string {
  const line = `${command.split(README_PACK_DIR).join(path.join(work, 'tarballs'))} ${extraFlags}`.trim()
  return run('sh', ['-c', line], { cwd, timeout: 300_000 })
}

/**
 * freshClone links the repository's node_modules, whose @faceid-kit/* point at the repository's
 * own folders: here they point at the clone's, so what runs in the clone is the clone's build.
 */
function linkOwnWorkspaces(dir: string, workspaces: string[]): void {
  const link = path.join(dir, 'node_modules')
  const shared = realpathSync(link)
  unlinkSync(link)
  mkdirSync(path.join(link, '@faceid-kit'), { recursive: true })
  for (const entry of readdirSync(shared)) if (entry !== '@faceid-kit') symlinkSync(path.join(shared, entry), path.join(link, entry))
  for (const workspace of workspaces) {
    const { name } = JSON.parse(readFileSync(path.join(dir, workspace, 'package.json'), 'utf8')) as PackageJson
    symlinkSync(path.join(dir, workspace), path.join(link, name))
  }
}

let partnerDir: string | undefined

/**
 * The partner's project, far from the repository (no node_modules above it), with both tarballs
 * installed by server/README.md's command: made on first use, shared by the apps (one install per
 * run; an ESM `app.js`, a CommonJS `app.cjs` and a TypeScript `app.ts` resolve the package alike).
 */
function partnerProject(): string {
  if (partnerDir) return partnerDir
  const dir = path.join(work, 'partner-app')
  put(path.join(dir, 'package.json'), JSON.stringify({ name: 'partner-app', version: '1.0.0', private: true, type: 'module' }, null, 2))
  installPackages(dir)
  partnerDir = dir
  return dir
}

/** server/README.md's install command, with both tarballs for the not yet published packages. */
function installPackages(dir: string): void {
  const blocks = readmeInstallBlocks()
  const fromTarballs = blocks.flat().find((line) => line.startsWith('npm install') && line.includes('.tgz'))
  if (!fromTarballs) throw new Error('server/README.md: no npm install of the tarballs in "## Install"')
  runReadmeCommand(fromTarballs, dir, INSTALL_FLAGS)
  // Node 20 has no node:sqlite: the README's better-sqlite3 line, with this repository's copy
  // (already compiled for this Node) instead of a fresh 3-minute node-gyp build per run.
  if (!hasNodeSqlite()) {
    const sqlite = blocks.flat().find((line) => line.startsWith('npm install better-sqlite3@'))
    if (!sqlite) throw new Error('server/README.md: no npm install of better-sqlite3 for Node 20 in "## Install"')
    const version = /better-sqlite3@(\S+)/.exec(sqlite)![1]!
    const local = path.join(REPO, 'node_modules', 'better-sqlite3')
    expect(JSON.parse(readFileSync(path.join(local, 'package.json'), 'utf8')).version).toBe(version)
    // --ignore-scripts: npm links a local folder and would run its install script, rebuilding the
    // repository's own copy in place (minutes, while other tests load it).
    runReadmeCommand(sqlite.replace(/better-sqlite3@\S+/, local).replace(/#.*$/, ''), dir, `${INSTALL_FLAGS} --ignore-scripts`)
  }
}

/** Whether this Node has the built-in SQLite the embedded ledger prefers. */
function hasNodeSqlite(): boolean {
  return spawnSync(process.execPath, ['-e', "require('node:sqlite')"], { stdio: 'ignore' }).status === 0
}

/**
 * The partner's app: Koa, `createFaceidKit` against the packaged emulator, one verification the
 * user comes back for and one the user abandons (completed at Tencent, never asked for), which
 * only the sweeper can finish. It closes everything and must then exit by itself.
 */
const APP_BODY = `
const dataDir = mkdtempSync(join(tmpdir(), 'faceid-partner-'))
const emulator = createEmulator({ logger: false })
const { url } = await emulator.listen(0, '127.0.0.1')
const kit = await createFaceidKit({
  secretId: SANDBOX_CREDENTIAL.secretId,
  secretKey: SANDBOX_CREDENTIAL.secretKey,
  endpoint: url,
  ruleId: '1',
  merchantId: '0NSJ2106141714',
  resolveUser: (ctx) => ctx.get('x-user') || undefined,
  resolveIdentity: () => ({ name: '张小宝', idCard: '11204416541220243X' }),
  dataKey: randomBytes(32).toString('base64'),
  database: { dataDir },
  sweeper: { intervalSeconds: 0.2, firstFetchAfterSeconds: 0 },
  dashboard: { path: '/ops', auth: { token: 'partner-dashboard-token-0123456789' } },
  logger: false,
})
const app = new Koa()
app.use(kit.routes())
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
const base = 'http://127.0.0.1:' + server.address().port + '/faceid/biz-token'
const headers = { 'x-user': 'partner-user-1', 'content-type': 'application/json' }

async function issue() {
  const res = await fetch(base, { method: 'POST', headers, body: '{}' })
  if (res.status !== 201) throw new Error('POST /faceid/biz-token: ' + res.status + ' ' + (await res.text()))
  return (await res.json()).token
}

const token = await issue()
emulator.complete(token, { outcome: 'passed' })
const result = await (await fetch(base + '/' + token, { headers })).json()

const abandoned = await issue()
emulator.complete(abandoned, { outcome: 'passed' })
let record
for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
  record = await kit.ledger.get(abandoned)
  if (record && record.final) break
}

// The ops dashboard from the installed package: its page, the chart library it serves, its data.
const ops = 'http://127.0.0.1:' + server.address().port + '/ops'
const page = await fetch(ops + '/')
const chart = await fetch(ops + '/assets/chart.umd.min.js')
const refused = await fetch(ops + '/api/overview')
const overview = await (await fetch(ops + '/api/overview', { headers: { authorization: 'Bearer partner-dashboard-token-0123456789' } })).json()
const dashboard = { page: page.status, chart: chart.status, chartIsChartJs: (await chart.text()).includes('Chart.js v4'), refused: refused.status, started: overview.totals.started }

await kit.close()
await new Promise((resolve) => server.close(resolve))
await emulator.close()
rmSync(dataDir, { recursive: true, force: true })
console.log(JSON.stringify({ issued: 2, verified: result.status, abandoned: { final: Boolean(record && record.final), status: record && record.status }, dashboard }))
`

const ESM_APP = `import Koa from 'koa'
import { createFaceidKit } from '@faceid-kit/server'
import { createEmulator, SANDBOX_CREDENTIAL } from '@faceid-kit/server/emulator'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
${APP_BODY}`

const CJS_APP = `const Koa = require('koa')
const { createFaceidKit } = require('@faceid-kit/server')
const { createEmulator, SANDBOX_CREDENTIAL } = require('@faceid-kit/server/emulator')
const { randomBytes } = require('node:crypto')
const { once } = require('node:events')
const { mkdtempSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

async function main() {${APP_BODY.replace(/\n/g, '\n  ')}}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
`

/** The same app in strict TypeScript: what a partner's editor and tsc see of the declarations. */
const TS_APP = `import Koa, { type Context } from 'koa'
import { createFaceidKit } from '@faceid-kit/server'
import { createEmulator, SANDBOX_CREDENTIAL } from '@faceid-kit/server/emulator'

const emulator = createEmulator({ logger: false })
const { url } = await emulator.listen(0, '127.0.0.1')
const kit = await createFaceidKit({
  secretId: SANDBOX_CREDENTIAL.secretId,
  secretKey: SANDBOX_CREDENTIAL.secretKey,
  endpoint: url,
  ruleId: '1',
  merchantId: '0NSJ2106141714',
  resolveUser: (ctx: Context) => ctx.get('x-user') || undefined,
  resolveIdentity: (userId: string) => (userId ? { name: '张小宝', idCard: '11204416541220243X' } : undefined),
  dataKey: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
  database: { dataDir: './.data' },
  sweeper: { intervalSeconds: 0.2, firstFetchAfterSeconds: 0 },
  dashboard: { path: '/ops', auth: { authorize: (ctx: Context) => ctx.get('x-admin') === 'yes' }, unitPrices: { face: 1.5 } },
  logger: false,
})
const app = new Koa()
app.use(kit.routes())
app.listen(3000)

const record = await kit.ledger.get('token')
if (record?.final) {
  const status: string = record.status
  console.log(status)
}
// Undefined when the options turn the sweeper off.
await kit.jobs.sweeper?.runOnce()
emulator.complete('token', { outcome: 'passed' })
await kit.close()
`

/**
 * The `ts` example of server/README.md's "## Mount it…" section, as a partner pastes it, with
 * declarations of the partner's own objects it mentions.
 */
function readmeMountExample(): string {
  const text = readFileSync(path.join(REPO, 'server/README.md'), 'utf8')
  const start = text.indexOf('\n## Mount it')
  if (start < 0) throw new Error('server/README.md has no "## Mount it" section')
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(start))?.[1]
  if (!block) throw new Error('server/README.md: no ts example in "## Mount it"')
  return `${block}\n// The partner's own user records, which the example calls.\ndeclare const users: { kycIdentity(userId: string): { name: string; idCard: string } | undefined }\n`
}

/** Runs `node <file>` in `cwd`; resolves with stdout, rejects with both streams on a non-zero exit. */
function runNode(file: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd, env: cleanEnv(), timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`node ${file} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

function lastLine(stdout: string): AppReport {
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] ?? '') as AppReport
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'faceid-kit-server-package-'))
  clone = freshClone(['package.json', 'package-lock.json', '.gitignore', 'tsconfig.base.json', 'shared', 'server'])
  linkOwnWorkspaces(clone.dir, ['shared', 'server'])
  // What a working tree accumulates must not reach the tarball: a stale build output of a module
  // that no longer exists.
  put(path.join(clone.dir, 'server/dist/src/removed-module.js'), 'export {}\n')

  // server/README.md's pack command, run in the clone.
  const pack = readmeInstallBlocks().flat().find((line) => line.includes('npm pack'))
  if (!pack) throw new Error('server/README.md: no npm pack command in "## Install"')
  runReadmeCommand(pack, clone.dir, '--loglevel=error')

  const manifestOf = (dir: string) => JSON.parse(readFileSync(path.join(clone.dir, dir, 'package.json'), 'utf8')) as PackageJson
  const tarballOf = (m: PackageJson) => path.join(work, 'tarballs', `${m.name.replace(/^@/, '').replace('/', '-')}-${m.version}.tgz`)
  tarballs = { shared: tarballOf(manifestOf('shared')), server: tarballOf(manifestOf('server')) }
  files = { shared: tarballFiles(tarballs.shared), server: tarballFiles(tarballs.server) }
  const packed = (t: string) => JSON.parse(run('tar', ['-xzOf', t, 'package/package.json'], { cwd: work })) as PackageJson
  manifests = { shared: packed(tarballs.shared), server: packed(tarballs.server) }
}, 300_000)

afterAll(() => {
  clone?.cleanup()
  if (work) rmSync(work, { recursive: true, force: true })
}, 120_000)

describe('the packed @faceid-kit/server and @faceid-kit/shared tarballs', () => {
  it('hold the compiled JavaScript with declarations and the docs, and nothing from sources, tests, corpus or a stale build', () => {
    expect(files.server).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'emulator/README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/emulator/index.js', 'dist/emulator/index.d.ts', 'dist/bin/start.js']),
    )
    expect(files.shared).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']))
    for (const [name, list] of Object.entries(files)) {
      const outside = list.filter((f) => !/^(package\.json|README\.md|LICENSE|CATALOG\.md|emulator\/README\.md)$/.test(f) && !f.startsWith('dist/'))
      expect(outside, name).toEqual([])
      // Only .js and .d.ts under dist (and the dashboard page's own HTML and CSS): no TypeScript sources, tests, fixtures or build info.
      expect(list.filter((f) => f.startsWith('dist/') && !/\.(js|d\.ts)$/.test(f) && !/^dist\/src\/dashboard\/page\/[\w-]+\.(html|css)$/.test(f)), name).toEqual([])
      expect(list.filter((f) => /(^|\/)(test|tests|__tests__|corpus|fixtures|examples)\//.test(f) || /\.test\.|\.spec\./.test(f)), name).toEqual([])
    }
    expect(files.server).not.toContain('dist/src/removed-module.js')
    // The dashboard's page, copied by the build next to its compiled router.
    expect(files.server).toEqual(expect.arrayContaining(['dist/src/dashboard/page/index.html', 'dist/src/dashboard/page/dashboard.js', 'dist/src/dashboard/page/dashboard.css']))
    expect(manifests.server.dependencies).toHaveProperty('chart.js')
  })

  it('publish: no private flag, MIT, repository, engines, koa as a peer, shared at the same version', () => {
    for (const [dir, manifest] of Object.entries(manifests)) {
      expect(manifest.private, dir).toBeUndefined()
      expect(manifest.license, dir).toBe('MIT')
      expect(manifest.repository, dir).toMatchObject({ url: expect.stringContaining('github.com/faceid-kit/faceid-kit'), directory: dir })
      expect(manifest.engines?.node, dir).toBe('>=20.19')
    }
    expect(manifests.server.peerDependencies).toHaveProperty('koa')
    expect(manifests.server.dependencies).not.toHaveProperty('koa')
    expect(manifests.server.dependencies?.['@faceid-kit/shared']).toBe(manifests.shared.version)
  })

  it('ship every exports target (with types) and every bin, each bin a node script', () => {
    for (const [dir, manifest] of Object.entries(manifests)) {
      const list = files[dir as keyof typeof files]
      for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
        if (typeof target === 'string') {
          expect(list, `${dir} ${entry}`).toContain(target.replace(/^\.\//, ''))
          continue
        }
        expect(target.types, `${dir} ${entry} has types`).toBeDefined()
        for (const [condition, t] of Object.entries(target)) {
          // The repository's own condition (workspace sources, see tsconfig.base.json) is never set by a partner.
          if (condition === '@faceid-kit/source') continue
          expect(list, `${dir} ${entry} → ${t}`).toContain(t.replace(/^\.\//, ''))
        }
      }
    }
    const bins = Object.entries(manifests.server.bin ?? {})
    expect(bins.map(([name]) => name).sort()).toEqual(
      ['faceid-kit-emulator', 'faceid-kit-import-pglite', 'faceid-kit-purge-personal-data', 'faceid-kit-reconcile', 'faceid-kit-rotate-keys', 'faceid-kit-server', 'faceid-kit-sweep'],
    )
    for (const [name, target] of bins) {
      expect(files.server, name).toContain(target.replace(/^\.\//, ''))
      const head = run('tar', ['-xzOf', tarballs.server, `package/${target.replace(/^\.\//, '')}`], { cwd: work }).split('\n')[0]
      expect(head, name).toBe('#!/usr/bin/env node')
    }
  })

  it('are what server/README.md installs: the npm command with both tarballs in place of the package', () => {
    const lines = readmeInstallBlocks().flat()
    const fromNpm = lines.find((line) => line.startsWith('npm install @faceid-kit/server'))
    const fromTarballs = lines.find((line) => line.startsWith('npm install') && line.includes('.tgz'))
    expect(fromNpm).toBeDefined()
    const inReadme = (t: string) => path.join(README_PACK_DIR, path.basename(t))
    expect(fromTarballs).toBe(fromNpm!.replace('@faceid-kit/server', `${inReadme(tarballs.shared)} ${inReadme(tarballs.server)}`))
  })
})

describe('a plain-JavaScript ESM Koa app with both tarballs installed', () => {
  let project: string
  beforeAll(() => {
    project = partnerProject()
    put(path.join(project, 'app.js'), ESM_APP)
  }, 300_000)

  it('installed the tarballs, not the workspace folders', () => {
    const installed = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect(installed.dependencies['@faceid-kit/server']).toMatch(/\.tgz$/)
    expect(installed.dependencies['@faceid-kit/shared']).toMatch(/\.tgz$/)
    expect(existsSync(path.join(project, 'node_modules/@faceid-kit/server/src'))).toBe(false)
  })

  it('mounts createFaceidKit: a verification against the emulator passes and the sweeper finishes an abandoned one', async () => {
    const report = lastLine(await runNode('app.js', project))
    expect(report).toEqual({ issued: 2, verified: 'passed', abandoned: { final: true, status: 'passed' }, dashboard: DASHBOARD_REPORT })
  }, 120_000)

  it('runs the emulator command from node_modules/.bin (through its symlink)', () => {
    const help = run(path.join(project, 'node_modules/.bin/faceid-kit-emulator'), ['--help'], { cwd: project })
    expect(help).toMatch(/usage/i)
  })
})

describe('a CommonJS Koa app that require()s the package (require(esm), Node ≥ 20.19)', () => {
  let project: string
  beforeAll(() => {
    project = partnerProject()
    put(path.join(project, 'app.cjs'), CJS_APP)
  }, 300_000)

  it('mounts createFaceidKit: a verification against the emulator passes and the sweeper finishes an abandoned one', async () => {
    const report = lastLine(await runNode('app.cjs', project))
    expect(report).toEqual({ issued: 2, verified: 'passed', abandoned: { final: true, status: 'passed' }, dashboard: DASHBOARD_REPORT })
  }, 120_000)
})

describe('a strict TypeScript app (module NodeNext) compiled with tsc', () => {
  let project: string
  beforeAll(() => {
    project = partnerProject()
    // server/README.md's TypeScript line: the compiler and Koa's types (ours ship in the package).
    const typescript = readmeInstallBlocks().flat().find((line) => line.startsWith('npm install') && line.includes('typescript'))
    if (!typescript) throw new Error('server/README.md: no TypeScript install line in "## Install"')
    // --ignore-scripts: the compiler and types have none, and npm would otherwise run the linked
    // better-sqlite3's build again (see installPackages).
    runReadmeCommand(typescript, project, `${INSTALL_FLAGS} --ignore-scripts`)
    put(
      path.join(project, 'tsconfig.json'),
      JSON.stringify(
        // skipLibCheck off: the published declarations themselves are checked, as they resolve here.
        { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'dist' }, include: ['app.ts', 'readme-example.ts'] },
        null,
        2,
      ),
    )
    put(path.join(project, 'app.ts'), TS_APP)
    put(path.join(project, 'readme-example.ts'), readmeMountExample())
  }, 300_000)

  it('type-checks against the published declarations with zero errors, and so does server/README.md’s example', () => {
    let output = ''
    try {
      output = run(path.join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, timeout: 180_000 })
    } catch (error) {
      output = (error as Error).message
    }
    expect(output.split('\n').filter((line) => /error TS\d+/.test(line))).toEqual([])
    expect(existsSync(path.join(project, 'dist/app.js'))).toBe(true)
    expect(existsSync(path.join(project, 'dist/readme-example.js'))).toBe(true)
  }, 180_000)
})

describe('npm start in a fresh clone', () => {
  /** A port nobody listens on now. */
  async function freePort(): Promise<number> {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve))
    return port
  }

  async function portIsFree(port: number): Promise<boolean> {
    const probe = createServer()
    return new Promise((resolve) => {
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
    })
  }

  it('builds first, runs the compiled JavaScript (not tsx), answers /health and exits 0 on SIGTERM with its port free', async () => {
    // No build output, as after git clone: `npm start` must build shared and server itself.
    for (const dir of ['shared/dist', 'server/dist']) rmSync(path.join(clone.dir, dir), { recursive: true, force: true })
    const port = await freePort()
    const dataDir = path.join(work, 'start-data')
    const child = spawn('npm', ['start'], {
      cwd: clone.dir,
      env: cleanEnv({ PORT: String(port), FACEID_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: whatever it leaves behind when the test fails can be ended with it.
      detached: true,
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      let health: Response | undefined
      for (const deadline = Date.now() + 150_000; Date.now() < deadline && child.exitCode === null; await new Promise((r) => setTimeout(r, 250))) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)
        if (health) break
      }
      expect(health?.status, output).toBe(200)
      expect(existsSync(path.join(clone.dir, 'server/dist/bin/start.js'))).toBe(true)
      expect(existsSync(path.join(clone.dir, 'shared/dist/index.js'))).toBe(true)
      // The process behind the port is node running the build output.
      expect(output).toMatch(/node --max-semi-space-size=\d+ dist\/bin\/start\.js/)
      expect(output).not.toContain('tsx')

      child.kill('SIGTERM')
      expect(await exited, output).toBe(0)
      expect(await portIsFree(port)).toBe(true)
      // Nothing of it is left running (npm, sh or the server).
      expect(() => process.kill(-child.pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // The group is gone: nothing was left running.
      }
    }
  }, 240_000)
})
