/**
 * What the project uses, read from its code, templates and configuration: face verification
 * (verify_mpsdk), E证通 (mp_ecard_sdk), Megvii FaceID lite (Megvii's faceid-components),
 * half-screen, the confirm page. The version and page
 * checks ask for what is used, not for everything an SDK could do.
 */
import { calleeName, isCall, keyName, lineOfNode, stringLiterals, walk, type Node } from './ast.js'
import type { Project } from './project.js'
import type { Sources } from './sources.js'
import type { TemplateElement } from './templates.js'

export interface Place {
  file: string
  line?: number
}

export interface Uses {
  face: boolean
  eid: boolean
  /** Megvii FaceID lite: `<megvii-verify>`, `useMegviiVerify()`, or Megvii's own component registered. */
  megvii: boolean
  /** Where half-screen is asked for (`enableEmbedded`, `embedded`), first one. */
  halfScreen?: Place
  /** Where the confirm page is asked for (`needJumpPage`), first one. */
  needJumpPage?: Place
  /** Tags that render the kit's components, by component. */
  kitTags: { face: Set<string>; eid: Set<string>; megvii: Set<string> }
}

const FACE_CALLS = new Set(['startVerify', 'verifyFace', 'startFaceVerify', 'useFaceVerify', 'initFaceVerify'])
const EID_CALLS = new Set(['startEid', 'initEid', 'prepareEid', 'useEidVerify'])
const MEGVII_CALLS = new Set(['useMegviiVerify', 'createMegviiRun'])
/** Calls whose options can ask for half-screen. */
const EID_START_CALLS = new Set(['startEid', 'prepareEid', 'useEidVerify', 'start'])

export function kitComponentOf(target: string): 'face' | 'eid' | 'megvii' | undefined {
  const clean = target.replace(/\.(js|json)$/, '')
  if (/(^|\/)faceid-verify\/(index|faceid-verify)$/.test(clean)) return 'face'
  if (/(^|\/)eid-verify\/(index|eid-verify)$/.test(clean)) return 'eid'
  if (/(^|\/)megvii-verify\/(index|megvii-verify)$/.test(clean)) return 'megvii'
  return undefined
}

/** Megvii's own component, from its 人脸核身微信小程序包 (`faceid-components/components/index/index`). */
export function isMegviiComponent(target: string): boolean {
  return /(^|\/)faceid-components\/components\/index\/index(\.js)?$/.test(target)
}

/** A JSON file of the kit's own `<megvii-verify>`: its registration of Megvii's component is no use until a page registers `<megvii-verify>`. */
export function isKitMegviiFile(file: string): boolean {
  return /(^|\/)megvii-verify\/[^/]+\.json$/.test(file)
}

/** The Vue route (uni_modules/faceid-kit) registers <faceid-verify> and <eid-verify> by easycom. */
export function hasUniModuleKit(project: Project): boolean {
  return project.kind === 'uniapp' && project.files.some((f) => f.startsWith('uni_modules/faceid-kit/components/'))
}

export function findUses(project: Project, sources: Sources): Uses {
  const kitTags = { face: new Set<string>(), eid: new Set<string>(), megvii: new Set<string>() }
  // Megvii's component by page ('' app-wide): uni-app pages often name it <faceid-verify>, the
  // kit's face tag, which on such a page is Megvii's.
  const megviiTags = new Map<string, Set<string>>()
  for (const registration of project.registrations) {
    const component = kitComponentOf(registration.target)
    if (component) kitTags[component].add(registration.tag)
    if (isMegviiComponent(registration.target) && !isKitMegviiFile(registration.file)) {
      const page = registration.page ?? ''
      megviiTags.set(page, new Set([...(megviiTags.get(page) ?? []), registration.tag]))
    }
  }
  if (hasUniModuleKit(project)) {
    kitTags.face.add('faceid-verify')
    kitTags.eid.add('eid-verify')
  }

  let face = project.registrations.some((r) => /verify_mpsdk\/indexCom$/.test(r.target)) || project.pages.some((p) => p.includes('verify_mpsdk/'))
  let eid = project.pages.some((p) => p.includes('mp_ecard_sdk/'))
  let megvii = kitTags.megvii.size > 0 || megviiTags.size > 0
  let halfScreen: Place | undefined
  let needJumpPage: Place | undefined

  for (const script of sources.scripts) {
    for (const text of stringLiterals(script.program)) {
      if (text.includes('verify_mpsdk')) face = true
      if (text.includes('mp_ecard_sdk')) eid = true
    }
    walk(script.program, (node) => {
      if (isCall(node)) {
        const name = calleeName(node)
        if (name && FACE_CALLS.has(name)) face = true
        if (name && EID_CALLS.has(name)) eid = true
        if (name && MEGVII_CALLS.has(name)) megvii = true
      }
      if (node.type === 'ObjectProperty') {
        const key = keyName(node)
        const off = node.value.type === 'BooleanLiteral' && !node.value.value
        const place = { file: script.file, ...(lineOfNode(node) === undefined ? {} : { line: lineOfNode(node) }) }
        // `enableEmbedded` is the SDK's own name; the kit's `embedded` counts only in an option object of an eID start.
        const asksHalfScreen = key === 'enableEmbedded' || (key === 'embedded' && inEidCall(node, script.parents))
        if (asksHalfScreen && !off) halfScreen ??= place
        if (key === 'needJumpPage' && !off) needJumpPage ??= place
      }
    })
  }

  for (const template of sources.templates) {
    const page = template.file.replace(/\.(wxml|vue)$/, '')
    const megviiHere = new Set([...(megviiTags.get(page) ?? []), ...(megviiTags.get('') ?? [])])
    for (const element of template.elements) {
      if (megviiHere.has(element.tag)) continue
      if (kitTags.face.has(element.tag)) face = true
      if (!kitTags.eid.has(element.tag)) continue
      eid = true
      const place = { file: template.file, line: element.line }
      if (asksFor(element, ['embedded'])) halfScreen ??= place
      if (asksFor(element, ['need-jump-page', 'needJumpPage'])) needJumpPage ??= place
    }
  }
  return { face, eid, megvii, kitTags, ...(halfScreen ? { halfScreen } : {}), ...(needJumpPage ? { needJumpPage } : {}) }
}

/** Whether a property sits in the arguments of an eID call (`useEidVerify({ embedded })`, `prepared.start({ embedded })`). */
function inEidCall(node: Node, parents: WeakMap<Node, Node>): boolean {
  let child: Node = node
  for (let parent = parents.get(child), depth = 0; parent && depth < 4; child = parent, parent = parents.get(parent), depth++) {
    if (isCall(parent)) return parent.arguments.includes(child as (typeof parent.arguments)[number]) && EID_START_CALLS.has(calleeName(parent) ?? '')
  }
  return false
}

/** A boolean property set on an element, statically or bound, unless it is plainly false. */
function asksFor(element: TemplateElement, names: string[]): boolean {
  for (const name of names) {
    const value = element.attributes.get(name) ?? element.bindings.get(name)
    if (value === undefined) continue
    if (!/^\s*(\{\{\s*)?false(\s*\}\})?\s*$/.test(value)) return true
  }
  return false
}
