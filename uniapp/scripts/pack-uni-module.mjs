#!/usr/bin/env node
// Packs uni_modules/faceid-kit into a folder that stands alone in any uni-app project:
// in the repository the module reads the mini-program core from the workspace
// (js_sdk/core.ts → @faceid-kit/miniprogram/core); the packed copy carries the core's own
// TypeScript sources in js_sdk/core/, with the few shared types it uses inlined and the shared
// modules whose values it uses (flow paths and lifetimes, the token pattern) copied beside them.
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
/** Shared modules the core takes values from, copied whole: source file → packed name. */
const SHARED_VALUE_MODULES = [
  ['flows.ts', 'shared-flows.ts'],
  ['tokens.ts', 'shared-tokens.ts'],
]
/** How the shared sources name each other (`./flows.js`) → the packed names. */
const SHARED_RENAMES = new Map(SHARED_VALUE_MODULES.map(([from, to]) => [`./${from.replace(/\.ts$/, '.js')}`, `./${to.replace(/\.ts$/, '')}`]))

/**
 * Returns the source of the named top-level type declarations of `file`, plus every declaration
 * of the same file they refer to, in file order. Refuses names that come from imports, so an
 * inlined type can never silently lose a dependency — except imports from a module in
 * `options.allowFrom` (one packed beside the types): those names are recorded in
 * `options.used` (name → module).
 * @param {string} file
 * @param {string[]} names
 * @param {{ allowFrom?: Iterable<string>, used?: Map<string, string> }} [options]
 */
export function extractTypes(file, names, options = {}) {
  const allowFrom = new Set(options.allowFrom ?? [])
  const ts = createRequire(import.meta.url)('typescript')
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  /** @type {Map<string, import('typescript').Statement>} */
  const declarations = new Map()
  const imported = new Set()
  const allowed = new Map()
  for (const statement of source.statements) {
    if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) {
      declarations.set(statement.name.text, statement)
    } else if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings && ts.isNamedImports(statement.importClause.namedBindings)) {
      const from = ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : ''
      for (const element of statement.importClause.namedBindings.elements) allowFrom.has(from) ? allowed.set(element.name.text, from) : imported.add(element.name.text)
    }
  }
  const wanted = new Set()
  const visit = (name) => {
    if (wanted.has(name)) return
    if (allowed.has(name)) {
      options.used?.set(name, allowed.get(name))
      return
    }
    if (imported.has(name)) throw new Error(`${file}: ${name} is imported from elsewhere and cannot be inlined`)
    const declaration = declarations.get(name)
    if (!declaration) throw new Error(`${file}: no type named ${name}`)
    wanted.add(name)
    const walk = (node) => {
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
        const ref = node.typeName.text
        if (declarations.has(ref) || imported.has(ref) || allowed.has(ref)) visit(ref)
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
  for (const [from, to] of SHARED_VALUE_MODULES) {
    let text = readFileSync(join(repoDir, 'shared', 'src', from), 'utf8')
    for (const [specifier, packed] of SHARED_RENAMES) text = text.replaceAll(`'${specifier}'`, `'${packed}'`)
    writeFileSync(join(coreOut, to), `// Copied from shared/src/${from} by pack-uni-module.\n${text}`)
  }
  const names = sharedImports(coreFiles)
  const used = new Map()
  const types = names.length ? extractTypes(SHARED_TYPES, names, { allowFrom: SHARED_RENAMES.keys(), used }) : ''
  const reexports = [...SHARED_RENAMES.values()].map((packed) => `export * from '${packed}'\n`).join('')
  const local = [...used].map(([name, from]) => `import type { ${name} } from '${SHARED_RENAMES.get(from)}'\n`).join('')
  writeFileSync(
    join(coreOut, 'shared-types.ts'),
    `/** The faceid-kit HTTP contract: types copied from shared/src/types.ts by pack-uni-module, values from the modules beside it. */\n${reexports}${local}\n${types}\n`,
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
