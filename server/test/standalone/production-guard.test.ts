import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createEmulator } from '../../emulator/index.js'
import { startServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'

/** Invariant 7 (docs/architecture.md): the sandbox (emulator, dev-login) never runs in production. */
describe('production refusal', () => {
  const saved = process.env['NODE_ENV']
  afterEach(() => {
    if (saved === undefined) delete process.env['NODE_ENV']
    else process.env['NODE_ENV'] = saved
  })

  it('startServer in sandbox mode refuses NODE_ENV=production, from its env or the process', async () => {
    const database = (await freshDatabase()).db
    await expect(startServer({ port: 0, host: '127.0.0.1', env: { NODE_ENV: 'production' }, database, logger: false })).rejects.toThrow(
      /Sandbox mode .* refuses NODE_ENV=production/,
    )
    process.env['NODE_ENV'] = 'production'
    await expect(startServer({ port: 0, host: '127.0.0.1', env: {}, database, logger: false })).rejects.toThrow(/refuses NODE_ENV=production/)
    // Nothing was opened: no dev-login route could exist.
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(database.queries)).rows).toEqual([{ one: 1 }])
  })

  it('the emulator itself refuses NODE_ENV=production', () => {
    process.env['NODE_ENV'] = 'production'
    expect(() => createEmulator({ logger: false })).toThrow(/refuses to run with NODE_ENV=production/)
  })

  it.each(['Production', 'PRODUCTION', ' production '])('NODE_ENV=%j counts as production (case and spaces ignored)', async (value) => {
    const database = (await freshDatabase()).db
    await expect(startServer({ port: 0, host: '127.0.0.1', env: { NODE_ENV: value }, database, logger: false })).rejects.toThrow(/refuses NODE_ENV=production/)
    process.env['NODE_ENV'] = value
    await expect(startServer({ port: 0, host: '127.0.0.1', env: {}, database, logger: false })).rejects.toThrow(/refuses NODE_ENV=production/)
    expect(() => createEmulator({ logger: false })).toThrow(/refuses to run with NODE_ENV=production/)
  })

  it('live mode refuses to start without a data key', async () => {
    const database = (await freshDatabase()).db
    const env = { FACEID_SECRET_ID: 'AKIDlive', FACEID_SECRET_KEY: 'live-secret-key', SESSION_SECRET: 's'.repeat(32), FACEID_RULE_ID: '1' }
    await expect(startServer({ port: 0, host: '127.0.0.1', env, database, logger: false })).rejects.toThrow(/FACEID_DATA_KEY is required/)
    await expect(startServer({ port: 0, host: '127.0.0.1', env: { ...env, FACEID_DATA_KEY: 'short' }, database, logger: false })).rejects.toThrow(
      /FACEID_DATA_KEY: must decode to 32 bytes/,
    )
  })
})
