/**
 * The project's own code, parsed: scripts (.js/.ts), .vue files (their <script> blocks and
 * template) and WXML templates with the script beside them. Tencent's SDK folders, copies of the
 * kit, uni_modules and wxcomponents are not the project's code and are left out.
 */
import { parse as parseSfc } from '@vue/compiler-sfc'
import { parseScript, type ParsedScript } from './ast.js'
import type { Project } from './project.js'
import { vueElements, wxmlElements, type TemplateElement } from './templates.js'

export interface TemplateUnit {
  /** The template's file (.wxml or .vue). */
  file: string
  dialect: 'wxml' | 'vue'
  elements: TemplateElement[]
  /** The scripts that define its handlers: the page's .js/.ts, or the .vue file's <script> blocks. */
  scripts: ParsedScript[]
}

export interface Sources {
  /** Every script of the project's own code, .vue blocks included. */
  scripts: ParsedScript[]
  templates: TemplateUnit[]
  /** The App's script(s): app.js / app.ts, or App.vue's blocks. */
  app: ParsedScript[]
  appFile?: string
}

const MAX_SCRIPT_BYTES = 1_000_000

/** Folders holding code that is not the project's own: SDKs, kit copies, third-party modules. */
export function foreignPrefixes(project: Project): string[] {
  const prefixes = new Set<string>()
  const files = new Set(project.files)
  for (const file of project.files) {
    const sdk = /^(.*?(?:^|\/))(verify_mpsdk|mp_ecard_sdk)\//.exec(file)
    if (sdk) prefixes.add(`${sdk[1]}${sdk[2]}/`)
    const kit = /^(.*?)faceid-verify\/index\.js$/.exec(file)
    if (kit && files.has(`${kit[1]}eid-verify/index.js`)) prefixes.add(kit[1] ?? '')
  }
  if (project.kind === 'uniapp') for (const folder of ['uni_modules/', 'wxcomponents/', 'static/']) prefixes.add(folder)
  // A kit copy at the root would make the whole project foreign.
  prefixes.delete('')
  return [...prefixes]
}

export function loadSources(project: Project): Sources {
  const foreign = foreignPrefixes(project)
  const own = project.files.filter((file) => !foreign.some((prefix) => file.startsWith(prefix)))
  const scripts: ParsedScript[] = []
  const byFile = new Map<string, ParsedScript>()
  const templates: TemplateUnit[] = []
  let app: ParsedScript[] = []
  let appFile: string | undefined

  for (const file of own) {
    if (!/\.(js|ts|mjs|cjs)$/.test(file) || file.endsWith('.d.ts')) continue
    const text = project.read(file)
    if (text === undefined || text.length > MAX_SCRIPT_BYTES) continue
    const parsed = parseScript(file, text, { typescript: file.endsWith('.ts') })
    if (!parsed) continue
    scripts.push(parsed)
    byFile.set(file, parsed)
  }

  for (const file of own) {
    if (file.endsWith('.wxml')) {
      const text = project.read(file)
      if (text === undefined) continue
      const base = file.replace(/\.wxml$/, '')
      const script = byFile.get(`${base}.ts`) ?? byFile.get(`${base}.js`)
      templates.push({ file, dialect: 'wxml', elements: wxmlElements(text), scripts: script ? [script] : [] })
    } else if (file.endsWith('.vue')) {
      const text = project.read(file)
      if (text === undefined) continue
      const { descriptor } = parseSfc(text, { filename: file })
      const blocks: ParsedScript[] = []
      for (const block of [descriptor.script, descriptor.scriptSetup]) {
        if (!block) continue
        const parsed = parseScript(file, block.content, { typescript: block.lang === 'ts' || block.lang === 'tsx', startLine: block.loc.start.line })
        if (parsed) blocks.push(parsed)
      }
      scripts.push(...blocks)
      templates.push({ file, dialect: 'vue', elements: descriptor.template?.ast ? vueElements(descriptor.template.ast.children) : [], scripts: blocks })
      if (project.kind === 'uniapp' && file === 'App.vue') {
        app = blocks
        appFile = file
      }
    }
  }

  if (project.kind === 'miniprogram') {
    for (const file of ['app.ts', 'app.js']) {
      const parsed = byFile.get(file)
      if (parsed) {
        app = [parsed]
        appFile = file
        break
      }
    }
  }
  return { scripts, templates, app, ...(appFile === undefined ? {} : { appFile }) }
}
