/**
 * The command line: human output by default, JSON with --json, exit code 0 (clean), 1 (problems),
 * 2 (usage: unknown command or option, missing, unreadable or non-project folder).
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, type DoctorReport } from '../src/index'
import { cleanupFixtures, materialize } from './support/fixtures'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** The command's entry, run from its TypeScript source (the packaging test runs the built one). */
const BIN = path.join(REPO, 'doctor/src/main.ts')

afterAll(() => cleanupFixtures())

function run(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = ''
  let stderr = ''
  const code = runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: '/' })
  return { code, stdout, stderr }
}

describe('faceid-kit doctor', () => {
  it('exits 0 on a clean project and says so', () => {
    const { code, stdout, stderr } = run('doctor', materialize('clean-uniapp'))
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout).toMatch(/\(uni-app\)/)
    expect(stdout).toMatch(/mp_ecard_sdk +mp_ecard_sdk +uni_1\.0\.5, uni-app build/)
    expect(stdout).toMatch(/Domains to whitelist/)
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('No problems found.')
  })

  it('exits 1 on problems, each printed with where, what and the fix', () => {
    const { code, stdout } = run('doctor', materialize('native-start-after-await'))
    expect(code).toBe(1)
    expect(stdout).toMatch(/✗ error {3}\[tap-handler\] pages\/eid\/index\.js:6\n {4}startEid\(\) runs after an await/)
    expect(stdout).toMatch(/\n {4}fix: Have the EidToken before the tap/)
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('1 problem: 1 error, 0 warnings.')
  })

  it('--json prints the report for CI, with the same exit code', () => {
    const { code, stdout } = run('doctor', '--json', materialize('uniapp-url-check-off'))
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as DoctorReport
    expect(report.ok).toBe(false)
    expect(report.kind).toBe('uniapp')
    expect(report.findings).toEqual([expect.objectContaining({ check: 'dev-settings', severity: 'warning', file: 'manifest.json', line: 7 })])
    expect(report.domains.request).toContain('https://faceid.qq.com')

    const clean = run('doctor', materialize('clean-native'), '--json')
    expect(clean.code).toBe(0)
    expect((JSON.parse(clean.stdout) as DoctorReport).findings).toEqual([])
  })

  it('--help prints the usage and exits 0', () => {
    for (const args of [['--help'], ['doctor', '--help'], ['-h']]) {
      const { code, stdout } = run(...args)
      expect(code).toBe(0)
      expect(stdout).toMatch(/^usage: faceid-kit doctor <project dir> \[--json\]/)
    }
  })
})

describe('usage errors exit 2 with a clear message on stderr', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'doctor-cli-'))
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it.each([
    [[], /missing command/],
    [['lint', '.'], /unknown command "lint"/],
    [['doctor'], /missing project directory/],
    [['doctor', 'a', 'b'], /one project directory, got 2/],
    [['doctor', '--fix', '.'], /Unknown option '--fix'/],
  ])('%j', (argv, message) => {
    const { code, stdout, stderr } = run(...argv)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toMatch(message)
    expect(stderr).toMatch(/usage: faceid-kit doctor/)
  })

  it('a folder that does not exist', () => {
    const { code, stderr } = run('doctor', path.join(work, 'nope'))
    expect(code).toBe(2)
    expect(stderr).toBe(`faceid-kit doctor: no such directory: ${path.join(work, 'nope')}\n`)
  })

  it('a file instead of a folder', () => {
    const file = path.join(work, 'app.json')
    writeFileSync(file, '{}')
    expect(run('doctor', file)).toMatchObject({ code: 2, stderr: `faceid-kit doctor: not a directory: ${file}\n` })
  })

  it('a project.config.json whose miniprogramRoot is not built yet', () => {
    const project = mkdtempSync(path.join(work, 'unbuilt-'))
    writeFileSync(path.join(project, 'project.config.json'), JSON.stringify({ miniprogramRoot: 'dist/' }))
    const { code, stderr } = run('doctor', project)
    expect(code).toBe(2)
    expect(stderr).toBe(`faceid-kit doctor: ${project}/project.config.json sets miniprogramRoot to dist/, which has no app.json: build the mini-program first, or give the folder with app.json\n`)
  })

  it('a folder that is no project', () => {
    const empty = mkdtempSync(path.join(work, 'empty-'))
    const { code, stderr } = run('doctor', empty)
    expect(code).toBe(2)
    expect(stderr).toMatch(/is neither a mini-program \(no app\.json.*\) nor a uni-app project \(no pages\.json, nor src\/pages\.json\)/)
  })

  it('a folder it may not read', () => {
    const locked = mkdtempSync(path.join(work, 'locked-'))
    chmodSync(work, 0o755)
    chmodSync(locked, 0o000)
    try {
      // root reads every folder whatever its mode: then the command runs as nobody.
      const asRoot = process.getuid?.() === 0
      const result = spawnSync(process.execPath, ['--import', 'tsx', BIN, 'doctor', locked], {
        encoding: 'utf8',
        cwd: REPO,
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      })
      expect(result.status, result.stderr).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(`faceid-kit doctor: cannot read ${locked}: EACCES: permission denied, scandir '${locked}'\n`)
    } finally {
      chmodSync(locked, 0o700)
    }
  })
})
