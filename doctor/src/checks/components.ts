/**
 * The kit's components registered twice: two copies of the kit (each with its own configure()
 * and its own "one verification at a time"), one tag pointing at two places, or, in uni-app, the
 * wxcomponent route under the tag the Vue route (uni_modules, easycom) already takes.
 */
import type { Registration } from '../project.js'
import type { Finding } from '../types.js'
import { hasUniModuleKit, kitComponentOf } from '../uses.js'
import type { CheckContext } from './context.js'

export function checkComponents({ project }: CheckContext): Finding[] {
  const findings: Finding[] = []
  const kit = project.registrations.filter((r) => kitComponentOf(r.target))
  const where = (r: Registration): string => `${r.file}${r.line === undefined ? '' : `:${r.line}`}`

  // One kit copy: every registration resolves to the same folder.
  const copies = new Map<string, Registration[]>()
  for (const registration of kit) {
    const root = kitRoot(registration, project.kind, project.files)
    copies.set(root, [...(copies.get(root) ?? []), registration])
  }
  if (copies.size > 1) {
    const entries = [...copies.entries()]
    const list = entries.map(([root, regs]) => `${root || '(root)'} (${regs.map(where).join(', ')})`).join('; ')
    const firstReg = entries[0]?.[1][0]
    findings.push({
      check: 'components',
      severity: 'error',
      ...(firstReg ? { file: firstReg.file, ...(firstReg.line === undefined ? {} : { line: firstReg.line }) } : {}),
      message: `The kit's components come from ${copies.size} different copies of the kit: ${list}. Each copy has its own configure() and its own one-at-a-time lock, so components from the copy you did not configure fail with NOT_CONFIGURED, and two verifications can run at once.`,
      fix: 'Register every faceid-verify / eid-verify from one copy (the npm package after 构建 npm, or one copied folder) and delete the other.',
    })
  }

  // One tag, two targets (app-wide and a page, or two pages).
  const byTag = new Map<string, Registration[]>()
  for (const registration of kit) byTag.set(registration.tag, [...(byTag.get(registration.tag) ?? []), registration])
  for (const [tag, regs] of byTag) {
    const targets = new Set(regs.map((r) => normalise(r.target)))
    if (targets.size < 2 || copies.size > 1) continue
    findings.push({
      check: 'components',
      severity: 'warning',
      file: regs[0]?.file as string,
      message: `<${tag}> is registered ${regs.length} times with different paths (${regs.map((r) => `${r.target} in ${where(r)}`).join('; ')}).`,
      fix: `Register <${tag}> once, app-wide (${project.kind === 'uniapp' ? 'pages.json globalStyle.usingComponents' : 'app.json usingComponents'}), and remove the others.`,
    })
  }

  // uni-app: the Vue route's easycom tags are taken.
  if (hasUniModuleKit(project)) {
    for (const registration of kit) {
      if (registration.tag !== 'faceid-verify' && registration.tag !== 'eid-verify') continue
      findings.push({
        check: 'components',
        severity: 'error',
        file: registration.file,
        ...(registration.line === undefined ? {} : { line: registration.line }),
        message: `<${registration.tag}> is registered twice: by uni_modules/faceid-kit (the Vue route, easycom) and as the wxcomponent ${registration.target}. The page-level Vue component silently wins, so the wxcomponent never renders.`,
        fix: `Name the wxcomponents with a prefix: rerun install-wxcomponents with --prefix mp- (→ <mp-${registration.tag}>), or rename the key to "mp-${registration.tag}" and use that tag.`,
      })
    }
  }
  return findings
}

function normalise(target: string): string {
  return target.replace(/\.(js|json)$/, '').replace(/^\/+/, '')
}

/** The kit folder a registration points into, relative to the project root. */
function kitRoot(registration: Registration, kind: 'miniprogram' | 'uniapp', files: string[]): string {
  const target = normalise(registration.target).replace(/\/?(faceid-verify|eid-verify)\/(index|faceid-verify|eid-verify)$/, '')
  if (registration.target.startsWith('/')) return target
  const base = registration.file.split('/').slice(0, -1)
  for (const part of target.split('/')) {
    if (part === '..') base.pop()
    else if (part !== '.') base.push(part)
  }
  const relative = base.join('/')
  if (registration.target.startsWith('.') || kind === 'uniapp') return relative
  // WeChat reads a bare path as relative first, then as an npm package (miniprogram_npm).
  const exists = files.some((f) => f.startsWith(`${relative}/faceid-verify/`) || f.startsWith(`${relative}/eid-verify/`))
  return exists ? relative : `miniprogram_npm/${target}`
}
