/**
 * JavaScript and TypeScript on the AST, with @babel/parser: parsing with the right plugins,
 * walking every node with its parent, and the few shapes the checks ask about.
 */
import { parse, type ParserPlugin } from '@babel/parser'
import type * as t from '@babel/types'

export type Node = t.Node

export interface ParsedScript {
  /** Relative to the project root. */
  file: string
  program: t.Program
  parents: WeakMap<Node, Node>
}

/** Keys of a node that are not children. */
const NOT_CHILDREN = new Set(['loc', 'start', 'end', 'extra', 'leadingComments', 'trailingComments', 'innerComments', 'range', 'type'])

/**
 * Parses a script; `startLine` places the lines of a script taken out of a .vue file. Returns
 * undefined when it does not parse even with error recovery (a finding would only be noise).
 */
export function parseScript(file: string, code: string, options: { typescript: boolean; startLine?: number }): ParsedScript | undefined {
  const plugins: ParserPlugin[] = options.typescript ? ['typescript', 'decorators-legacy'] : ['decorators-legacy']
  let ast
  try {
    ast = parse(code, { sourceType: 'unambiguous', plugins, errorRecovery: true, startLine: options.startLine ?? 1, allowReturnOutsideFunction: true })
  } catch {
    return undefined
  }
  const parents = new WeakMap<Node, Node>()
  walk(ast.program, (node, parent) => {
    if (parent) parents.set(node, parent)
  })
  return { file, program: ast.program, parents }
}

/** Parses one expression (a Vue template handler). */
export function parseExpression(code: string): t.Expression | undefined {
  const parsed = parseScript('', `(${code}\n)`, { typescript: true })
  const statement = parsed?.program.body[0]
  return statement?.type === 'ExpressionStatement' ? statement.expression : undefined
}

export function children(node: Node): Node[] {
  const out: Node[] = []
  for (const [key, value] of Object.entries(node)) {
    if (NOT_CHILDREN.has(key)) continue
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item)
    } else if (isNode(value)) {
      out.push(value)
    }
  }
  return out
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
}

/** Depth-first, in source order. Return false from `visit` to skip a node's children. */
export function walk(root: Node, visit: (node: Node, parent: Node | undefined) => boolean | void, parent?: Node): void {
  if (visit(root, parent) === false) return
  for (const child of children(root)) walk(child, visit, root)
}

export function isFunction(node: Node): node is t.Function {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' ||
    node.type === 'ClassMethod' ||
    node.type === 'ClassPrivateMethod'
  )
}

/** The name of a property key (`a`, `'a'`, `["a"]`). */
export function keyName(node: t.ObjectMember | t.ObjectProperty | t.ObjectMethod): string | undefined {
  const key = node.key
  if (key.type === 'Identifier' && !node.computed) return key.name
  if (key.type === 'StringLiteral') return key.value
  return undefined
}

/** The function an object member defines (`a() {}`, `a: function () {}`, `a: () => {}`). */
export function memberFunction(member: t.ObjectMethod | t.ObjectProperty | t.SpreadElement): t.Function | undefined {
  if (member.type === 'ObjectMethod') return member
  if (member.type === 'ObjectProperty' && (member.value.type === 'FunctionExpression' || member.value.type === 'ArrowFunctionExpression')) return member.value
  return undefined
}

/** The named member of an object literal. */
export function objectMember(object: t.ObjectExpression, name: string): t.ObjectMethod | t.ObjectProperty | undefined {
  for (const member of object.properties) {
    if (member.type === 'SpreadElement') continue
    if (keyName(member) === name) return member
  }
  return undefined
}

/** `a.b.c` → ['a', 'b', 'c'] for identifiers, `this` and non-computed members; undefined otherwise. */
export function memberPath(node: Node): string[] | undefined {
  if (node.type === 'Identifier') return [node.name]
  if (node.type === 'ThisExpression') return ['this']
  if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && !node.computed && node.property.type === 'Identifier') {
    const object = memberPath(node.object)
    return object ? [...object, node.property.name] : undefined
  }
  if (node.type === 'TSNonNullExpression' || node.type === 'TSAsExpression') return memberPath(node.expression)
  return undefined
}

/** The name a call calls: `f()` → f, `a.b.f()` → f. */
export function calleeName(call: t.CallExpression | t.OptionalCallExpression): string | undefined {
  const callee = call.callee
  if (callee.type === 'Identifier') return callee.name
  if ((callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') && !callee.computed && callee.property.type === 'Identifier') return callee.property.name
  return undefined
}

export function isCall(node: Node): node is t.CallExpression | t.OptionalCallExpression {
  return node.type === 'CallExpression' || node.type === 'OptionalCallExpression'
}

export function lineOfNode(node: Node): number | undefined {
  return node.loc?.start.line
}

/** Every string literal (and quasi of a template literal without expressions) in a script. */
export function stringLiterals(program: Node): string[] {
  const out: string[] = []
  walk(program, (node) => {
    if (node.type === 'StringLiteral') out.push(node.value)
    else if (node.type === 'TemplateLiteral' && node.expressions.length === 0) out.push(node.quasis.map((q) => q.value.cooked ?? '').join(''))
  })
  return out
}
