import { afterEach, describe, expect, it } from 'vitest'
import { generateDataKey } from '../../src/privacy/data-keys.js'
import { createEmulator, type Emulator } from '../../emulator/index.js'
import { UpstreamError } from '../../src/errors/index.js'
import { createLogger, scrubText } from '../../src/privacy/logging.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'
import { captureLog } from '../support/log-capture.js'

const NAME = '欧阳小美'
const ID_CARD = '44030019900101123X'
const SESSION_SECRET = 'planted-session-secret-4f1d8c2a9b'
const DATA_KEY = generateDataKey()
const TENCENT_SECRET = 'planted-tencent-secret-key-77aa'

function expectClean(text: string, extra: string[] = []): void {
  for (const planted of [NAME, '小美', ID_CARD, SESSION_SECRET, DATA_KEY, TENCENT_SECRET, ...extra]) expect(text).not.toContain(planted)
}

describe('the logger', () => {
  it('removes personal data, secrets, tokens and media wherever they are', () => {
    const out = captureLog()
    const log = createLogger({ destination: out.stream, secrets: [SESSION_SECRET, DATA_KEY, TENCENT_SECRET] })
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ'
    const media = 'iVBORw0KGgo'.repeat(40)
    log.info({ identity: { name: NAME, idCard: ID_CARD }, token: 'A'.repeat(36) }, 'issued')
    log.info({ raw: { Text: { ErrCode: 0, Name: NAME, IdCard: ID_CARD, OcrAddress: '深圳', LivenessDetail: [{ Name: '*小美', Idcard: '4403**' }] }, BestFrame: { BestFrame: media } } }, 'fetched')
    log.info({ note: `user ${ID_CARD} paid`, blob: media, header: `Bearer ${jwt}` }, `checked ${ID_CARD} with ${TENCENT_SECRET}`)
    log.info({ config: { secretKey: TENCENT_SECRET, sessionSecret: SESSION_SECRET }, env: { FACEID_DATA_KEY: DATA_KEY } }, 'config')
    log.info({ req: { headers: { authorization: `Bearer ${jwt}`, cookie: 'sid=1' } } }, 'headers')
    const cause = new Error(`SDK said: IdCard ${ID_CARD} and key ${TENCENT_SECRET}`)
    log.error({ err: new UpstreamError({ action: 'DetectAuth', tencentCode: 'InternalError', requestId: 'req-1', retryable: true, status: 502, code: 'upstream_error', message: `failed for ${NAME}`.replace(NAME, ID_CARD) }, cause) }, 'request failed')
    log.error(new Error(`plain error about ${ID_CARD}`))
    log.child({ secret: SESSION_SECRET, user: ID_CARD }).warn(`child with ${DATA_KEY}`)

    const text = out.text()
    expectClean(text, [jwt, media.slice(0, 60), 'sid=1', '深圳'])
    // Every line is still JSON, and what operators need stays.
    const entries = out.lines.map((l) => JSON.parse(l) as Record<string, any>)
    expect(entries).toHaveLength(8)
    expect(entries[0]).toMatchObject({ msg: 'issued', token: 'A'.repeat(36), identity: '[redacted]' })
    expect(entries[1]!.raw.Text.ErrCode).toBe(0)
    expect(entries[2]!.msg).toBe('checked [id-number] with [redacted]')
    expect(entries[2]!.blob).toMatch(/^\[base64 \d+ chars\]$/)
    expect(entries[5]).toMatchObject({ err: { type: 'UpstreamError', tencentCode: 'InternalError', requestId: 'req-1', cause: { type: 'Error' } } })
    expect(entries[5]!.err.stack).toContain('log-redaction.test.ts')
  })

  it('scrubs free text', () => {
    expect(scrubText(`id ${ID_CARD}, old 440300199001011234 and 2024 ok`)).toBe('id [id-number], old [id-number] and 2024 ok')
    expect(scrubText('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer [redacted]')
    expect(scrubText('s3cr3t-value-123 here', ['s3cr3t-value-123'])).toBe('[redacted] here')
    expect(scrubText('1700000000000 ms')).toBe('1700000000000 ms')
  })

  it('scrubs every configured secret: several, one inside another, with pattern characters, and as JSON escapes it', () => {
    const secrets = ['key-0001', 'key-0001-extended', 'a+b*c?(d)[e]', 'quote"back\\slash']
    expect(scrubText('key-0001-extended then key-0001 then a+b*c?(d)[e]', secrets)).toBe('[redacted] then [redacted] then [redacted]')
    expect(scrubText(`raw quote"back\\slash, json ${JSON.stringify('quote"back\\slash')}`, secrets)).toBe('raw [redacted], json "[redacted]"')
    // The same list again (a logger's own, kept): the same answer.
    expect(scrubText('key-0001', secrets)).toBe('[redacted]')
    expect(scrubText('abcb*c?(d)[e]', secrets)).toBe('abcb*c?(d)[e]')
  })

  it('redacts mobile numbers: under mobile / phone keys, and 11-digit mainland numbers in free text', () => {
    const out = captureLog()
    const log = createLogger({ destination: out.stream })
    log.info({ mobile: '13800138000', phone: '021-5555-0101', Mobile: '15912345678', user: { phoneNumber: '17011112222', mobile_phone: '18612345678', mobileNo: '13612340000' } }, 'contact')
    log.info({ note: 'call 13912345678 or +86 136 1234 5678 or 8613712345678' }, 'sms to 14712345678 failed; 8615112345678 too')
    log.warn(new Error('upstream echoed Mobile=19912345678'))
    const text = out.text()
    for (const planted of ['13800138000', '5555-0101', '15912345678', '17011112222', '18612345678', '13612340000', '13912345678', '136 1234 5678', '13712345678', '14712345678', '15112345678', '19912345678']) {
      expect(text).not.toContain(planted)
    }
    const [first, second, third] = out.lines.map((l) => JSON.parse(l) as Record<string, any>)
    expect(first).toMatchObject({ mobile: '[redacted]', phone: '[redacted]', Mobile: '[redacted]', user: { phoneNumber: '[redacted]', mobile_phone: '[redacted]', mobileNo: '[redacted]' } })
    expect(second!.note).toBe('call [mobile] or [mobile] or [mobile]')
    expect(second!.msg).toBe('sms to [mobile] failed; [mobile] too')
    expect(third!.err.message).toBe('upstream echoed Mobile=[mobile]')

    // Only numbers shaped like a mainland mobile go: not timestamps, counts, ID numbers or UUIDs.
    expect(scrubText('13800138000')).toBe('[mobile]')
    expect(scrubText('took 1741000000000 ms, 12345678901 rows, 10800138000 bytes')).toBe('took 1741000000000 ms, 12345678901 rows, 10800138000 bytes')
    expect(scrubText(`id ${ID_CARD}`)).toBe('id [id-number]')
    expect(scrubText('C0FFEE00-0000-4000-8000-138001380001')).toBe('C0FFEE00-0000-4000-8000-138001380001')
  })
})

describe('logs of realistic runs', () => {
  let server: RunningServer | undefined
  let upstream: Emulator | undefined
  afterEach(async () => {
    await server?.close()
    await upstream?.close()
    server = upstream = undefined
  })

  async function call(method: string, path: string, init: { session?: string; body?: string; contentType?: string } = {}) {
    const headers: Record<string, string> = {}
    if (init.session) headers['authorization'] = `Bearer ${init.session}`
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json'
    const res = await fetch(`${server!.url}${path}`, { method, headers, body: init.body })
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  }

  it('sandbox: dev-login with an identity, both flows, bad input and upstream failures', async () => {
    const out = captureLog()
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      env: { SESSION_SECRET, FACEID_DATA_KEY: DATA_KEY, FACEID_RETRY_ATTEMPTS: '1', FACEID_SWEEP_INTERVAL_SECONDS: '0' },
      database: (await freshDatabase()).db,
      logDestination: out.stream,
    })
    const login = await call('POST', '/auth/dev-login', { body: JSON.stringify({ userId: 'alice', identity: { name: NAME, idCard: ID_CARD } }) })
    const session = login.body['token'] as string

    const face = await call('POST', '/faceid/biz-token', { session })
    server.emulator!.complete(face.body['token'], { outcome: 'passed' })
    expect((await call('GET', `/faceid/biz-token/${face.body['token']}`, { session })).body['status']).toBe('passed')
    const eid = await call('POST', '/faceid/eid-token', { session })
    server.emulator!.complete(eid.body['token'], { outcome: 'failed', code: 2016 })
    expect((await call('GET', `/faceid/eid-token/${eid.body['token']}`, { session })).body['status']).toBe('failed')
    expect((await server.verifier.readFullResult(face.body['token']))?.result?.Text?.Name).toBe(NAME)

    // Bad input carrying personal data.
    expect((await call('POST', '/faceid/biz-token', { session, body: `{"Name":"${NAME}","IdCard":"${ID_CARD}"` })).status).toBe(400)
    expect((await call('POST', '/faceid/biz-token', { session, body: JSON.stringify({ Name: NAME, IdCard: ID_CARD }) })).status).toBe(400)
    expect((await call('POST', '/auth/dev-login', { body: JSON.stringify({ userId: ID_CARD + ' ', identity: { name: NAME, idCard: 'x' } }) })).status).toBe(400)
    expect((await call('GET', `/faceid/biz-token/${ID_CARD}`, { session })).status).toBe(400)
    expect((await call('GET', `/nowhere/${ID_CARD}/${SESSION_SECRET}`, { session })).status).toBe(404)
    expect((await call('POST', '/faceid/biz-token', { session: `${session}x` })).status).toBe(401)

    // Upstream failures: 5xx, Tencent InternalError, dropped connections.
    for (const faults of [{ http5xxRate: 1 }, { internalErrorRate: 1 }, { dropRate: 1 }]) {
      server.emulator!.setFaults(faults)
      const failed = await call('POST', '/faceid/eid-token', { session })
      expect(failed.status).toBeGreaterThanOrEqual(500)
    }
    server.emulator!.setFaults(undefined)
    await server.close()
    server = undefined

    const text = out.text()
    expectClean(text, [session])
    const entries = out.lines.map((l) => JSON.parse(l) as Record<string, any>)
    // The runs were logged: requests by route pattern, failures with their error.
    expect(entries.filter((e) => e['msg'] === 'request').length).toBeGreaterThanOrEqual(14)
    expect(entries.some((e) => e['route'] === '/faceid/biz-token/:token' && e['status'] === 200 && typeof e['durationMs'] === 'number')).toBe(true)
    expect(entries.filter((e) => e['msg'] === 'request failed' && e['err']).length).toBeGreaterThanOrEqual(3)
    expect(entries.some((e) => e['msg'] === 'request' && e['status'] === 400)).toBe(true)
    expect(text).toMatch(/public sandbox key|SANDBOX/)
  })

  it('live mode: the Tencent SecretKey never shows, even when Tencent refuses it', async () => {
    const credential = { secretId: 'AKIDplanted0000000000000000000000000', secretKey: TENCENT_SECRET }
    upstream = createEmulator({ credentials: [{ ...credential, secretKey: 'the-real-one-is-different' }], logger: false })
    const { url } = await upstream.listen(0, '127.0.0.1')
    const out = captureLog()
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      database: (await freshDatabase()).db,
      logDestination: out.stream,
      env: {
        FACEID_SECRET_ID: credential.secretId,
        FACEID_SECRET_KEY: credential.secretKey,
        FACEID_ENDPOINT: url,
        FACEID_RULE_ID: '1',
        SESSION_SECRET,
        FACEID_DATA_KEY: `main:${DATA_KEY}`,
        FACEID_RETRY_ATTEMPTS: '1',
        FACEID_SWEEP_INTERVAL_SECONDS: '0',
      },
    })
    const { SignJWT } = await import('jose')
    const session = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(new TextEncoder().encode(SESSION_SECRET))
    const refused = await call('POST', '/faceid/biz-token', { session })
    expect(refused.status).toBeGreaterThanOrEqual(500)
    expect(JSON.stringify(refused.body)).not.toContain(TENCENT_SECRET)
    await server.close()
    server = undefined
    expectClean(out.text(), [session])
    expect(out.lines.some((l) => l.includes('"msg":"request failed"') && l.includes('AuthFailure'))).toBe(true)
  })
})
