/**
 * Fixture projects. A clean project is a folder under fixtures/; a trap is a folder with a
 * fixture.json naming its clean base and what differs: files in overlay/ (replacing or adding),
 * folders to `remove`, folders to `move`. `materialize` builds the project in a temporary folder.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

interface FixtureManifest {
  description: string
  base: string
  remove?: string[]
  move?: Record<string, string>
}

export function fixtureManifest(name: string): FixtureManifest {
  return JSON.parse(readFileSync(path.join(FIXTURES, name, 'fixture.json'), 'utf8')) as FixtureManifest
}

export function trapFixtures(): string[] {
  return readdirSync(FIXTURES).filter((name) => existsSync(path.join(FIXTURES, name, 'fixture.json')))
}

const made: string[] = []

/** The project of a fixture in a fresh temporary folder (removed by `cleanupFixtures`). */
export function materialize(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `doctor-${name}-`))
  made.push(dir)
  const manifestFile = path.join(FIXTURES, name, 'fixture.json')
  if (!existsSync(manifestFile)) {
    cpSync(path.join(FIXTURES, name), dir, { recursive: true })
    return dir
  }
  const manifest = fixtureManifest(name)
  cpSync(path.join(FIXTURES, manifest.base), dir, { recursive: true })
  for (const folder of manifest.remove ?? []) rmSync(path.join(dir, folder), { recursive: true, force: true })
  for (const [from, to] of Object.entries(manifest.move ?? {})) {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true })
    renameSync(path.join(dir, from), path.join(dir, to))
  }
  const overlay = path.join(FIXTURES, name, 'overlay')
  if (existsSync(overlay)) cpSync(overlay, dir, { recursive: true })
  return dir
}

/** A project from inline files, for the analysis tests. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'doctor-inline-'))
  made.push(dir)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), text)
  }
  return dir
}

export function cleanupFixtures(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}
