/** The human-readable report (the default output of `faceid-kit doctor`). */
import path from 'node:path'
import type { DoctorReport, Finding } from './types.js'

export function formatReport(report: DoctorReport, options: { cwd?: string } = {}): string {
  const cwd = options.cwd ?? process.cwd()
  const shown = (dir: string): string => path.relative(cwd, dir) || '.'
  const lines: string[] = []
  const rootNote = report.root === report.projectDir ? '' : `, root ${shown(report.root)}`
  lines.push(`faceid-kit doctor: ${shown(report.projectDir)} (${report.kind === 'uniapp' ? 'uni-app' : 'native mini-program'}${rootNote})`)
  lines.push('')
  if (report.sdks.length > 0) {
    lines.push('SDKs')
    for (const sdk of report.sdks) {
      const version = sdk.simulated ? 'simulated (faceid-kit sandbox)' : (sdk.version ?? 'version unknown')
      const build = sdk.build ? `, ${sdk.build === 'uni' ? 'uni-app' : 'WeChat'} build` : ''
      lines.push(`  ${sdk.name.padEnd(13)} ${sdk.dir.padEnd(28)} ${version}${build}`)
    }
    lines.push('')
  }
  for (const finding of report.findings) lines.push(...formatFinding(finding), '')
  if (report.notes.length > 0) {
    lines.push('Notes')
    for (const note of report.notes) lines.push(`  - ${note}`)
    lines.push('')
  }
  const { request, socket, business } = report.domains
  if (request.length + socket.length + business.length > 0) {
    lines.push('Domains to whitelist (admin console → 开发管理 → 开发设置 → 服务器域名; the doctor cannot see them):')
    // Only the providers' own domains: the server's origin was not found in the code.
    if (!request.some((d) => !/(faceid\.q(q|cloud)\.com|openapi\.faceid\.com)$/.test(new URL(d).hostname))) lines.push("  request  your faceid-kit server's https origin")
    for (const domain of request) lines.push(`  request  ${domain}`)
    for (const domain of socket) lines.push(`  socket   ${domain}   (NFC ID reading, newer verify_mpsdk)`)
    for (const domain of business) lines.push(`  业务域名  ${domain}   (mp_ecard_sdk before 1.0.7)`)
    lines.push('')
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length
  const warnings = report.findings.length - errors
  lines.push(
    report.ok
      ? 'No problems found.'
      : `${report.findings.length} problem${report.findings.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  )
  return `${lines.join('\n')}\n`
}

function formatFinding(finding: Finding): string[] {
  const where = finding.file ? ` ${finding.file}${finding.line === undefined ? '' : `:${finding.line}`}` : ''
  return [`${finding.severity === 'error' ? '✗ error  ' : '! warning'} [${finding.check}]${where}`, `    ${finding.message}`, `    fix: ${finding.fix}`]
}
