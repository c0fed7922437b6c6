/**
 * What the code around a tap handler can reach by name: the page's methods (Page, Component,
 * Vue options), the module's functions, the functions it imports from the project's own modules,
 * and the kit's eID start functions it holds. The tap-handler check follows calls through it.
 */
import type * as t from '@babel/types'
import { calleeName, isCall, isFunction, keyName, memberFunction, memberPath, objectMember, walk, type Node, type ParsedScript } from './ast.js'

/** The kit's calls whose result starts eID with `.start()`. */
export const EID_FACTORIES = new Set(['useEidVerify', 'prepareEid'])

/** What the code of one template (or one module) can reach by name. */
export interface Scope {
  /** The file the scope's code is in (the page's script, the .vue file, the module). */
  file: string
  named: Map<string, t.Function>
  /** Names imported from the project's own modules: local name → the module and the exported name. */
  imports: Map<string, { module: ParsedScript; name: string }>
  modules: Modules
  methods: Map<string, t.Function>
  /** Local names of the kit's eID start functions (`const { start } = useEidVerify()`). */
  eidStarts: Set<string>
  /** Objects whose `.start()` starts eID (`useEidVerify()`, `prepareEid()` results). */
  eidObjects: Set<string>
  parents: WeakMap<Node, Node>
}

/** The project's own scripts by file, and one scope per module, made on first use. */
export interface Modules {
  byFile: Map<string, ParsedScript>
  scopes: Map<ParsedScript, Scope>
  /** uni-app's `@/` alias: the source root. */
  uni: boolean
}

/** The scope of a template's scripts (the page's script, or a .vue file's blocks). */
export function scopeOf(scripts: ParsedScript[], modules: Modules): Scope {
  const scope: Scope = {
    file: scripts[0]?.file ?? '',
    named: new Map(),
    imports: new Map(),
    modules,
    methods: new Map(),
    eidStarts: new Set(),
    eidObjects: new Set(),
    parents: new WeakMap(),
  }
  for (const script of scripts) {
    addImports(scope, script)
    walk(script.program, (node, parent) => {
      if (parent) scope.parents.set(node, parent)
    })
    for (const statement of script.program.body) {
      const declaration = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.declaration : statement
      if (declaration?.type === 'FunctionDeclaration' && declaration.id) scope.named.set(declaration.id.name, declaration)
      if (declaration?.type === 'VariableDeclaration') {
        for (const d of declaration.declarations) if (d.id.type === 'Identifier' && d.init && isFunction(d.init)) scope.named.set(d.id.name, d.init)
      }
      if (declaration?.type === 'ObjectExpression') addMethods(scope, declaration)
    }
    walk(script.program, (node) => {
      // Page({...}), Component({ methods }), defineComponent({ methods }), export default { methods }.
      if (isCall(node) && node.callee.type === 'Identifier' && ['Page', 'Component', 'defineComponent'].includes(node.callee.name)) {
        const options = node.arguments[0]
        if (options?.type === 'ObjectExpression') addMethods(scope, options)
      }
      if (node.type === 'VariableDeclarator' && node.init) {
        const init = node.init.type === 'AwaitExpression' ? node.init.argument : node.init
        if (isCall(init) && EID_FACTORIES.has(calleeName(init) ?? '')) {
          if (node.id.type === 'Identifier') scope.eidObjects.add(node.id.name)
          if (node.id.type === 'ObjectPattern') {
            for (const property of node.id.properties) {
              if (property.type === 'ObjectProperty' && keyName(property) === 'start' && property.value.type === 'Identifier') scope.eidStarts.add(property.value.name)
            }
          }
        }
      }
    })
  }
  return scope
}

/** The scope of one of the project's modules (what an imported function can reach). */
export function moduleScope(module: ParsedScript, modules: Modules): Scope {
  let scope = modules.scopes.get(module)
  if (!scope) {
    scope = scopeOf([module], modules)
    modules.scopes.set(module, scope)
  }
  return scope
}

/** `import { a } from './x'`, `import a from '@/x'`, `const { a } = require('./x')`: the project's own modules only. */
function addImports(scope: Scope, script: ParsedScript): void {
  const add = (local: string, source: string, name: string): void => {
    const module = resolveModule(script.file, source, scope.modules)
    if (module) scope.imports.set(local, { module, name })
  }
  for (const statement of script.program.body) {
    if (statement.type === 'ImportDeclaration') {
      for (const specifier of statement.specifiers) {
        if (specifier.type === 'ImportSpecifier') add(specifier.local.name, statement.source.value, specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value)
        if (specifier.type === 'ImportDefaultSpecifier') add(specifier.local.name, statement.source.value, 'default')
      }
    }
    if (statement.type !== 'VariableDeclaration') continue
    for (const d of statement.declarations) {
      const source = d.init && isCall(d.init) && d.init.callee.type === 'Identifier' && d.init.callee.name === 'require' && d.init.arguments[0]?.type === 'StringLiteral' ? d.init.arguments[0].value : undefined
      if (!source || d.id.type !== 'ObjectPattern') continue
      for (const property of d.id.properties) {
        const name = property.type === 'ObjectProperty' ? keyName(property) : undefined
        if (name && property.type === 'ObjectProperty' && property.value.type === 'Identifier') add(property.value.name, source, name)
      }
    }
  }
}

/** The project module a specifier names: relative, root-relative (`/x`) or uni-app's `@/x`, with or without extension. */
function resolveModule(from: string, source: string, modules: Modules): ParsedScript | undefined {
  let base: string
  if (source.startsWith('.')) base = `${from.split('/').slice(0, -1).join('/')}/${source}`
  else if (source.startsWith('/')) base = source
  else if (modules.uni && source.startsWith('@/')) base = source.slice(1)
  else return undefined
  const parts: string[] = []
  for (const part of base.split('/')) {
    if (part === '..') parts.pop()
    else if (part && part !== '.') parts.push(part)
  }
  const path = parts.join('/')
  for (const candidate of [path, `${path}.ts`, `${path}.js`, `${path}/index.ts`, `${path}/index.js`]) {
    const module = modules.byFile.get(candidate)
    if (module) return module
  }
  return undefined
}

/** A function a module exports under `name` (`export function`, `export const`, `export { a as name }`, `export default`, `module.exports`). */
export function exportedFunction(module: ParsedScript, name: string, scope: Scope): t.Function | undefined {
  for (const statement of module.program.body) {
    if (statement.type === 'ExportDefaultDeclaration' && name === 'default') {
      const declaration = statement.declaration
      if (isFunction(declaration)) return declaration
      if (declaration.type === 'Identifier') return scope.named.get(declaration.name)
    }
    if (statement.type === 'ExportNamedDeclaration') {
      for (const specifier of statement.specifiers) {
        if (specifier.type !== 'ExportSpecifier') continue
        const exported = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value
        if (exported === name) return scope.named.get(specifier.local.name)
      }
      const declaration = statement.declaration
      if (declaration?.type === 'FunctionDeclaration' && declaration.id?.name === name) return declaration
      if (declaration?.type === 'VariableDeclaration' && declaration.declarations.some((d) => d.id.type === 'Identifier' && d.id.name === name)) return scope.named.get(name)
    }
    if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression') {
      const { left, right } = statement.expression
      const target = memberPath(left)?.join('.')
      if ((target === `module.exports.${name}` || target === `exports.${name}`) && isFunction(right)) return right
      if ((target === `module.exports.${name}` || target === `exports.${name}`) && right.type === 'Identifier') return scope.named.get(right.name)
      if (target === 'module.exports' && right.type === 'ObjectExpression') {
        const member = objectMember(right, name)
        if (!member) continue
        const fn = memberFunction(member)
        if (fn) return fn
        if (member.type === 'ObjectProperty' && member.value.type === 'Identifier') return scope.named.get(member.value.name)
      }
    }
  }
  return undefined
}

/** The object's function members (a Page's handlers) and those of its `methods` (Component, Vue). */
function addMethods(scope: Scope, options: t.ObjectExpression): void {
  const add = (object: t.ObjectExpression): void => {
    for (const member of object.properties) {
      if (member.type === 'SpreadElement') continue
      const name = keyName(member)
      const fn = memberFunction(member)
      if (name && fn && !scope.methods.has(name)) scope.methods.set(name, fn)
    }
  }
  add(options)
  const methods = objectMember(options, 'methods')
  if (methods?.type === 'ObjectProperty' && methods.value.type === 'ObjectExpression') add(methods.value)
}
