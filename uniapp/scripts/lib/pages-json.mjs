// The pages.json entries the wxcomponent route needs, and an additive merge that keeps the
// user's comments and formatting (pages.json is JSONC in most uni-app projects).
import { applyEdits, modify, parse, printParseErrorCode } from 'jsonc-parser'

/**
 * @typedef {{ path: string, style?: Record<string, unknown> }} PageEntry
 * @typedef {{ pages: PageEntry[], usingComponents: Record<string, string> }} PagesJsonEntries
 * @typedef {{ kind: 'page-added' | 'component-added', key: string }
 *   | { kind: 'page-differs' | 'component-differs', key: string, existing: unknown, wanted: unknown }} PagesJsonChange
 */

const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } }

/** Parses JSONC, throwing a readable error (file name and offset) instead of returning junk. */
export function parsePagesJson(text, file = 'pages.json') {
  /** @type {import('jsonc-parser').ParseError[]} */
  const errors = []
  const value = parse(text, errors, { allowTrailingComma: true })
  if (errors.length > 0) {
    const first = errors[0]
    throw new Error(`${file}: ${printParseErrorCode(first.error)} at offset ${first.offset}`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: not a JSON object`)
  return value
}

/**
 * Merges `entries` into the pages.json text: adds the pages and global components that are
 * missing, never changes or removes what is there.
 * @param {string} text
 * @param {PagesJsonEntries} entries
 * @returns {{ text: string, changes: PagesJsonChange[] }}
 */
export function mergePagesJson(text, entries) {
  /** @type {PagesJsonChange[]} */
  const changes = []
  let out = text
  let json = parsePagesJson(out)
  const pages = Array.isArray(json.pages) ? json.pages : []
  if (!Array.isArray(json.pages)) {
    out = applyEdits(out, modify(out, ['pages'], [], FORMAT))
  }
  for (const entry of entries.pages) {
    const existing = pages.find((p) => p && p.path === entry.path) ?? findInSubPackages(json, entry.path)
    if (existing) {
      const wantedComponents = entry.style?.usingComponents
      const haveComponents = existing.style?.usingComponents
      if (wantedComponents && JSON.stringify(haveComponents) !== JSON.stringify({ ...haveComponents, ...wantedComponents })) {
        changes.push({ kind: 'page-differs', key: entry.path, existing: haveComponents ?? null, wanted: wantedComponents })
      }
      continue
    }
    // Appended after the first page, which stays the home page.
    const count = parsePagesJson(out).pages.length
    out = applyEdits(out, modify(out, ['pages', count], entry, { ...FORMAT, isArrayInsertion: true }))
    changes.push({ kind: 'page-added', key: entry.path })
  }
  json = parsePagesJson(out)
  const have = (json.globalStyle && json.globalStyle.usingComponents) || {}
  for (const [name, path] of Object.entries(entries.usingComponents)) {
    if (name in have) {
      if (have[name] !== path) changes.push({ kind: 'component-differs', key: name, existing: have[name], wanted: path })
      continue
    }
    out = applyEdits(out, modify(out, ['globalStyle', 'usingComponents', name], path, FORMAT))
    changes.push({ kind: 'component-added', key: name })
  }
  return { text: out, changes }
}

function findInSubPackages(json, path) {
  const packages = Array.isArray(json.subPackages) ? json.subPackages : Array.isArray(json.subpackages) ? json.subpackages : []
  for (const pkg of packages) {
    if (!pkg || typeof pkg.root !== 'string' || !Array.isArray(pkg.pages)) continue
    const root = pkg.root.replace(/\/+$/, '')
    const found = pkg.pages.find((p) => p && `${root}/${p.path}` === path)
    if (found) return found
  }
  return undefined
}
