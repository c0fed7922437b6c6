/**
 * The return from the eID mini-program fires App.onShow with scene 1038. An onShow that does
 * something (refresh, re-login, navigate) must skip that show: the kit's guard, or a test of the
 * scene and referrer appId.
 */
import type * as t from '@babel/types'
import { calleeName, isCall, isFunction, lineOfNode, memberFunction, objectMember, walk, type Node } from '../ast.js'
import type { ParsedScript } from '../ast.js'
import type { Finding } from '../types.js'
import { EID_APP_ID, type CheckContext } from './context.js'

const GUARD_CALLS = new Set(['withEidReturnGuard', 'guardEidReturn'])

interface ShowHandler {
  fn: t.Function
  script: ParsedScript
}

export function checkSceneGuard({ project, sources, uses }: CheckContext): Finding[] {
  if (!uses.eid || !sources.appFile) return []
  const handlers: ShowHandler[] = []
  for (const script of sources.app) handlers.push(...showHandlers(script, project.kind === 'uniapp'))
  const findings: Finding[] = []
  for (const { fn, script } of handlers) {
    if (fn.body.type === 'BlockStatement' && fn.body.body.length === 0) continue
    if (isGuarded(fn)) continue
    const line = lineOfNode(fn)
    findings.push({
      check: 'scene-guard',
      severity: 'error',
      file: script.file,
      ...(line === undefined ? {} : { line }),
      message: `App onShow runs its own logic on every show, including the return from E证通 (scene 1038 from ${EID_APP_ID}): whatever it does (refresh, re-login, navigation) also runs while the SDK is handing back the result.`,
      fix:
        project.kind === 'uniapp'
          ? "Wrap the handler: onShow(guardEidReturn((options) => { … })) with guardEidReturn from '@/uni_modules/faceid-kit/js_sdk', or return first when isEidReturn(options)."
          : `Wrap the App options with the kit's withEidReturnGuard({ … }), or begin onShow with: if (options.scene === 1038 && options.referrerInfo && options.referrerInfo.appId === '${EID_APP_ID}') return`,
    })
  }
  return findings
}

function showHandlers(script: ParsedScript, uni: boolean): ShowHandler[] {
  const out: ShowHandler[] = []
  const consts = constObjects(script)
  const fromOptions = (arg: Node | undefined): void => {
    if (!arg) return
    if (arg.type === 'Identifier') return fromOptions(consts.get(arg.name))
    if (isCall(arg)) {
      // The kit's wrapper guards everything inside; other wrappers (mixins, defineComponent) are looked into.
      if (GUARD_CALLS.has(calleeName(arg) ?? '')) return
      for (const inner of arg.arguments) fromOptions(inner)
      return
    }
    if (arg.type !== 'ObjectExpression') return
    const member = objectMember(arg, 'onShow')
    if (!member) return
    if (member.type === 'ObjectProperty' && isCall(member.value) && GUARD_CALLS.has(calleeName(member.value) ?? '')) return
    const fn = memberFunction(member)
    if (fn) out.push({ fn, script })
  }
  walk(script.program, (node) => {
    if (!uni && isCall(node) && node.callee.type === 'Identifier' && node.callee.name === 'App') fromOptions(node.arguments[0])
    if (uni && node.type === 'ExportDefaultDeclaration') fromOptions(node.declaration)
    if (uni && isCall(node) && node.callee.type === 'Identifier' && node.callee.name === 'onShow') {
      const arg = node.arguments[0]
      if (arg && isFunction(arg)) out.push({ fn: arg, script })
      else if (arg?.type === 'Identifier') {
        const fn = namedFunction(script, arg.name)
        if (fn) out.push({ fn, script })
      }
    }
  })
  return out
}

/** A test of scene 1038, or the kit's isEidReturn, anywhere in the handler. */
function isGuarded(fn: t.Function): boolean {
  let guarded = false
  walk(fn.body, (node) => {
    if (node.type === 'NumericLiteral' && node.value === 1038) guarded = true
    if (node.type === 'StringLiteral' && node.value === '1038') guarded = true
    if (isCall(node) && calleeName(node) === 'isEidReturn') guarded = true
    return !guarded
  })
  return guarded
}

/** Module-level `const x = { … }` (or a call) by name. */
function constObjects(script: ParsedScript): Map<string, Node> {
  const out = new Map<string, Node>()
  for (const statement of script.program.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement
    if (declaration?.type !== 'VariableDeclaration') continue
    for (const d of declaration.declarations) if (d.id.type === 'Identifier' && d.init) out.set(d.id.name, d.init)
  }
  return out
}

function namedFunction(script: ParsedScript, name: string): t.Function | undefined {
  for (const statement of script.program.body) {
    if (statement.type === 'FunctionDeclaration' && statement.id?.name === name) return statement
    if (statement.type === 'VariableDeclaration') {
      for (const d of statement.declarations) {
        if (d.id.type === 'Identifier' && d.id.name === name && d.init && isFunction(d.init)) return d.init
      }
    }
  }
  return undefined
}
