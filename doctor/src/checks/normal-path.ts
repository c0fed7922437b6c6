/**
 * mp_ecard_sdk's uni-app build opens its confirm page at `{normalPath}/mp_ecard_sdk/index/index`,
 * with normalPath from its globalConfig.js: it must name the folder the SDK sits in.
 */
import { keyName, lineOfNode, parseScript, walk } from '../ast.js'
import type { Finding } from '../types.js'
import { parentOf, type CheckContext } from './context.js'

export function checkNormalPath({ project, sdks }: CheckContext): Finding[] {
  const findings: Finding[] = []
  for (const sdk of sdks) {
    if (sdk.name !== 'mp_ecard_sdk' || sdk.build !== 'uni') continue
    const file = ['globalConfig.js', 'globalConfig.ts'].map((f) => `${sdk.dir}/${f}`).find((f) => project.files.includes(f))
    if (!file) continue
    const text = project.read(file)
    const parsed = text === undefined ? undefined : parseScript(file, text, { typescript: file.endsWith('.ts') })
    if (!parsed) continue
    let normalPath: { value: string; line?: number } | undefined
    walk(parsed.program, (node) => {
      if (normalPath) return false
      if (node.type === 'ObjectProperty' && keyName(node) === 'normalPath' && node.value.type === 'StringLiteral') {
        const line = lineOfNode(node)
        normalPath = { value: node.value.value, ...(line === undefined ? {} : { line }) }
      }
      return undefined
    })
    const parent = parentOf(sdk.dir)
    const expected = parent ? `/${parent}` : ''
    if (!normalPath) {
      findings.push({
        check: 'normal-path',
        severity: 'warning',
        file,
        message: `${file} sets no literal normalPath; the SDK opens its confirm page at {normalPath}/mp_ecard_sdk/index/index.`,
        fix: `Make it export default { normalPath: '${expected}' }.`,
      })
      continue
    }
    if (normalPath.value.replace(/\/+$/, '') === expected) continue
    findings.push({
      check: 'normal-path',
      severity: 'error',
      file,
      ...(normalPath.line === undefined ? {} : { line: normalPath.line }),
      message: `normalPath is '${normalPath.value}', but mp_ecard_sdk sits in ${parent ? `${parent}/` : 'the project root'}: the confirm page (needJumpPage) opens at ${normalPath.value}/mp_ecard_sdk/index/index, which does not exist, and the kit rejects with SDK_ERROR.`,
      fix: `Set normalPath: '${expected}'${expected ? " (with the leading '/')" : " (empty: the SDK is at the root)"}.`,
    })
  }
  return findings
}
