/**
 * The kit's components registered twice: two copies of the kit (each with its own configure()
 * and its own "one verification at a time"), one tag pointing at two places, or, in uni-app, the
 * wxcomponent route under the tag the Vue route (uni_modules, easycom) already takes.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
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
      fix: 'Register every faceid-verify / eid-verify / megvii-verify from one copy (the npm package after 构建 npm, or one copied folder) and delete the other.',
    })
  }

  // Every registration must point at a component that is there.
  for (const [root, regs] of copies) {
    for (const registration of regs) {
      const component = normalise(registration.target).split('/').slice(-2, -1)[0] ?? ''
      if (existsSync(path.join(project.root, root, component, 'index.js'))) continue
      const npm = root.startsWith('miniprogram_npm/')
      findings.push({
        check: 'components',
        severity: 'error',
        file: registration.file,
        ...(registration.line === undefined ? {} : { line: registration.line }),
        message: `<${registration.tag}> is registered as ${registration.target}, but ${root}/${component}/index.js does not exist: every page using it fails to load.`,
        fix: npm
          ? 'Build the npm packages: DevTools → 工具 → 构建 npm (miniprogram-ci packNpm in CI), which writes miniprogram_npm/.'
          : project.kind === 'uniapp'
            ? 'Copy the kit\'s components there: npx faceid-kit-install-wxcomponents <source root> --prefix mp- --write-pages-json.'
            : 'Copy the kit (miniprogram_dist of @faceid-kit/miniprogram) to that folder, or point usingComponents at where it is.',
      })
    }
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
  const target = normalise(registration.target).replace(/\/?(faceid-verify|eid-verify|megvii-verify)\/(index|faceid-verify|eid-verify|megvii-verify)$/, '')
  if (registration.target.startsWith('/')) return target
  const base = registration.file.split('/').slice(0, -1)
  for (const part of target.split('/')) {
    if (part === '..') base.pop()
    else if (part !== '.') base.push(part)
  }
  const relative = base.join('/')
  if (registration.target.startsWith('.') || kind === 'uniapp') return relative
  // WeChat reads a bare path as relative first, then as an npm package (miniprogram_npm).
  const exists = files.some((f) => ['faceid-verify', 'eid-verify', 'megvii-verify'].some((c) => f.startsWith(`${relative}/${c}/`)))
  return exists ? relative : `miniprogram_npm/${target}`
}
