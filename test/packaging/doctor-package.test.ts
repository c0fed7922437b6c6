/**
 * `faceid-kit doctor` as a user gets it: doctor/README.md's pack command in a fresh clone, its
 * install command in a scratch project outside the repository, then `npx faceid-kit doctor` there
 * (the bin through node_modules/.bin, a symlink) on a clean project, a broken one, with --json,
 * and on a folder that does not exist.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, cleanEnv, freshClone, run, tarballFiles } from './fresh-clone'

/** Where doctor/README.md packs to; the test substitutes its own folder. */
const README_PACK_DIR = '/tmp/faceid-kit'
const INSTALL_FLAGS = '--prefer-offline --no-audit --no-fund --loglevel=error'
const FIXTURES = path.join(REPO, 'doctor/test/fixtures')

let work: string
let clone: { dir: string; cleanup(): void }
let tarball: string
let project: string

/** The `sh` lines of doctor/README.md's "## Install" section, without comments. */
function readmeInstallLines(): string[] {
  const text = readFileSync(path.join(REPO, 'doctor/README.md'), 'utf8')
  const start = text.indexOf('\n## Install\n')
  if (start < 0) throw new Error('doctor/README.md has no "## Install" section')
  const end = text.indexOf('\n## ', start + 1)
  return [...text.slice(start, end < 0 ? undefined : end).matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
}

function runReadmeCommand(command: string, cwd: string, extraFlags = ''): string {
  const line = `${command.split(README_PACK_DIR).join(path.join(work, 'tarballs'))} ${extraFlags}`.trim()
  return run('sh', ['-c', line], { cwd, timeout: 300_000 })
}

/** `npx faceid-kit …` in the user's project: stdout, stderr and the exit code. */
function npx(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npx', ['--no-install', 'faceid-kit', ...args], { cwd: project, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A fixture project as a user's folder (the trap fixtures used here are a clean base plus an overlay). */
function fixtureProject(name: string): string {
  const dir = path.join(work, 'projects', name)
  const manifestFile = path.join(FIXTURES, name, 'fixture.json')
  let base = name
  let overlay: string | undefined
  try {
    base = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { base: string }).base
    overlay = path.join(FIXTURES, name, 'overlay')
  } catch {
    // A clean fixture: copied as it is.
  }
  cpSync(path.join(FIXTURES, base), dir, { recursive: true })
  if (overlay) cpSync(overlay, dir, { recursive: true })
  return dir
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'faceid-kit-doctor-package-'))
  clone = freshClone(['package.json', 'package-lock.json', '.gitignore', 'tsconfig.base.json', 'doctor'])
  const pack = readmeInstallLines().find((line) => line.includes('npm pack'))
  if (!pack) throw new Error('doctor/README.md: no npm pack command in "## Install"')
  runReadmeCommand(pack, clone.dir, '--loglevel=error')
  const manifest = JSON.parse(readFileSync(path.join(clone.dir, 'doctor/package.json'), 'utf8')) as { version: string }
  tarball = path.join(work, 'tarballs', `faceid-kit-doctor-${manifest.version}.tgz`)

  project = path.join(work, 'user-project')
  mkdirSync(project, { recursive: true })
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }, null, 2))
  const install = readmeInstallLines().find((line) => line.startsWith('npm install') && line.includes('.tgz'))
  if (!install) throw new Error('doctor/README.md: no npm install of the tarball in "## Install"')
  runReadmeCommand(install, project, INSTALL_FLAGS)
}, 300_000)

afterAll(() => {
  clone?.cleanup()
  if (work) rmSync(work, { recursive: true, force: true })
}, 120_000)

describe('the packed @faceid-kit/doctor', () => {
  it('holds the compiled JavaScript with declarations, the README and the licence, nothing from sources, tests or fixtures', () => {
    const files = tarballFiles(tarball)
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'bin/faceid-kit.js', 'dist/src/main.js', 'dist/src/index.js', 'dist/src/index.d.ts']))
    expect(files.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/faceid-kit\.js)$/.test(f) && !f.startsWith('dist/'))).toEqual([])
    expect(files.filter((f) => f.startsWith('dist/') && !/\.(js|d\.ts)$/.test(f))).toEqual([])
    expect(files.filter((f) => /(^|\/)(test|fixtures)\//.test(f))).toEqual([])
    const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: work })) as { bin: Record<string, string>; private?: boolean; license: string }
    expect(packed.private).toBeUndefined()
    expect(packed.license).toBe('MIT')
    expect(packed.bin).toEqual({ 'faceid-kit': 'bin/faceid-kit.js' })
    expect(run('tar', ['-xzOf', tarball, 'package/bin/faceid-kit.js'], { cwd: work }).split('\n')[0]).toBe('#!/usr/bin/env node')
  })

  it('is what the README installs: the npm command with the tarball in place of the package', () => {
    const lines = readmeInstallLines()
    const fromNpm = lines.find((line) => line.startsWith('npm install') && line.includes('@faceid-kit/doctor'))
    const fromTarball = lines.find((line) => line.startsWith('npm install') && line.includes('.tgz'))
    expect(fromTarball).toBe(fromNpm?.replace('@faceid-kit/doctor', path.join(README_PACK_DIR, path.basename(tarball))))
    const installed = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
    expect(installed.devDependencies['@faceid-kit/doctor']).toMatch(/\.tgz$/)
  })
})

describe('npx faceid-kit doctor in the user’s project', () => {
  it('a clean uni-app project: exit 0, "No problems found."', () => {
    const result = npx(['doctor', fixtureProject('clean-uniapp')])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/mp_ecard_sdk +mp_ecard_sdk +uni_1\.0\.5, uni-app build/)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('No problems found.')
  })

  it('a broken fixture: exit 1, each problem with its fix', () => {
    const result = npx(['doctor', fixtureProject('native-start-after-await')])
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/✗ error {3}\[tap-handler\] pages\/eid\/index\.js:6\n {4}startEid\(\) runs after an await \(line 5\)/)
    expect(result.stdout).toMatch(/fix: Have the EidToken before the tap/)
  })

  it('--json for CI: the report, exit 1 when something is wrong', () => {
    const result = npx(['doctor', '--json', fixtureProject('uniapp-sdk-too-old')])
    expect(result.status).toBe(1)
    const report = JSON.parse(result.stdout) as { ok: boolean; findings: { check: string; fix: string }[] }
    expect(report.ok).toBe(false)
    expect(report.findings).toEqual([expect.objectContaining({ check: 'sdk-version', fix: expect.stringContaining('uni-app build ≥ 1.0.5') })])
  })

  it('a folder that does not exist: exit 2 and a clear message', () => {
    const result = npx(['doctor', 'no-such-folder'])
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('faceid-kit doctor: no such directory: no-such-folder\n')
  })
})
