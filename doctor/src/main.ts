/** The `faceid-kit` command's entry (bin/faceid-kit.js loads it): `faceid-kit doctor <project dir> [--json]`. */
import { runCli } from './cli.js'

try {
  process.exitCode = runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  })
} catch (error) {
  // Neither the project's fault nor the user's: a bug in the doctor, kept apart from exit codes 1 and 2.
  process.stderr.write(`faceid-kit: internal error: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 3
}
