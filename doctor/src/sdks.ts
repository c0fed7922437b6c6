/**
 * Tencent's SDK folders in a project: where they sit, which build, which version. A build keeps
 * its version string in `Log.version` (mp_ecard_sdk: constants/log.js), read here from the AST;
 * nothing is executed.
 */
import type * as t from '@babel/types'
import { keyName, memberPath, objectMember, parseScript, walk } from './ast.js'
import type { Project } from './project.js'
import type { SdkInfo, SdkName } from './types.js'

const SDK_NAMES: SdkName[] = ['verify_mpsdk', 'mp_ecard_sdk']
/** Files read for the version, largest last; compiled SDK files can be big. */
const MAX_VERSION_FILE_BYTES = 2_000_000

export function findSdks(project: Project): SdkInfo[] {
  const out: SdkInfo[] = []
  for (const name of SDK_NAMES) {
    const dirs = new Set<string>()
    for (const file of project.files) {
      const match = new RegExp(`^((?:.*/)?${name})/main\\.(?:js|ts)$`).exec(file)
      if (match?.[1]) dirs.add(match[1])
    }
    for (const dir of dirs) out.push(describe(project, name, dir))
  }
  return out
}

function describe(project: Project, name: SdkName, dir: string): SdkInfo {
  const inside = project.files.filter((file) => file.startsWith(`${dir}/`)).map((file) => file.slice(dir.length + 1))
  const simulated = isSimulated(project, dir, inside)
  const version = readVersion(project, dir, inside, name)
  const info: SdkInfo = { name, dir, simulated, ...(version === undefined ? {} : { version }) }
  if (name === 'mp_ecard_sdk') {
    // The uni-app build is made of ES modules with .vue pages; its version string starts with "uni".
    info.build = version?.startsWith('uni') || inside.some((file) => file.endsWith('.vue')) ? 'uni' : 'wechat'
  }
  return info
}

/** faceid-kit's simulated SDKs carry a sandbox module with `configureSandbox`; Tencent's never do. */
function isSimulated(project: Project, dir: string, inside: string[]): boolean {
  const file = inside.find((f) => /^sandbox\.(js|ts)$/.test(f))
  if (!file) return false
  const text = project.read(`${dir}/${file}`)
  const parsed = text === undefined ? undefined : parseScript(`${dir}/${file}`, text, { typescript: file.endsWith('.ts') })
  if (!parsed) return false
  let found = false
  walk(parsed.program, (node) => {
    if (node.type === 'FunctionDeclaration' && node.id?.name === 'configureSandbox') found = true
    return !found
  })
  return found
}

function readVersion(project: Project, dir: string, inside: string[], name: SdkName): string | undefined {
  const preferred = name === 'mp_ecard_sdk' ? ['constants/log.js', 'constants/log.ts'] : ['main.js']
  const rest = inside.filter((f) => /\.(js|ts)$/.test(f) && !preferred.includes(f) && f.split('/').length <= 3)
  for (const file of [...preferred.filter((f) => inside.includes(f)), ...rest]) {
    const text = project.read(`${dir}/${file}`)
    if (text === undefined || text.length > MAX_VERSION_FILE_BYTES || !text.includes('version')) continue
    const parsed = parseScript(`${dir}/${file}`, text, { typescript: file.endsWith('.ts') })
    const version = parsed && logVersion(parsed.program)
    if (version) return version
  }
  return undefined
}

/** The string `version` of an object literal bound to `Log` (`const Log = {…}`, `exports.Log = {…}`, `Log: {…}`). */
function logVersion(program: t.Program): string | undefined {
  let version: string | undefined
  const fromObject = (object: t.Node | null | undefined): void => {
    if (version || !object || object.type !== 'ObjectExpression') return
    const member = objectMember(object, 'version')
    if (member?.type === 'ObjectProperty' && member.value.type === 'StringLiteral') version = member.value.value
  }
  walk(program, (node) => {
    if (version) return false
    if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.id.name === 'Log') fromObject(node.init)
    else if (node.type === 'AssignmentExpression' && memberPath(node.left)?.at(-1) === 'Log') fromObject(node.right)
    else if (node.type === 'ObjectProperty' && keyName(node) === 'Log') fromObject(node.value)
    return undefined
  })
  return version
}

/** Major, minor, patch of a version string such as `1.0.9`, `v1.0.28` or `uni_1.0.5`. */
export function versionParts(version: string): [number, number, number] | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(version)
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined
}

/** Whether `version` is older than `minimum`; undefined when it cannot be read. */
export function olderThan(version: string, minimum: string): boolean | undefined {
  const a = versionParts(version)
  const b = versionParts(minimum)
  if (!a || !b) return undefined
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0)
  return false
}
