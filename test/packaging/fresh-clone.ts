/**
 * What a user of a fresh clone has: the files git would check out (tracked, plus new files that
 * are not ignored), without any build output, in a temporary folder. node_modules is a link to the
 * repository's, so the packages' own build scripts find their tools without a second install.
 * Packing there never touches the working tree's build output, which other tests are reading.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The environment of a child npm/node: without the npm_* variables of the `npm test` around us. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS') env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs a command, returning its stdout; on failure the error carries stdout and stderr. */
export function run(command: string, args: string[], options: ExecFileSyncOptions & { cwd: string }): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(), ...options }).toString()
  } catch (error) {
    const e = error as { stdout?: Buffer | string; stderr?: Buffer | string; message: string }
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) failed: ${e.message}\n${String(e.stdout ?? '')}\n${String(e.stderr ?? '')}`)
  }
}

/**
 * Copies `paths` (folders or files of the repository) as a fresh clone would have them. With
 * FACEID_KIT_CLONE_REV=<commit>, they come from that commit instead (to see a packaging test
 * fail on an older tree).
 */
export function freshClone(paths: string[]): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceid-kit-clone-'))
  const rev = process.env.FACEID_KIT_CLONE_REV
  if (rev) {
    const archive = path.join(dir, '.clone.tar')
    run('git', ['archive', '--format=tar', '-o', archive, rev, '--', ...paths], { cwd: REPO })
    run('tar', ['-xf', archive], { cwd: dir })
    rmSync(archive)
    symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
    return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
  }
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...paths], { cwd: REPO })
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = path.join(REPO, file)
    // Listed but deleted in the working tree: a commit would not have it either.
    if (!existsSync(from) || statSync(from).isDirectory()) continue
    const to = path.join(dir, file)
    mkdirSync(path.dirname(to), { recursive: true })
    cpSync(from, to)
  }
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** `npm pack -w <workspace>…` in `cloneDir`, into `dest`; returns the tarballs by workspace folder. */
export function packWorkspaces(cloneDir: string, workspaces: string[], dest: string): Record<string, string> {
  mkdirSync(dest, { recursive: true })
  const args = ['pack', ...workspaces.flatMap((w) => ['-w', w]), '--pack-destination', dest, '--json', '--loglevel=error']
  const out = run('npm', args, { cwd: cloneDir })
  const packed = JSON.parse(out.slice(out.indexOf('['))) as { name: string; filename: string }[]
  const byFolder: Record<string, string> = {}
  for (const workspace of workspaces) {
    const name = (JSON.parse(run('node', ['-p', `JSON.stringify(require('./${workspace}/package.json').name)`], { cwd: cloneDir })) as string)
    const entry = packed.find((p) => p.name === name)
    if (!entry) throw new Error(`npm pack did not pack ${workspace}`)
    byFolder[workspace] = path.join(dest, entry.filename)
  }
  return byFolder
}

/** The files of a tarball, relative to its `package/` folder. */
export function tarballFiles(tarball: string): string[] {
  return run('tar', ['-tzf', tarball], { cwd: path.dirname(tarball) })
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort()
}

/** Every file below `dir`, relative to it. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort()
}
