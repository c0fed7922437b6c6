/** Runs every check on a project and assembles the report. */
import { checkComponents } from './checks/components.js'
import { checkMegvii } from './checks/megvii.js'
import type { Check, CheckContext } from './checks/context.js'
import { checkDevSettings } from './checks/dev-settings.js'
import { checkNormalPath } from './checks/normal-path.js'
import { checkPages } from './checks/pages.js'
import { checkSceneGuard } from './checks/scene-guard.js'
import { checkSdkFolders } from './checks/sdk-folders.js'
import { checkTapHandlers } from './checks/tap-handlers.js'
import { requiredDomains } from './domains.js'
import { DoctorUsageError } from './errors.js'
import { loadProject } from './project.js'
import { findSdks } from './sdks.js'
import { loadSources } from './sources.js'
import type { DoctorReport } from './types.js'
import { findUses } from './uses.js'

const CHECKS: Check[] = [checkSdkFolders, checkPages, checkNormalPath, checkSceneGuard, checkTapHandlers, checkComponents, checkMegvii, checkDevSettings]

export interface DiagnoseOptions {
  /** The project folder: a mini-program (app.json, or project.config.json with miniprogramRoot) or a uni-app project (pages.json, or src/pages.json). */
  projectDir: string
}

/** Throws DoctorUsageError when the folder is missing, unreadable or not a project. */
export function diagnose(options: DiagnoseOptions): DoctorReport {
  if (!options || typeof options.projectDir !== 'string' || options.projectDir === '') {
    throw new DoctorUsageError('diagnose({ projectDir }): projectDir must be a non-empty string')
  }
  const project = loadProject(options.projectDir)
  const sources = loadSources(project)
  const sdks = findSdks(project)
  const uses = findUses(project, sources)
  const notes: string[] = []
  for (const sdk of sdks) {
    if (sdk.simulated) notes.push(`${sdk.dir} is faceid-kit's simulated ${sdk.name} (sandbox): it refuses release builds; replace it with Tencent's download before shipping. Version checks skip it.`)
    else if (!sdk.version) notes.push(`${sdk.dir}: no Log.version found, so its version was not checked.`)
  }
  const context: CheckContext = { project, sources, sdks, uses, notes }
  const findings = CHECKS.flatMap((check) => check(context))
  return {
    projectDir: project.dir,
    kind: project.kind,
    root: project.root,
    sdks,
    uses: { face: uses.face, eid: uses.eid, megvii: uses.megvii, halfScreen: uses.halfScreen !== undefined, needJumpPage: uses.needJumpPage !== undefined },
    findings,
    domains: requiredDomains(sdks, uses, sources),
    notes,
    ok: findings.length === 0,
  }
}
