#!/usr/bin/env node
/** The `faceid-kit` command: `faceid-kit doctor <project dir> [--json]`. */
import { runCli } from '../src/cli.js'

try {
  process.exitCode = runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  })
} catch (error) {
  process.stderr.write(`faceid-kit: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 2
}
