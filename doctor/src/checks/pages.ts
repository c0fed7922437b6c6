/**
 * app.json / pages.json: every JSON file parses, the pages the SDKs open are registered, and
 * verify_mpsdk's host page (uni-app, or a native startPath) exists and hosts its indexCom.
 */
import { lineOfNode, keyName, walk } from '../ast.js'
import { isRecord, parseJsonFile } from '../json-file.js'
import { stripSlashes } from '../project.js'
import type { Finding, SdkInfo } from '../types.js'
import type { CheckContext } from './context.js'

const INDEX_COM = /(^|\/)verify_mpsdk\/indexCom$/

export function checkPages(context: CheckContext): Finding[] {
  const { project, sdks, uses } = context
  const findings: Finding[] = []
  for (const broken of project.brokenJson) {
    findings.push({
      check: 'pages',
      severity: 'error',
      file: broken.file,
      ...(broken.errorLine === undefined ? {} : { line: broken.errorLine }),
      message: `${broken.file} does not parse: WeChat DevTools (or uni-app) refuses it, and the doctor cannot check what it holds.`,
      fix: 'Fix the syntax error on that line.',
    })
  }
  const pagesFile = project.kind === 'uniapp' ? 'pages.json' : 'app.json'
  if (!project.pagesFile) return findings
  const registered = new Set(project.pages)
  const hosts = new Set(project.registrations.filter((r) => r.page && INDEX_COM.test(r.target)).map((r) => r.page as string))

  for (const sdk of sdks) {
    if (sdk.name === 'mp_ecard_sdk') {
      for (const page of sdkPages(project, sdk)) {
        if (registered.has(page)) continue
        findings.push({
          check: 'pages',
          severity: 'error',
          file: pagesFile,
          message: `${pagesFile} does not register ${page}, a page mp_ecard_sdk ships: when the SDK navigates there (the needJumpPage confirm page, older builds' agreement pages) the navigation fails and no callback comes.`,
          fix:
            project.kind === 'uniapp'
              ? `Add { "path": "${page}", "style": { "navigationBarTitleText": "腾讯云E证通授权" } } to "pages" (not as the first page).`
              : `Add "${page}" to "pages" (not as the first page).`,
        })
      }
    }
  }

  const face = sdks.some((s) => s.name === 'verify_mpsdk') || uses.face
  if (face && project.kind === 'miniprogram') {
    const page = 'verify_mpsdk/index/index'
    if (!registered.has(page) && hosts.size === 0) {
      findings.push({
        check: 'pages',
        severity: 'error',
        file: pagesFile,
        message: `app.json does not register ${page}: wx.startVerify navigates there, the navigation fails and neither callback comes (the kit rejects with SDK_ERROR).`,
        fix: `Add "${page}" to "pages" in app.json (not as the first page).`,
      })
    }
  }
  if (face && project.kind === 'uniapp' && hosts.size === 0) {
    findings.push({
      check: 'pages',
      severity: 'error',
      file: pagesFile,
      message: 'pages.json has no page hosting verify_mpsdk\'s indexCom: in uni-app the SDK runs inside such a page (its startPath), and without it startVerify cannot open anything.',
      fix: 'Add an empty page, e.g. { "path": "pages/faceid-kit/verify", "style": { "usingComponents": { "verify-mp": "/wxcomponents/verify_mpsdk/indexCom" } } }, and pass "/pages/faceid-kit/verify" as startPath (install-wxcomponents --write-pages-json writes both).',
    })
  }

  // Every startPath the code or templates give must be a registered page that hosts indexCom.
  for (const start of startPaths(context)) {
    const page = stripSlashes(start.value.split('?')[0] ?? '')
    if (registered.has(page) && hosts.has(page)) continue
    findings.push({
      check: 'pages',
      severity: 'error',
      file: start.file,
      ...(start.line === undefined ? {} : { line: start.line }),
      message: registered.has(page)
        ? `startPath ${start.value} is a page, but it does not register verify_mpsdk's indexCom: the SDK opens it and nothing happens.`
        : `startPath ${start.value} is not a page in ${pagesFile}: the SDK's navigation there fails and no callback comes.`,
      fix: registered.has(page)
        ? `Give ${page} "usingComponents": { "verify-mp": "/wxcomponents/verify_mpsdk/indexCom" } in its style.`
        : `Register ${page} in ${pagesFile} with "usingComponents": { "verify-mp": "/wxcomponents/verify_mpsdk/indexCom" }, or point startPath at the page that has it.`,
    })
  }
  return findings
}

/** The pages an SDK folder ships: .vue files (uni-app build) or .json + .wxml pairs (WeChat build). */
function sdkPages(project: CheckContext['project'], sdk: SdkInfo): string[] {
  const inside = project.files.filter((f) => f.startsWith(`${sdk.dir}/`))
  const set = new Set(inside)
  const pages = new Set<string>()
  for (const file of inside) {
    if (file.endsWith('.vue')) pages.add(file.replace(/\.vue$/, ''))
    if (file.endsWith('.wxml')) {
      const base = file.replace(/\.wxml$/, '')
      // A component (like verify_mpsdk's indexCom) declares "component": true; a page does not.
      if (set.has(`${base}.json`) && !isComponent(project.read(`${base}.json`))) pages.add(base)
    }
  }
  return [...pages].sort()
}

function isComponent(json: string | undefined): boolean {
  if (json === undefined) return false
  const value = parseJsonFile('', json).value
  return isRecord(value) && value.component === true
}

interface StartPath {
  value: string
  file: string
  line?: number
}

function startPaths({ sources }: CheckContext): StartPath[] {
  const out: StartPath[] = []
  for (const script of sources.scripts) {
    walk(script.program, (node) => {
      if (node.type === 'ObjectProperty' && keyName(node) === 'startPath' && node.value.type === 'StringLiteral') {
        const line = lineOfNode(node)
        out.push({ value: node.value.value, file: script.file, ...(line === undefined ? {} : { line }) })
      }
    })
  }
  for (const template of sources.templates) {
    for (const element of template.elements) {
      const value = element.attributes.get('start-path') ?? element.attributes.get('startPath')
      if (value && !value.includes('{{')) out.push({ value, file: template.file, line: element.line })
    }
  }
  return out
}
