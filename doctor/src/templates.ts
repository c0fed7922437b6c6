/**
 * Templates as parsed trees: WXML through Vue's template parser (@vue/compiler-dom, which reads
 * WXML's tags, `bind:tap` attributes and `{{ }}` without complaint) and the <template> of a .vue
 * file through @vue/compiler-sfc. The checks see elements with their attributes and tap handlers.
 */
import { parse as parseTemplate, type AttributeNode, type DirectiveNode, type ElementNode, type TemplateChildNode } from '@vue/compiler-dom'

export interface TemplateElement {
  tag: string
  line: number
  /** Static attributes: name → value ('' for a bare attribute). WXML `{{ }}` values are kept as written. */
  attributes: Map<string, string>
  /** Vue `:name` / `v-bind:name` bindings: name → expression. */
  bindings: Map<string, string>
  /** Handlers of a tap: the WXML method name, or the Vue expression (`start`, `start()`, `go($event)`). */
  taps: { expression: string; line: number }[]
}

/** WXML attributes that bind a tap (bindtap, catch:tap, mut-bind:tap, capture-bind:tap…). */
const WXML_TAP = /^(bind|catch|mut-bind|capture-bind|capture-catch):?tap$/

/** Vue events a tap fires (uni-app maps click to WeChat's tap). */
const VUE_TAP_EVENTS = new Set(['click', 'tap'])

export function wxmlElements(text: string): TemplateElement[] {
  const root = parseTemplate(text, { comments: false, onError: () => undefined, onWarn: () => undefined })
  const out: TemplateElement[] = []
  collect(root.children, out, 'wxml')
  return out
}

/** Elements of a .vue template AST (from compiler-sfc's descriptor). */
export function vueElements(children: TemplateChildNode[]): TemplateElement[] {
  const out: TemplateElement[] = []
  collect(children, out, 'vue')
  return out
}

function collect(nodes: TemplateChildNode[], out: TemplateElement[], dialect: 'wxml' | 'vue'): void {
  for (const node of nodes) {
    if (node.type !== 1) continue
    out.push(element(node, dialect))
    collect(node.children, out, dialect)
  }
}

function element(node: ElementNode, dialect: 'wxml' | 'vue'): TemplateElement {
  const attributes = new Map<string, string>()
  const bindings = new Map<string, string>()
  const taps: TemplateElement['taps'] = []
  for (const prop of node.props as (AttributeNode | DirectiveNode)[]) {
    if (prop.type === 6) {
      const value = prop.value?.content ?? ''
      attributes.set(prop.name, value)
      if (dialect === 'wxml' && WXML_TAP.test(prop.name) && value && !value.includes('{{')) taps.push({ expression: value.trim(), line: prop.loc.start.line })
      continue
    }
    const arg = prop.arg && prop.arg.type === 4 ? prop.arg.content : undefined
    const exp = prop.exp && prop.exp.type === 4 ? prop.exp.content : undefined
    if (prop.name === 'on' && arg && VUE_TAP_EVENTS.has(arg) && exp) taps.push({ expression: exp.trim(), line: prop.loc.start.line })
    if (prop.name === 'bind' && arg && exp) bindings.set(arg, exp)
  }
  return { tag: node.tag, line: node.loc.start.line, attributes, bindings, taps }
}
