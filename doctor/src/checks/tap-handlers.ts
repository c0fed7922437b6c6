/**
 * startEid (and verify_mpsdk's wx.startVerify) must run in the synchronous part of a tap
 * handler: WeChat opens another mini-program only from a user tap, and code after an `await`,
 * in a `.then` callback or a timer no longer is one. Static analysis on the AST: from each tap
 * handler a template binds, follow the code in source order (and into the page's own methods and
 * the module's functions it calls) and report a start that comes after such a boundary.
 * uni-app also defers a handler to a setTimeout unless its element says data-eventsync="true".
 */
import type * as t from '@babel/types'
import { calleeName, isCall, isFunction, keyName, lineOfNode, memberPath, parseExpression, walk, type Node } from '../ast.js'
import { EID_FACTORIES, exportedFunction, moduleScope, scopeOf, type Modules, type Scope } from '../code-scope.js'
import type { TemplateUnit } from '../sources.js'
import type { Finding } from '../types.js'
import type { CheckContext } from './context.js'

type TargetKind = 'eid' | 'face'

interface Boundary {
  /** What makes the rest asynchronous, for the message. */
  what: string
  file: string
  line?: number
}

interface Hit {
  kind: TargetKind
  name: string
  call: Node
  boundary?: Boundary
  /** The functions followed from the handler to the call. */
  via: string[]
  /** The script holding the call. */
  file: string
}

const DEFERRING_CALLS = new Set(['then', 'catch', 'finally', 'setTimeout', 'setInterval', 'nextTick', '$nextTick', 'requestAnimationFrame', 'queueMicrotask'])
const CALLBACK_KEYS = new Set(['success', 'fail', 'complete'])
const MAX_DEPTH = 6

export function checkTapHandlers({ project, sources }: CheckContext): Finding[] {
  const findings: Finding[] = []
  const modules: Modules = { byFile: new Map(sources.scripts.filter((s) => !s.file.endsWith('.vue')).map((s) => [s.file, s])), scopes: new Map(), uni: project.kind === 'uniapp' }
  for (const template of sources.templates) {
    if (template.scripts.length === 0) continue
    const scope = scopeOf(template.scripts, modules)
    for (const element of template.elements) {
      for (const tap of element.taps) {
        const handler = resolveHandler(tap.expression, template, scope)
        if (!handler) continue
        const hits = analyse(handler.node, handler.scope ?? scope, undefined, 0, new Set(), [])
        const label = `${template.dialect === 'wxml' ? 'bindtap' : '@click'}="${tap.expression}"`
        for (const hit of hits) {
          if (!hit.boundary) continue
          findings.push(lateStart(hit, template, label, tap.line, handler))
        }
        const reachesEid = handler.startsEid === true || hits.some((hit) => hit.kind === 'eid')
        if (project.kind === 'uniapp' && template.dialect === 'vue' && reachesEid && element.attributes.get('data-eventsync') !== 'true') {
          findings.push({
            check: 'tap-handler',
            severity: 'error',
            file: template.file,
            line: element.line,
            message: `<${element.tag} ${label}> starts E证通, but the element has no data-eventsync="true": uni-app then runs the handler in a setTimeout, outside the tap, and WeChat refuses the jump to the eID mini-program (no callback comes).`,
            fix: `Add data-eventsync="true" to the <${element.tag}>.`,
          })
        }
      }
    }
  }
  return dedupe(findings)
}

function lateStart(hit: Hit, template: TemplateUnit, label: string, tapLine: number, handler: Handler): Finding {
  const file = handler.inline && hit.via.length === 0 ? handler.file : hit.file
  const inTemplate = handler.inline === true && hit.via.length === 0
  const callLine = inTemplate ? tapLine : lineOfNode(hit.call)
  const boundary = hit.boundary as Boundary
  const at = boundary.file === file ? `line ${boundary.line}` : `${boundary.file}:${boundary.line}`
  const where = `${boundary.what}${boundary.line === undefined || inTemplate ? '' : ` (${at})`}`
  const via = hit.via.length > 0 ? `, through ${hit.via.join(' → ')}()` : ''
  if (hit.kind === 'eid') {
    return {
      check: 'tap-handler',
      severity: 'error',
      file,
      ...(callLine === undefined ? {} : { line: callLine }),
      message: `${hit.name}() runs after ${where} in the tap handler ${label} (${template.file}:${tapLine})${via}. By then the tap is over: WeChat refuses to open the eID mini-program ("can only be invoked by user TAP gesture") and the SDK calls nothing back.`,
      fix: 'Have the EidToken before the tap and start synchronously inside the handler: the kit\'s prepareEid() (fetch when the page shows, call .start() in the tap), useEidVerify()\'s start() or the <eid-verify> component do exactly that.',
    }
  }
  return {
    check: 'tap-handler',
    severity: 'warning',
    file,
    ...(callLine === undefined ? {} : { line: callLine }),
    message: `${hit.name}() runs after ${where} in the tap handler ${label} (${template.file}:${tapLine})${via}. It no longer runs inside the tap: what verify_mpsdk opens from there (its page, or WeChat's face screen for some configurations) is opened from a background continuation, and during the wait a second tap starts a second verification.`,
    fix: 'Fetch the BizToken before the tap and call startVerify synchronously, or let the kit run the whole flow from the tap: verifyFace() or the <faceid-verify> component (one verification at a time).',
  }
}

interface Handler {
  node: Node
  file: string
  /** The handler is itself the kit's eID start (`@click="start"`). */
  startsEid?: boolean
  /** An inline template expression: its lines are the template's, not a script's. */
  inline?: boolean
  /** The scope of the module the handler comes from, when it is imported. */
  scope?: Scope
}

function resolveHandler(expression: string, template: TemplateUnit, scope: Scope): Handler | undefined {
  const fileOf = (node: Node): string => template.scripts.find((s) => contains(s.program, node))?.file ?? template.file
  if (template.dialect === 'wxml') {
    const fn = scope.methods.get(expression)
    return fn ? { node: fn, file: fileOf(fn) } : undefined
  }
  const parsed = parseExpression(expression)
  if (!parsed) return undefined
  if (parsed.type === 'Identifier') {
    const fn = scope.named.get(parsed.name) ?? scope.methods.get(parsed.name)
    if (fn) return { node: fn, file: fileOf(fn) }
    const imported = scope.imports.get(parsed.name)
    if (imported) {
      const theirs = moduleScope(imported.module, scope.modules)
      const exported = exportedFunction(imported.module, imported.name, theirs)
      if (exported) return { node: exported, file: imported.module.file, scope: theirs }
    }
    if (scope.eidStarts.has(parsed.name)) return { node: parsed, file: template.file, startsEid: true }
    return undefined
  }
  walk(parsed, (node, parent) => {
    if (parent) scope.parents.set(node, parent)
  })
  // An inline statement or arrow function: analysed as the handler's own body.
  return { node: parsed, file: template.file, inline: true }
}

/** What a call starts, when it is one of the SDK starts. */
function targetOf(call: t.CallExpression | t.OptionalCallExpression, scope: Scope): { kind: TargetKind; name: string } | undefined {
  const path = memberPath(call.callee)
  const name = calleeName(call)
  if (name === 'startEid') return { kind: 'eid', name: path?.join('.') ?? 'startEid' }
  if (name === 'startVerify' && path && path.length > 1) return { kind: 'face', name: path.join('.') }
  if (name === 'startFaceVerify') return { kind: 'face', name: path?.join('.') ?? name }
  if (call.callee.type === 'Identifier' && scope.eidStarts.has(call.callee.name)) return { kind: 'eid', name: call.callee.name }
  if (name === 'start' && (call.callee.type === 'MemberExpression' || call.callee.type === 'OptionalMemberExpression')) {
    const object = call.callee.object
    if (object.type === 'Identifier' && scope.eidObjects.has(object.name)) return { kind: 'eid', name: `${object.name}.start` }
    const inner = object.type === 'AwaitExpression' ? object.argument : object
    if (isCall(inner) && EID_FACTORIES.has(calleeName(inner) ?? '')) return { kind: 'eid', name: `${calleeName(inner)}().start` }
  }
  return undefined
}

/** The function a call runs, when the page, the module or a module of the project it imports defines it; with the scope its code sees. */
function resolveCallee(call: t.CallExpression | t.OptionalCallExpression, scope: Scope): { fn: t.Function; name: string; scope: Scope } | undefined {
  const path = memberPath(call.callee)
  if (!path) return undefined
  if (path.length === 1) {
    const name = path[0] as string
    const fn = scope.named.get(name)
    if (fn) return { fn, name, scope }
    const imported = scope.imports.get(name)
    if (!imported) return undefined
    const theirs = moduleScope(imported.module, scope.modules)
    const exported = exportedFunction(imported.module, imported.name, theirs)
    return exported ? { fn: exported, name, scope: theirs } : undefined
  }
  if (path.length === 2 && path[0] === 'this') {
    const fn = scope.methods.get(path[1] as string)
    return fn ? { fn, name: `this.${path[1]}`, scope } : undefined
  }
  return undefined
}

/**
 * The SDK starts reachable from `root` (a function, or a handler expression), each with the first
 * asynchronous boundary before it: `prior` (inherited from the caller) or an await of its own.
 */
function analyse(root: Node, scope: Scope, prior: Boundary | undefined, depth: number, seen: Set<Node>, via: string[]): Hit[] {
  const hits: Hit[] = []
  const body = isFunction(root) ? root.body : root
  const awaits = ownAwaits(body)
  const visit = (node: Node): boolean => {
    if (node !== root && isFunction(node)) {
      const deferred = deferringCall(node, scope)
      const nestedPrior = prior ?? (deferred ? { what: deferred, file: scope.file, ...lineField(node) } : awaitBefore(node, awaits, scope))
      hits.push(...analyse(node, scope, nestedPrior, depth, seen, via))
      return false
    }
    if (isCall(node)) {
      const boundary = prior ?? awaitBefore(node, awaits, scope)
      const target = targetOf(node, scope)
      if (target) {
        hits.push({ ...target, call: node, via, file: scope.file, ...(boundary ? { boundary } : {}) })
      } else {
        const callee = resolveCallee(node, scope)
        if (callee && depth < MAX_DEPTH && !seen.has(callee.fn)) {
          seen.add(callee.fn)
          hits.push(...analyse(callee.fn, callee.scope, boundary, depth + 1, seen, [...via, callee.name]))
          seen.delete(callee.fn)
        }
      }
    }
    return true
  }
  walk(body, (node) => visit(node))
  return hits
}

function lineField(node: Node): { line?: number } {
  const line = lineOfNode(node)
  return line === undefined ? {} : { line }
}

/** Awaits (and for-await loops) of this function body itself, not of functions nested in it. */
function ownAwaits(body: Node): Node[] {
  const out: Node[] = []
  walk(body, (node) => {
    if (node !== body && isFunction(node)) return false
    if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await)) out.push(node)
    return undefined
  })
  return out
}

/** Why a nested function runs later: it is a promise callback, a timer, or a wx API callback. */
function deferringCall(fn: Node, scope: Scope): string | undefined {
  const holder = scope.parents.get(fn)
  if (fn.type === 'ObjectMethod' || holder?.type === 'ObjectProperty') {
    const member = fn.type === 'ObjectMethod' ? fn : holder
    const key = member && (member.type === 'ObjectMethod' || member.type === 'ObjectProperty') ? keyName(member) : undefined
    const object = member ? scope.parents.get(member) : undefined
    const call = object ? scope.parents.get(object) : undefined
    if (key && CALLBACK_KEYS.has(key) && call && isCall(call)) return `the ${key} callback of ${memberPath(call.callee)?.join('.') ?? 'a call'}()`
    return undefined
  }
  if (holder && isCall(holder) && holder.arguments.includes(fn as t.Expression)) {
    const name = calleeName(holder)
    if (name && DEFERRING_CALLS.has(name)) return name === 'then' || name === 'catch' || name === 'finally' ? `a .${name}() callback` : `a ${name}() callback`
  }
  return undefined
}

/** The first own await that has finished before `node` runs, on a path that reaches it. */
function awaitBefore(node: Node, awaits: Node[], scope: Scope): Boundary | undefined {
  for (const candidate of awaits) {
    const precedes = isFunction(node) ? end(candidate) <= start(node) : end(candidate) <= end(node) && !contains(candidate, node)
    if (!precedes || excluded(candidate, node, scope)) continue
    return { what: 'an await', file: scope.file, ...lineField(candidate) }
  }
  return undefined
}

/**
 * An await that cannot precede the node: it is in the other branch of an if / ?:, or in a branch
 * that returns or throws before the node is reached.
 */
function excluded(awaitNode: Node, node: Node, scope: Scope): boolean {
  let child = awaitNode
  for (let parent = scope.parents.get(child); parent && !contains(parent, node); child = parent, parent = scope.parents.get(parent)) {
    if (isFunction(parent)) return false
    if (parent.type === 'IfStatement' && (child === parent.consequent || child === parent.alternate) && exits(child)) return true
  }
  const top = child
  const parent = scope.parents.get(top)
  if (parent && (parent.type === 'IfStatement' || parent.type === 'ConditionalExpression')) {
    if (top === parent.consequent && parent.alternate && contains(parent.alternate, node)) return true
    if (top === parent.alternate && contains(parent.consequent, node)) return true
  }
  return false
}

/** A branch whose last statement leaves the function. */
function exits(branch: Node): boolean {
  const last = branch.type === 'BlockStatement' ? branch.body[branch.body.length - 1] : branch
  return last?.type === 'ReturnStatement' || last?.type === 'ThrowStatement'
}

function start(node: Node): number {
  return node.start ?? 0
}

function end(node: Node): number {
  return node.end ?? 0
}

function contains(outer: Node, inner: Node): boolean {
  return start(outer) <= start(inner) && end(inner) <= end(outer)
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>()
  return findings.filter((f) => {
    const key = `${f.file}:${f.line}:${f.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
