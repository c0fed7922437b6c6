/**
 * Child process: the Tencent API emulator alone, so that it never competes with the server under
 * test for an event loop. The parent completes verifications and reads the call counters here.
 */
import { createEmulator } from '../../server/emulator/index.js'
import { fatal, serve } from './child.js'
import { wallNow } from './clock.js'
import { CHILD_OPTIONS_ENV, type EmulatorProcessInfo, type EmulatorProcessOptions } from './processes.js'

const api = {
  stats: () => emulator.stats(),
  /** Finishes each token as passed; answers with the emulator's wall-clock time of each completion. */
  complete: (tokens: string[]) =>
    tokens.map((token) => {
      emulator.complete(token, { outcome: 'passed' })
      return wallNow()
    }),
}
export type EmulatorProcessApi = typeof api

const options = JSON.parse(process.env[CHILD_OPTIONS_ENV] ?? '{}') as EmulatorProcessOptions
const emulator = createEmulator({ ...options, logger: false })

try {
  const { url } = await emulator.listen(0, '127.0.0.1')
  serve(api, { url } satisfies EmulatorProcessInfo, () => emulator.close())
} catch (error) {
  fatal(error)
}
