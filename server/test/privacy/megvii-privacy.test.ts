/**
 * Megvii and personal data: the name and ID number go to Megvii only; neither they, the photos
 * and OCR text get_result returns, nor the AppCode reach the logs or any answer, even when the
 * gateway refuses the AppCode; what get_result returns is stored sealed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createMegviiEmulator, MEGVII_PRESETS, type MegviiEmulator } from '../../emulator/megvii/index.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'
import { captureLog } from '../support/log-capture.js'

const NAME = '欧阳小美'
const ID_CARD = '44030019900101123X'
const APPCODE = 'planted-megvii-appcode-5e2b9d71c4'

let server: RunningServer | undefined
let megvii: MegviiEmulator | undefined
afterEach(async () => {
  await server?.close()
  await megvii?.close()
  server = megvii = undefined
})

describe('Megvii and personal data', () => {
  it('keeps the identity, the photos and the AppCode out of logs and answers, and seals get_result', async () => {
    megvii = createMegviiEmulator({ appCodes: [APPCODE], logger: false, notify: 'never' })
    const { url: megviiUrl } = await megvii.listen()
    const out = captureLog()
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      database: (await freshDatabase()).db,
      logDestination: out.stream,
      env: { FACEID_MEGVII_APPCODE: APPCODE, FACEID_MEGVII_ENDPOINT: megviiUrl, FACEID_MEGVII_PAGE_BASE: megviiUrl, FACEID_RETRY_ATTEMPTS: '1', FACEID_SWEEP_INTERVAL_SECONDS: '0' },
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
    const issued = await call('POST', '/faceid/megvii/biz-token', {}, bearer)
    expect(issued.status).toBe(201)
    const token = issued.body['token'] as string
    expect(megvii.token(token)).toMatchObject({ idcardName: NAME, idcardNumber: ID_CARD })
    await megvii.complete(token, MEGVII_PRESETS['pass']!)
    const result = await call('GET', `/faceid/megvii/biz-token/${encodeURIComponent(token)}`, undefined, bearer)
    expect(result.body).toMatchObject({ status: 'passed', code: 1000 })
    expect(result.body['identity'].name).not.toBe(NAME)

    // What get_result returned is sealed: the clear column has codes and scores only.
    const row = await server.kit.ledger.db.queries.selectFrom('faceid_tokens').select(['result', 'result_sealed']).where('token', '=', token).executeTakeFirstOrThrow()
    expect(row.result_sealed).toBeTruthy()
    const clear = JSON.stringify(row.result)
    for (const secret of [NAME, ID_CARD, 'image_best', 'idcard_result']) expect(clear).not.toContain(secret)
    expect(clear).toContain('1000')
    const full = await server.kit.verifier.readFullResult(token)
    expect(full?.result).toMatchObject({ idcard_result: { name: NAME, idcard_number: ID_CARD } })

    // A refused AppCode: the error is logged without the AppCode.
    const port = megvii.address()!.port
    await megvii.close()
    megvii = createMegviiEmulator({ appCodes: ['another-appcode-entirely'], logger: false })
    await megvii.listen(port)
    const refused = await call('POST', '/faceid/megvii/biz-token', {}, bearer)
    expect(refused.status).toBe(502)
    expect(refused.body['error'].code).toBe('upstream_auth_failed')

    const logs = out.text()
    expect(logs.length).toBeGreaterThan(0)
    for (const secret of [NAME, ID_CARD, APPCODE, Buffer.from(`best frame of ${NAME}`).toString('base64')]) {
      expect(logs).not.toContain(secret)
      for (const body of bodies) expect(body).not.toContain(secret)
    }
  })
})
