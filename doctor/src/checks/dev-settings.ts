/**
 * DevTools settings that hide problems during development: with urlCheck off ("不校验合法域名"),
 * requests to domains missing from the whitelist work in the simulator and fail on phones, and
 * verify_mpsdk then stops on a modal without calling back.
 */
import { isRecord, lineOf, recordAt, type JsonFile } from '../json-file.js'
import type { Finding } from '../types.js'
import type { CheckContext } from './context.js'

export function checkDevSettings({ project, sdks, notes }: CheckContext): Finding[] {
  const sources: { json: JsonFile; at: string[] }[] = project.projectConfigs.map((json) => ({ json, at: ['setting'] }))
  if (project.manifest) sources.push({ json: project.manifest, at: ['mp-weixin', 'setting'] })
  const sandbox = sdks.length > 0 && sdks.every((s) => s.simulated)
  const findings: Finding[] = []
  for (const { json, at } of sources) {
    let setting: unknown = json.value
    for (const key of at) setting = recordAt(setting, key)
    if (!isRecord(setting) || setting.urlCheck !== false) continue
    const line = lineOf(json, [...at, 'urlCheck'])
    const where = `${json.file}${line === undefined ? '' : `:${line}`}`
    if (sandbox) {
      // The simulated SDKs talk to a local sandbox server that no whitelist can hold, and refuse release builds.
      notes.push(`${where} turns urlCheck off: accepted while only faceid-kit's simulated SDKs are installed (their sandbox server is local); turn it back on with Tencent's SDKs.`)
      continue
    }
    findings.push({
      check: 'dev-settings',
      severity: 'warning',
      file: json.file,
      ...(line === undefined ? {} : { line }),
      message: `urlCheck is false ("不校验合法域名"): DevTools accepts request domains the admin console does not list, so a missing domain shows only on phones, where verify_mpsdk stops on a modal and calls nothing back.`,
      fix:
        json.file === 'manifest.json'
          ? 'Set "urlCheck": true in manifest.json\'s "mp-weixin" → "setting" (uni-app writes it to project.config.json), after whitelisting the domains listed below.'
          : `Set "urlCheck": true in ${json.file}'s "setting" (DevTools: 详情 → 本地设置 → untick 不校验合法域名), after whitelisting the domains listed below.`,
    })
  }
  return findings
}
