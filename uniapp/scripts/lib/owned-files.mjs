// The installer's ledger of the files it wrote, so that it only ever replaces its own work.
// A file is ours when the ledger lists it and its content still has the hash we recorded;
// anything else at a target path (a user's file, or one of ours the user edited) is left alone.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

export const MANIFEST_NAME = '.faceid-kit-manifest.json'
const MANIFEST_VERSION = 1

/** @param {string | Buffer} content */
export function sha256(content) {
  return createHash('sha256').update(content).digest('hex')
}

/**
 * @param {string} projectDir the uni-app source root (the folder holding pages.json)
 * @param {{ dryRun?: boolean }} [options]
 */
export function openLedger(projectDir, options = {}) {
  const manifestPath = join(projectDir, MANIFEST_NAME)
  /** @type {Record<string, string>} relative path (posix) → sha256 */
  let recorded = {}
  if (existsSync(manifestPath)) {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8'))
    if (parsed && parsed.version === MANIFEST_VERSION && parsed.files && typeof parsed.files === 'object') {
      recorded = parsed.files
    }
  }
  /** @type {Record<string, string>} */
  const next = { ...recorded }
  const touched = new Set()
  const report = { written: [], updated: [], unchanged: [], kept: [], removed: [] }

  const rel = (abs) => relative(projectDir, abs).split(sep).join('/')

  return {
    report,
    /** Whether the file at `abs` is one the ledger wrote and nobody has edited since. */
    isOurs(abs) {
      const key = rel(abs)
      return key in recorded && existsSync(abs) && sha256(readFileSync(abs)) === recorded[key]
    },
    /**
     * Writes `content` to `abs` unless another author owns the file there.
     * @returns {'written' | 'updated' | 'unchanged' | 'kept'}
     */
    write(abs, content) {
      const key = rel(abs)
      touched.add(key)
      const wanted = sha256(content)
      if (existsSync(abs)) {
        const current = sha256(readFileSync(abs))
        if (current === wanted) {
          // Same bytes: adopting it changes nothing on disk.
          next[key] = wanted
          report.unchanged.push(key)
          return 'unchanged'
        }
        if (recorded[key] !== current) {
          report.kept.push(key)
          return 'kept'
        }
        if (!options.dryRun) writeFileSync(abs, content)
        next[key] = wanted
        report.updated.push(key)
        return 'updated'
      }
      if (!options.dryRun) {
        mkdirSync(dirname(abs), { recursive: true })
        writeFileSync(abs, content)
      }
      next[key] = wanted
      report.written.push(key)
      return 'written'
    },
    /**
     * Removes files the ledger wrote earlier under `prefix` that this run no longer provides
     * (e.g. a file dropped by a newer kit build), when they are still unedited.
     */
    prune(prefix) {
      for (const key of Object.keys(recorded)) {
        if (!key.startsWith(prefix) || touched.has(key)) continue
        const abs = join(projectDir, key)
        if (existsSync(abs) && sha256(readFileSync(abs)) !== recorded[key]) {
          report.kept.push(key)
          continue
        }
        if (!options.dryRun) {
          rmSync(abs, { force: true })
          // Folders the removal emptied go too (a dropped SDK copy leaves no empty tree behind).
          for (let dir = dirname(abs); dir !== projectDir && dir.startsWith(projectDir + sep); dir = dirname(dir)) {
            if (!existsSync(dir) || readdirSync(dir).length > 0) break
            rmdirSync(dir)
          }
        }
        delete next[key]
        report.removed.push(key)
      }
    },
    save() {
      if (options.dryRun) return
      const files = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)))
      writeFileSync(manifestPath, JSON.stringify({ version: MANIFEST_VERSION, tool: 'faceid-kit install-wxcomponents', files }, null, 2) + '\n')
    },
  }
}
