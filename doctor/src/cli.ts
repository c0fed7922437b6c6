/**
 * `faceid-kit doctor <project dir> [--json]`. Exit codes: 0 no problems, 1 problems found,
 * 2 usage error (unknown command or option, missing or unreadable folder, not a project).
 */
import { parseArgs } from 'node:util'
import { diagnose } from './diagnose.js'
import { DoctorUsageError } from './errors.js'
import { formatReport } from './format.js'

export const USAGE = `usage: faceid-kit doctor <project dir> [--json]

Checks a WeChat mini-program (the folder with app.json, or with project.config.json) or a
uni-app project (the folder with pages.json, or its parent with src/pages.json) for the traps
of Tencent FaceID's verify_mpsdk and mp_ecard_sdk, and explains the fix for each.

  --json   print the report as JSON (for CI)
  --help   show this text

Exit code: 0 no problems, 1 problems found, 2 usage error, 3 internal error.
`

export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  cwd?: string
}

/** Runs the command line; returns the exit code. */
export function runCli(argv: string[], io: CliIo): number {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
  } catch (error) {
    io.stderr(`faceid-kit: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout(USAGE)
    return 0
  }
  const [command, dir, ...extra] = positionals
  if (command !== 'doctor') {
    io.stderr(`faceid-kit: ${command === undefined ? 'missing command' : `unknown command "${command}"`}\n\n${USAGE}`)
    return 2
  }
  if (dir === undefined || extra.length > 0) {
    io.stderr(`faceid-kit doctor: ${dir === undefined ? 'missing project directory' : `one project directory, got ${extra.length + 1}`}\n\n${USAGE}`)
    return 2
  }
  try {
    const report = diagnose({ projectDir: dir })
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, io.cwd === undefined ? {} : { cwd: io.cwd }))
    return report.ok ? 0 : 1
  } catch (error) {
    if (error instanceof DoctorUsageError) {
      io.stderr(`faceid-kit doctor: ${error.message}\n`)
      return 2
    }
    throw error
  }
}
