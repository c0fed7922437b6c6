/**
 * WeBank flows and personal data: the name and ID number go to WeBank only; neither they nor the
 * WBappid's secret reach the logs or any answer, even when WeBank refuses the secret; what the
 * query returns is stored sealed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createWebankEmulator, type WebankEmulator } from '../../emulator/index.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'
import { captureLog } from '../support/log-capture.js'

const NAME = '欧阳小美'
const ID_CARD = '44030019900101123X'
const WEBANK_SECRET = 'planted-webank-secret-9c1e5b7d3a'
const APP_ID = 'IDAplanted'

let server: RunningServer | undefined
let webank: WebankEmulator | undefined
afterEach(async () => {
  await server?.close()
  await webank?.close()
  server = webank = undefined
})

describe('WeBank and personal data', () => {
  it('keeps the identity and the secret out of logs and answers, and seals what WeBank returns', async () => {
    webank = createWebankEmulator({ apps: [{ appId: APP_ID, secret: WEBANK_SECRET }], logger: false })
    const { url: webankUrl } = await webank.listen()
    const out = captureLog()
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      database: (await freshDatabase()).db,
      logDestination: out.stream,
      env: { FACEID_WEBANK_APP_ID: APP_ID, FACEID_WEBANK_SECRET: WEBANK_SECRET, FACEID_WEBANK_ENDPOINT: webankUrl, FACEID_RETRY_ATTEMPTS: '1', FACEID_SWEEP_INTERVAL_SECONDS: '0' },
    })
    const bodies: string[] = []
    const call = async (method: string, route: string, body?: unknown, bearer?: string) => {
      const res = await fetch(`${server!.url}${route}`, {
        method,
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      const text = await res.text()
      bodies.push(text)
      return { status: res.status, body: JSON.parse(text) as Record<string, any> }
    }
    const { token: bearer } = (await call('POST', '/auth/dev-login', { userId: 'alice', identity: { name: NAME, idCard: ID_CARD } })).body
    const app = (await call('POST', '/faceid/webank/app/order', {}, bearer)).body
    const h5 = (await call('POST', '/faceid/webank/h5/order', {}, bearer)).body
    expect(app.sdk).toBeDefined()
    expect(h5.url).toContain('/api/web/login')
    webank.complete(app.token, { outcome: 'passed' })
    expect((await call('GET', `/faceid/webank/app/order/${app.token}`, undefined, bearer)).body).toMatchObject({ status: 'passed' })

    // WeBank refuses the secret from now on: the failure is logged, the secret is not.
    webank.rotateSecret(APP_ID, 'changed-in-the-console')
    expect((await call('POST', '/faceid/webank/app/order', {}, bearer)).status).toBeGreaterThanOrEqual(500)

    const row = await server.kit.ledger.db.queries.selectFrom('faceid_tokens').selectAll().where('token', '=', app.token).executeTakeFirstOrThrow()
    expect(row.result_sealed).toBeTruthy()
    await server.close()
    server = undefined
    const logs = out.text()
    expect(logs).toMatch(/WeBank|webank/)
    for (const planted of [NAME, '小美', ID_CARD, WEBANK_SECRET]) {
      expect(logs).not.toContain(planted)
      for (const body of bodies) expect(body).not.toContain(planted)
    }
  })
})
