/** What the doctor reports. The JSON output (`--json`) is a `DoctorReport` as is. */

export type ProjectKind = 'miniprogram' | 'uniapp'

/** The checks, one per trap; each finding names the one that raised it. */
export type CheckId =
  | 'sdk-missing'
  | 'sdk-version'
  | 'sdk-location'
  | 'pages'
  | 'normal-path'
  | 'scene-guard'
  | 'tap-handler'
  | 'components'
  | 'dev-settings'
  | 'half-screen'

/** `error`: the flow breaks or never calls back. `warning`: it hides or risks a break. Both count as problems. */
export type Severity = 'error' | 'warning'

export interface Finding {
  check: CheckId
  severity: Severity
  /** What is wrong, in one or two sentences. */
  message: string
  /** What to do about it. */
  fix: string
  /** Relative to the project folder (posix separators). */
  file?: string
  line?: number
}

export type SdkName = 'verify_mpsdk' | 'mp_ecard_sdk'

export interface SdkInfo {
  name: SdkName
  /** Folder relative to the project root ('' parent = at the root), e.g. `wxcomponents/verify_mpsdk`. */
  dir: string
  /** The version string of the build (`Log.version`), when it is a literal. */
  version?: string
  /** mp_ecard_sdk only: the uni-app build or a WeChat build. */
  build?: 'uni' | 'wechat'
  /** faceid-kit's simulated SDK (sandbox), not Tencent's: version checks do not apply. */
  simulated: boolean
}

export interface Domains {
  /** `request` legal domains (服务器域名 → request). */
  request: string[]
  /** `socket` legal domains. */
  socket: string[]
  /** 业务域名 (only mp_ecard_sdk older than 1.0.7 needs one). */
  business: string[]
}

export interface DoctorReport {
  /** The folder given, absolute. */
  projectDir: string
  kind: ProjectKind
  /** The mini-program root (native) or the uni-app source root (the folder with pages.json), absolute. */
  root: string
  sdks: SdkInfo[]
  /** What the project uses, as far as its code and templates tell. */
  uses: { face: boolean; eid: boolean; megvii: boolean; halfScreen: boolean; needJumpPage: boolean }
  findings: Finding[]
  /** To whitelist in the WeChat admin console; printed, not a problem. */
  domains: Domains
  /** Facts worth knowing that are not problems (simulated SDKs, settings accepted for the sandbox). */
  notes: string[]
  /** No findings. */
  ok: boolean
}
