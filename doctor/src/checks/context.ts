import type { Project } from '../project.js'
import type { Sources } from '../sources.js'
import type { Finding, SdkInfo } from '../types.js'
import type { Uses } from '../uses.js'

/** What every check reads. */
export interface CheckContext {
  project: Project
  sources: Sources
  sdks: SdkInfo[]
  uses: Uses
  /** Facts for the report that are not problems; checks may add to it. */
  notes: string[]
}

export type Check = (context: CheckContext) => Finding[]

/** The eID mini-program's appId: the target of the jump, the referrer of the return. */
export const EID_APP_ID = 'wx0e2cb0b052a91c92'

/** The folder holding an SDK folder, '' at the root. */
export function parentOf(dir: string): string {
  const index = dir.lastIndexOf('/')
  return index < 0 ? '' : dir.slice(0, index)
}
