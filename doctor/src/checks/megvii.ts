/**
 * Megvii FaceID lite: Megvii's own component (`faceid-components`, from Megvii's download centre,
 * never part of the kit) is where the registrations point, and a uni-app project takes the route
 * that works there (`useMegviiVerify`, not the wxcomponent `<megvii-verify>`).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Registration } from '../project.js'
import type { Finding } from '../types.js'
import { isKitMegviiFile, isMegviiComponent, kitComponentOf } from '../uses.js'
import type { CheckContext } from './context.js'

/** Where `<megvii-verify>` registers Megvii's component: the mini-program root. */
const ROOT_COMPONENT = 'faceid-components/components/index/index'
const DOWNLOAD = "Download 人脸核身微信小程序包 from Megvii's download centre (https://faceid.com/faceopen/pages/sdk_download) and unzip it"
const UNI_REGISTRATION = '"usingComponents": { "faceid-verify": "/wxcomponents/faceid-components/components/index/index" }'

export function checkMegvii({ project, uses }: CheckContext): Finding[] {
  if (!uses.megvii) return []
  const findings: Finding[] = []
  const uni = project.kind === 'uniapp'
  const at = (r: Registration) => ({ file: r.file, ...(r.line === undefined ? {} : { line: r.line }) })
  const exists = (file: string) => existsSync(path.join(project.root, file))

  const kitRegistrations = project.registrations.filter((r) => kitComponentOf(r.target) === 'megvii')
  for (const registration of kitRegistrations) {
    if (uni) {
      findings.push({
        check: 'components',
        severity: 'error',
        ...at(registration),
        message: `<${registration.tag}> is the wxcomponent <megvii-verify>, which registers Megvii's component at the mini-program root (/${ROOT_COMPONENT}), where uni-app copies nothing: the page fails to load.`,
        fix: `Use useMegviiVerify() from uni_modules/faceid-kit instead, with Megvii's faceid-components in src/wxcomponents/faceid-components and the page registering it: ${UNI_REGISTRATION}.`,
      })
    } else if (!exists(`${ROOT_COMPONENT}.js`)) {
      findings.push({
        check: 'sdk-missing',
        severity: 'error',
        ...at(registration),
        message: `<${registration.tag}> shows Megvii's component from /${ROOT_COMPONENT}, but there is no faceid-components folder at the mini-program root: every page using <${registration.tag}> fails to load.`,
        fix: `${DOWNLOAD}, and copy its faceid-components folder to the mini-program root, next to app.json.`,
      })
    }
  }

  // Megvii's component registered by the project itself (a uni-app page, a page of its own); the
  // kit's <megvii-verify> registers it too, and is judged above.
  const direct = project.registrations.filter((r) => isMegviiComponent(r.target) && !isKitMegviiFile(r.file))
  for (const registration of direct) {
    const file = `${resolveTarget(registration)}.js`
    if (exists(file)) continue
    findings.push({
      check: 'sdk-missing',
      severity: 'error',
      ...at(registration),
      message: `<${registration.tag}> is registered as Megvii's component ${registration.target}, but ${file} does not exist: the page fails to load.`,
      fix: uni
        ? `${DOWNLOAD}, copy its faceid-components folder to src/wxcomponents/faceid-components (uni-app copies wxcomponents into the build as it is), and register ${UNI_REGISTRATION}.`
        : `${DOWNLOAD}, and copy its faceid-components folder to where the registration points.`,
    })
  }

  // The composable hears Megvii's component, which a page must show.
  if (uni && direct.length === 0 && kitRegistrations.length === 0) {
    findings.push({
      check: 'pages',
      severity: 'error',
      ...(project.pagesFile ? { file: project.pagesFile.file } : {}),
      message: "The project runs Megvii FaceID lite (useMegviiVerify), but no page registers Megvii's component: there is nothing to show the user, and the verification never finishes.",
      fix: `Register it in the style of the page that runs the verification: ${UNI_REGISTRATION} (with faceid-components in src/wxcomponents/faceid-components).`,
    })
  }
  return findings
}

/** A registration's target as a path from the root: absolute from the root, else from the registering file's folder. */
function resolveTarget(registration: Registration): string {
  const target = registration.target.replace(/\.js$/, '')
  if (target.startsWith('/')) return target.slice(1)
  return path.posix.normalize(path.posix.join(path.posix.dirname(registration.page ?? registration.file), target))
}
