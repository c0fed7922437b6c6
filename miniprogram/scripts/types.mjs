/**
 * Emits the published kit's type declarations into `<kitDir>/types/`: the wrapper's own .d.ts
 * files plus `shared-types.d.ts`, the few `@faceid-kit/shared` types they use, copied in so the
 * published kit does not depend on the private workspace package.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SHARED_TYPES = path.resolve(ROOT, '../shared/src/types.ts')
/** Shared modules with values the kit bundles (flows, token pattern): their declarations are emitted whole. */
const SHARED_VALUE_MODULES = ['flows.ts', 'tokens.ts'].map((f) => path.resolve(ROOT, '../shared/src', f))
const SHARED_SPECIFIER = '@faceid-kit/shared'
const ts = createRequire(import.meta.url)('typescript')

/** The named top-level types of `file` and, transitively, the ones of the same file they use. */
async function extractTypes(file, names) {
  const source = ts.createSourceFile(file, await readFile(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const declarations = new Map()
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) declarations.set(statement.name.text, statement)
  }
  const wanted = new Set()
  const visit = (name) => {
    const declaration = declarations.get(name)
    if (!declaration) throw new Error(`${name} is not a type declared in ${file}`)
    if (wanted.has(name)) return
    wanted.add(name)
    const walk = (node) => {
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && declarations.has(node.typeName.text)) visit(node.typeName.text)
      ts.forEachChild(node, walk)
    }
    ts.forEachChild(declaration, walk)
  }
  names.forEach(visit)
  return source.statements
    .filter((s) => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && wanted.has(s.name.text))
    .map((s) => s.getFullText(source).trim())
    .join('\n\n')
}

async function listDts(dir) {
  const out = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listDts(full)))
    else if (entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

/** Names imported from `@faceid-kit/shared` anywhere in src/. */
async function sharedNamesUsed() {
  const names = new Set()
  const pattern = /import(?: type)? \{([^}]*)\} from '@faceid-kit\/shared'/g
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.name.endsWith('.ts')) {
        for (const match of (await readFile(full, 'utf8')).matchAll(pattern)) {
          for (const name of match[1].split(',')) if (name.trim()) names.add(name.trim().replace(/^type /, ''))
        }
      }
    }
  }
  await walk(path.join(ROOT, 'src'))
  return [...names]
}

export async function emitTypes(kitDir) {
  const outDir = path.join(kitDir, 'types')
  await mkdir(outDir, { recursive: true })
  const sharedDts = path.join(outDir, 'shared-types.d.ts')
  const header = '/** Types of the faceid-kit HTTP contract (copied from @faceid-kit/shared at build time). */\n'
  // One file stands in for the package: the value modules' declarations (their imports of each
  // other dropped, since they now share the file), then the types the kit uses.
  const valueDts = []
  const valueNames = new Set()
  for (const file of SHARED_VALUE_MODULES) {
    const emitted = ts.transpileDeclaration(await readFile(file, 'utf8'), { fileName: file, reportDiagnostics: true, compilerOptions: { strict: true } })
    if (emitted.diagnostics?.length) throw new Error(`${file}: ${emitted.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`)
    const text = emitted.outputText.replace(/^import .*\n/gm, '').replace(/^export \{\};\n/gm, '').trim()
    for (const match of text.matchAll(/^export (?:declare )?(?:const|function|type|interface) (\w+)/gm)) valueNames.add(match[1])
    valueDts.push(text)
  }
  const typeNames = (await sharedNamesUsed()).filter((name) => !valueNames.has(name))
  const shared = (await extractTypes(SHARED_TYPES, typeNames)).replace(/^(interface|type) /gm, 'export $1 ')
  await writeFile(sharedDts, `${header}${valueDts.join('\n')}\n${shared}\n`)

  const program = ts.createProgram([path.join(ROOT, 'src/index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: path.join(ROOT, 'src'),
    outDir,
    types: ['miniprogram-api-typings'],
    lib: ['lib.es2022.d.ts'],
    // The copy above stands in for the workspace package (whose catalog is large).
    paths: { [SHARED_SPECIFIER]: [sharedDts] },
  })
  const result = program.emit()
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error)
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }))

  for (const file of await listDts(outDir)) {
    const text = await readFile(file, 'utf8')
    if (!text.includes(`'${SHARED_SPECIFIER}'`)) continue
    const relative = path.relative(path.dirname(file), sharedDts.replace(/\.d\.ts$/, '')).split(path.sep).join('/')
    await writeFile(file, text.replaceAll(`'${SHARED_SPECIFIER}'`, `'${relative.startsWith('.') ? relative : `./${relative}`}'`))
  }
  return outDir
}
