/**
 * Reads a project: which kind it is, where its root is, its configuration files, its pages, the
 * components it registers and the files to analyse. Nothing here judges; the checks do.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { DoctorUsageError } from './errors.js'
import { isRecord, lineOf, parseJsonFile, recordAt, stringEntries, type JsonFile } from './json-file.js'
import type { ProjectKind } from './types.js'

/** A component registered under a tag in a usingComponents map. */
export interface Registration {
  /** The JSON file holding it, relative to the root. */
  file: string
  line?: number
  tag: string
  /** As written. */
  target: string
  /** The page it belongs to (uni-app page style, or the native page's own json); undefined for app-wide ones. */
  page?: string
}

export interface Project {
  dir: string
  kind: ProjectKind
  root: string
  /** Every file below the root worth looking at, relative, posix separators, sorted. */
  files: string[]
  /** The file holding the page list: app.json or pages.json. */
  pagesFile?: JsonFile
  /** Registered pages, without a leading slash (subpackage roots prefixed). */
  pages: string[]
  registrations: Registration[]
  /** uni-app: manifest.json. */
  manifest?: JsonFile
  /** project.config.json and project.private.config.json that apply, paths relative to the root (may start with ../). */
  projectConfigs: JsonFile[]
  /** JSON files that do not parse: reported by the page check. */
  brokenJson: JsonFile[]
  read(file: string): string | undefined
}

/** Folders never walked: dependencies, build output, version control, editor state. */
const SKIPPED_DIRS = new Set(['node_modules', 'miniprogram_npm', 'unpackage', '.git', '.hbuilderx', '.idea', '.vscode'])
const MAX_FILES = 20_000
const MAX_DEPTH = 10

export function loadProject(input: string): Project {
  const dir = path.resolve(input)
  let stat
  try {
    stat = statSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new DoctorUsageError(`no such directory: ${input}`)
    throw new DoctorUsageError(`cannot read ${input}: ${(error as Error).message}`)
  }
  if (!stat.isDirectory()) throw new DoctorUsageError(`not a directory: ${input}`)
  try {
    readdirSync(dir)
  } catch (error) {
    throw new DoctorUsageError(`cannot read ${input}: ${(error as Error).message}`)
  }

  const located = locateRoot(dir)
  const unbuilt = located ? undefined : missingMiniprogramRoot(dir)
  if (unbuilt) {
    throw new DoctorUsageError(`${input}/project.config.json sets miniprogramRoot to ${unbuilt}, which has no app.json: build the mini-program first, or give the folder with app.json`)
  }
  if (!located) {
    throw new DoctorUsageError(
      `${input} is neither a mini-program (no app.json, nor a project.config.json whose miniprogramRoot has one) nor a uni-app project (no pages.json, nor src/pages.json)`,
    )
  }
  const { kind, root } = located
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(path.join(root, file), 'utf8')
    } catch {
      return undefined
    }
  }
  const files = listFiles(root)
  const brokenJson: JsonFile[] = []
  const json = (file: string): JsonFile | undefined => {
    const text = read(file)
    if (text === undefined) return undefined
    const parsed = parseJsonFile(file, text)
    if (parsed.errorLine !== undefined) brokenJson.push(parsed)
    return parsed
  }

  const projectConfigs = findProjectConfigs(dir, root)
    .map((absolute) => {
      const text = readFileSync(absolute, 'utf8')
      const parsed = parseJsonFile(toPosix(path.relative(root, absolute)), text)
      if (parsed.errorLine !== undefined) brokenJson.push(parsed)
      return parsed
    })

  if (kind === 'miniprogram') {
    const pagesFile = json('app.json')
    const pages = nativePages(pagesFile?.value)
    const registrations: Registration[] = []
    if (pagesFile) registrations.push(...registrationsIn(pagesFile, ['usingComponents']))
    const set = new Set(files)
    for (const file of files) {
      if (!file.endsWith('.wxml')) continue
      const own = file.replace(/\.wxml$/, '.json')
      if (!set.has(own)) continue
      const parsed = json(own)
      if (!parsed) continue
      const page = own.replace(/\.json$/, '')
      registrations.push(...registrationsIn(parsed, ['usingComponents'], pages.includes(page) ? page : undefined))
    }
    return { dir, kind, root, files, pagesFile, pages, registrations, projectConfigs, brokenJson, read }
  }

  const pagesFile = json('pages.json')
  const manifest = json('manifest.json')
  const { pages, registrations } = uniPages(pagesFile)
  return { dir, kind, root, files, pagesFile, pages, registrations, manifest, projectConfigs, brokenJson, read }
}

/**
 * The mini-program root or uni-app source root for the folder given: the folder itself with
 * pages.json (uni-app) or app.json (native); src/pages.json (a uni-app CLI project); the
 * miniprogramRoot of its project.config.json.
 */
function locateRoot(dir: string): { kind: ProjectKind; root: string } | undefined {
  const has = (file: string): boolean => {
    try {
      return statSync(path.join(dir, file)).isFile()
    } catch {
      return false
    }
  }
  if (has('pages.json')) return { kind: 'uniapp', root: dir }
  if (has('app.json')) return { kind: 'miniprogram', root: dir }
  if (has('src/pages.json')) return { kind: 'uniapp', root: path.join(dir, 'src') }
  if (has('project.config.json')) {
    const config = parseJsonFile('project.config.json', readFileSync(path.join(dir, 'project.config.json'), 'utf8')).value
    const miniprogramRoot = isRecord(config) && typeof config.miniprogramRoot === 'string' ? config.miniprogramRoot : undefined
    if (miniprogramRoot) {
      const root = path.resolve(dir, miniprogramRoot)
      try {
        if (statSync(path.join(root, 'app.json')).isFile()) return { kind: 'miniprogram', root }
      } catch {
        // Not built yet, or a wrong miniprogramRoot: not a project we can read.
      }
    }
  }
  return undefined
}

/** The miniprogramRoot of dir/project.config.json when it names a folder without app.json. */
function missingMiniprogramRoot(dir: string): string | undefined {
  let text: string
  try {
    text = readFileSync(path.join(dir, 'project.config.json'), 'utf8')
  } catch {
    return undefined
  }
  const config = parseJsonFile('project.config.json', text).value
  return isRecord(config) && typeof config.miniprogramRoot === 'string' && config.miniprogramRoot !== '' ? config.miniprogramRoot : undefined
}

/**
 * The DevTools project files that apply to this root: in the folder given or the root, or in a
 * parent folder whose project.config.json points its miniprogramRoot here. The private file
 * (project.private.config.json) overrides the shared one in DevTools, so both are read.
 */
function findProjectConfigs(dir: string, root: string): string[] {
  const found: string[] = []
  const candidates = new Set([dir, root])
  for (let up = path.dirname(root), i = 0; i < 6 && up !== path.dirname(up); up = path.dirname(up), i++) candidates.add(up)
  for (const folder of candidates) {
    const shared = path.join(folder, 'project.config.json')
    let text: string
    try {
      text = readFileSync(shared, 'utf8')
    } catch {
      continue
    }
    const config = parseJsonFile('project.config.json', text).value
    const miniprogramRoot = isRecord(config) && typeof config.miniprogramRoot === 'string' ? config.miniprogramRoot : ''
    if (path.resolve(folder, miniprogramRoot) !== root && folder !== dir) continue
    found.push(shared)
    const own = path.join(folder, 'project.private.config.json')
    try {
      statSync(own)
      found.push(own)
    } catch {
      // DevTools writes it only once a setting is changed locally.
    }
  }
  return found
}

function nativePages(appJson: unknown): string[] {
  if (!isRecord(appJson)) return []
  const pages = Array.isArray(appJson.pages) ? appJson.pages.filter((p): p is string => typeof p === 'string') : []
  const subs = [appJson.subPackages, appJson.subpackages].flatMap((list) => (Array.isArray(list) ? list : []))
  for (const sub of subs) {
    if (!isRecord(sub) || typeof sub.root !== 'string' || !Array.isArray(sub.pages)) continue
    const subRoot = sub.root.replace(/^\/+|\/+$/g, '')
    for (const page of sub.pages) if (typeof page === 'string') pages.push(`${subRoot}/${page}`)
  }
  return pages.map(stripSlashes)
}

function uniPages(pagesFile: JsonFile | undefined): { pages: string[]; registrations: Registration[] } {
  const pages: string[] = []
  const registrations: Registration[] = []
  if (!pagesFile) return { pages, registrations }
  const value = pagesFile.value
  registrations.push(...registrationsIn(pagesFile, ['globalStyle', 'usingComponents']))
  const list = isRecord(value) && Array.isArray(value.pages) ? value.pages : []
  list.forEach((entry, index) => {
    if (!isRecord(entry) || typeof entry.path !== 'string') return
    const page = stripSlashes(entry.path)
    pages.push(page)
    registrations.push(...registrationsIn(pagesFile, ['pages', index, 'style', 'usingComponents'], page))
  })
  const subs = isRecord(value) ? [value.subPackages, value.subpackages].flatMap((l) => (Array.isArray(l) ? l : [])) : []
  subs.forEach((sub) => {
    if (!isRecord(sub) || typeof sub.root !== 'string' || !Array.isArray(sub.pages)) return
    const subRoot = stripSlashes(sub.root)
    for (const entry of sub.pages) {
      if (!isRecord(entry) || typeof entry.path !== 'string') continue
      const page = `${subRoot}/${stripSlashes(entry.path)}`
      pages.push(page)
      for (const [tag, target] of stringEntries(recordAt(entry.style, 'usingComponents'))) registrations.push({ file: pagesFile.file, tag, target, page })
    }
  })
  return { pages, registrations }
}

function registrationsIn(json: JsonFile, at: (string | number)[], page?: string): Registration[] {
  let node: unknown = json.value
  for (const key of at) node = isRecord(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined
  return stringEntries(node).map(([tag, target]) => {
    const line = lineOf(json, [...at, tag])
    return { file: json.file, tag, target, ...(line === undefined ? {} : { line }), ...(page === undefined ? {} : { page }) }
  })
}

function listFiles(root: string): string[] {
  const out: string[] = []
  const walk = (rel: string, depth: number): void => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return
    let entries
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue
        walk(child, depth + 1)
      } else if (entry.isFile()) {
        out.push(child)
      }
    }
  }
  walk('', 0)
  return out.sort()
}

export function stripSlashes(page: string): string {
  return page.replace(/^\/+|\/+$/g, '')
}

export function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}
