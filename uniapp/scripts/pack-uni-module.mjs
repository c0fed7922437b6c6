#!/usr/bin/env node
// Packs uni_modules/faceid-kit into a folder that stands alone in any uni-app project:
// in the repository the module reads the mini-program core from the workspace
// (js_sdk/core.ts → @faceid-kit/miniprogram/core); the packed copy carries the core's own
// TypeScript sources in js_sdk/core/, with the few shared types it uses inlined.
//   node scripts/pack-uni-module.mjs [outDir]   (default: uniapp/dist/uni_modules/faceid-kit)
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMain } from './lib/is-main.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const uniappDir = resolve(here, '..')
const repoDir = resolve(uniappDir, '..')
export const MODULE_DIR = join(uniappDir, 'uni_modules', 'faceid-kit')
const CORE_DIR = join(repoDir, 'miniprogram', 'src', 'core')
const SHARED_TYPES = join(repoDir, 'shared', 'src', 'types.ts')
const SHARED_SPECIFIER = '@faceid-kit/shared'

/**
 * Returns the source of the named top-level type declarations of `file`, plus every declaration
 * of the same file they refer to, in file order. Refuses names that come from imports, so an
 * inlined type can never silently lose a dependency.
 */
export function extractTypes(file, names) {
  const ts = createRequire(import.meta.url)('typescript')
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  /** @type {Map<string, import('typescript').Statement>} */
  const declarations = new Map()
  const imported = new Set()
  for (const statement of source.statements) {
    if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) {
      declarations.set(statement.name.text, statement)
    } else if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings && ts.isNamedImports(statement.importClause.namedBindings)) {
      for (const element of statement.importClause.namedBindings.elements) imported.add(element.name.text)
    }
  }
  const wanted = new Set()
  const visit = (name) => {
    if (wanted.has(name)) return
    if (imported.has(name)) throw new Error(`${file}: ${name} is imported from elsewhere and cannot be inlined`)
    const declaration = declarations.get(name)
    if (!declaration) throw new Error(`${file}: no type named ${name}`)
    wanted.add(name)
    const walk = (node) => {
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
        const ref = node.typeName.text
        if (declarations.has(ref) || imported.has(ref)) visit(ref)
      }
      ts.forEachChild(node, walk)
    }
    walk(declaration)
  }
  for (const name of names) visit(name)
  return source.statements
    .filter((s) => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && wanted.has(s.name.text))
    .map((s) => s.getFullText(source).replace(/^\n+/, ''))
    .join('\n\n')
}

/** The names the core imports from @faceid-kit/shared. */
function sharedImports(coreFiles) {
  const names = new Set()
  const pattern = new RegExp(`import\\s+type\\s*\\{([^}]*)\\}\\s*from\\s*'${SHARED_SPECIFIER}'`, 'g')
  for (const file of coreFiles) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      for (const part of (match[1] ?? '').split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0]
        if (name) names.add(name)
      }
    }
  }
  return [...names]
}

/**
 * @param {string} [outDir] folder to create (the packed `faceid-kit` module)
 * @returns {string} outDir
 */
export function packUniModule(outDir = join(uniappDir, 'dist', 'uni_modules', 'faceid-kit')) {
  const target = resolve(outDir)
  rmSync(target, { recursive: true, force: true })
  mkdirSync(dirname(target), { recursive: true })
  cpSync(MODULE_DIR, target, { recursive: true })

  const coreFiles = readdirSync(CORE_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(CORE_DIR, f))
  const coreOut = join(target, 'js_sdk', 'core')
  mkdirSync(coreOut, { recursive: true })
  for (const file of coreFiles) {
    const text = readFileSync(file, 'utf8').replaceAll(`'${SHARED_SPECIFIER}'`, "'./shared-types'")
    writeFileSync(join(coreOut, file.slice(CORE_DIR.length + 1)), text)
  }
  const names = sharedImports(coreFiles)
  writeFileSync(
    join(coreOut, 'shared-types.ts'),
    `/** Types of the faceid-kit HTTP contract (copied from shared/src/types.ts by pack-uni-module). */\n\n${names.length ? extractTypes(SHARED_TYPES, names) : ''}\n`,
  )
  writeFileSync(
    join(target, 'js_sdk', 'core.ts'),
    '/** The mini-program kit\'s platform-independent core, packed with this module. */\nexport * from \'./core/index\'\n',
  )
  return target
}

if (isMain(import.meta.url)) {
  const out = packUniModule(process.argv[2])
  console.log(`packed ${out}`)
}
