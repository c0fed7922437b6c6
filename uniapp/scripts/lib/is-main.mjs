// "Am I the script node was asked to run?" for ES modules. npm links a package's bins into
// node_modules/.bin as symlinks, so process.argv[1] is the link while import.meta.url is the real
// file: both sides go through realpath before they are compared.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** @param {string} moduleUrl the caller's `import.meta.url` */
export function isMain(moduleUrl) {
  const invoked = process.argv[1]
  if (!invoked) return false
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    // argv[1] does not name a file (e.g. `node -e`): not us.
    return false
  }
}
