import { bodyParser } from '@koa/bodyparser'
import Koa from 'koa'
import { afterEach, describe, expect, it } from 'vitest'
import { isValidToken } from '@faceid-kit/shared'
import { SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { ConfigurationError } from '../../src/errors/index.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { createFaceidRouter } from '../../src/http/router.js'
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js'

const opened: Harness[] = []
async function harness(options?: HarnessOptions): Promise<Harness> {
  const h = await startHarness(options)
  opened.push(h)
  return h
}
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close()
})

const KINDS = [
  { kind: 'face', path: '/faceid/biz-token' },
  { kind: 'eid', path: '/faceid/eid-token' },
] as const

describe.each(KINDS)('$kind token end to end', ({ kind, path }) => {
  it('issues a token, records it first, reports pending, then passed', async () => {
    const h = await harness()
    const issued = await h.call('POST', path, { user: 'alice' })
    expect(issued.status).toBe(201)
    expect(issued.body.kind).toBe(kind)
    expect(issued.body.token).toHaveLength(36)
    expect(isValidToken(issued.body.token)).toBe(true)
    expect(new Date(issued.body.expiresAt).getTime() - h.clock.ms).toBe((kind === 'face' ? 7200 : 600) * 1000)

    const row = await h.ledger.get(issued.body.token)
    expect(row).toMatchObject({ userId: 'alice', kind, status: 'pending', final: false, fetchCount: 0 })

    const pending = await h.call('GET', `${path}/${issued.body.token}`, { user: 'alice' })
    expect(pending.status).toBe(200)
    expect(pending.body).toMatchObject({ token: issued.body.token, kind, status: 'pending' })

    h.emulator.complete(issued.body.token, { outcome: 'passed' })
    const passed = await h.call('GET', `${path}/${issued.body.token}`, { user: 'alice' })
    expect(passed.status).toBe(200)
    expect(passed.body).toMatchObject({ status: 'passed', code: 0, billable: true })
    expect(passed.body.identity.name.startsWith('*')).toBe(true)
    expect(JSON.stringify(passed.body)).not.toContain('11204416541220243X')

    const stored = await h.ledger.get(issued.body.token)
    expect(stored).toMatchObject({ status: 'passed', code: 0, final: true, fetchCount: 2, billableCount: 1 })
    expect(stored?.result?.Text?.ErrCode).toBe(0)

    // Final: served from the ledger without asking Tencent again.
    const calls = h.emulator.stats().calls
    const again = await h.call('GET', `${path}/${issued.body.token}`, { user: 'alice' })
    expect(again.body.status).toBe('passed')
    expect(h.emulator.stats().calls).toEqual(calls)
  })

  it('reports a failure with its code and billing', async () => {
    const h = await harness()
    const { body } = await h.call('POST', path, { user: 'alice' })
    h.emulator.complete(body.token, { outcome: 'failed', code: kind === 'face' ? 2016 : 2006 })
    const res = await h.call('GET', `${path}/${body.token}`, { user: 'alice' })
    expect(res.body).toMatchObject({ status: 'failed', code: kind === 'face' ? 2016 : 2006, billable: true })
    expect(res.body.message).toBeTruthy()
    // A failure may still turn into a pass while the token lives: not final yet.
    expect((await h.ledger.get(body.token))?.final).toBe(false)
  })

  it('reports an abandoned token as expired once its lifetime has passed, and stops asking', async () => {
    const h = await harness()
    const { body } = await h.call('POST', path, { user: 'alice' })
    h.emulator.complete(body.token, { outcome: 'abandoned' })
    h.clock.advance((kind === 'face' ? 7200 : 600) + 301)
    const res = await h.call('GET', `${path}/${body.token}`, { user: 'alice' })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('expired')
    expect((await h.ledger.get(body.token))?.final).toBe(true)
  })

  it("answers 404 for another user's token and never shows the result", async () => {
    const h = await harness()
    const { body } = await h.call('POST', path, { user: 'alice' })
    h.emulator.complete(body.token, { outcome: 'passed' })
    const res = await h.call('GET', `${path}/${body.token}`, { user: 'mallory' })
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('not_found')
    expect(JSON.stringify(res.body)).not.toContain('passed')
    expect((await h.ledger.get(body.token))?.fetchCount).toBe(0)
  })
})

describe('token kinds and unknown tokens', () => {
  it('does not serve a BizToken on the eid route, nor an unknown token', async () => {
    const h = await harness()
    const { body } = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect((await h.call('GET', `/faceid/eid-token/${body.token}`, { user: 'alice' })).status).toBe(404)
    const unknown = await h.call('GET', '/faceid/biz-token/AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', { user: 'alice' })
    expect(unknown.status).toBe(404)
  })
})

describe('authentication and malformed input', () => {
  it('answers 401 without a user, writing nothing', async () => {
    const h = await harness()
    for (const path of ['/faceid/biz-token', '/faceid/eid-token']) {
      const res = await h.call('POST', path)
      expect(res.status).toBe(401)
      expect(res.body.error.code).toBe('unauthenticated')
    }
    expect((await h.call('GET', '/faceid/biz-token/AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE')).status).toBe(401)
    expect(await h.ledger.count()).toBe(0)
  })

  it.each([
    ['invalid JSON', { rawBody: '{"a":', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['a JSON array', { body: [] }, 400, 'invalid_body'],
    ['a JSON string', { rawBody: '"x"', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['client-chosen identity', { body: { Name: '张三', IdCard: '110101199003070000' } }, 400, 'invalid_body'],
    ['a form body', { rawBody: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['a huge body', { rawBody: JSON.stringify({ x: 'y'.repeat(64 * 1024) }), headers: { 'content-type': 'application/json' } }, 413, 'body_too_large'],
    ['a key that would set a prototype', { rawBody: '{"__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_body'],
    ['JSON with a trailing comma', { rawBody: '{,}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['JSON in another charset', { rawBody: '{}', headers: { 'content-type': 'application/json; charset=utf-16' } }, 415, 'unsupported_encoding'],
    ['a compressed body', { rawBody: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }, 415, 'unsupported_encoding'],
  ])('rejects %s with a JSON error and writes nothing', async (_name, init, status, code) => {
    const h = await harness()
    const res = await h.call('POST', '/faceid/biz-token', { user: 'alice', ...init })
    expect(res.status).toBe(status)
    expect(res.body.error.code).toBe(code)
    expect(typeof res.body.error.message).toBe('string')
    expect(await h.ledger.count()).toBe(0)
  })

  it('accepts an empty body and {}', async () => {
    const h = await harness()
    expect((await h.call('POST', '/faceid/biz-token', { user: 'alice', body: {} })).status).toBe(201)
    for (const rawBody of [' { \n } ', '\n']) {
      expect((await h.call('POST', '/faceid/biz-token', { user: 'alice', rawBody, headers: { 'content-type': 'Application/JSON; charset="UTF-8"' } })).status).toBe(201)
    }
    expect((await h.call('POST', '/faceid/eid-token', { user: 'alice' })).status).toBe(201)
    expect(await h.ledger.count()).toBe(4)
  })

  it.each(['short', 'A'.repeat(37), 'AAAAAAAA_BBBB-CCCC-DDDD-EEEEEEEEEEEE', '%27%20OR%201%3D1--%20xxxxxxxxxxxxxxxxxxxxxxxx'])(
    'rejects the malformed token %s with 400',
    async (token) => {
      const h = await harness()
      const res = await h.call('GET', `/faceid/biz-token/${token}`, { user: 'alice' })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('invalid_token')
    },
  )
})

describe('upstream failures', () => {
  it('turns a signature failure into a 502 and writes nothing', async () => {
    const h = await harness({ gateway: { secretKey: 'not-the-key' } })
    const res = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(res.status).toBe(502)
    expect(res.body.error.code).toBe('upstream_auth_failed')
    expect(res.body.error.message).toContain('AuthFailure.SignatureFailure')
    expect(res.body.error.message).not.toContain('not-the-key')
    expect(await h.ledger.count()).toBe(0)
  })

  it('turns RequestLimitExceeded into a 503 and writes nothing', async () => {
    const h = await harness()
    h.emulator.setFaults({ rateLimitRate: 1 })
    const res = await h.call('POST', '/faceid/eid-token', { user: 'alice' })
    expect(res.status).toBe(503)
    expect(res.body.error.code).toBe('upstream_rate_limited')
    expect(await h.ledger.count()).toBe(0)
  })

  it('turns InternalError into a 502 and writes nothing', async () => {
    const h = await harness()
    h.emulator.setFaults({ internalErrorRate: 1 })
    const res = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(res.status).toBe(502)
    expect(res.body.error.code).toBe('upstream_error')
    expect(res.body.error.message).toContain('InternalError')
    expect(await h.ledger.count()).toBe(0)
  })

  it('turns a refused connection into a 503 and writes nothing', async () => {
    const h = await harness({ gateway: { endpoint: 'http://127.0.0.1:1' } })
    const res = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    expect(res.status).toBe(503)
    expect(res.body.error.code).toBe('upstream_unavailable')
    expect(res.body.error.message).not.toContain('127.0.0.1:1')
    expect(await h.ledger.count()).toBe(0)
  })

  it('keeps the stored state when a result fetch fails', async () => {
    const h = await harness()
    const { body } = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    h.emulator.complete(body.token, { outcome: 'passed' })
    h.emulator.setFaults({ http5xxRate: 1 })
    const res = await h.call('GET', `/faceid/biz-token/${body.token}`, { user: 'alice' })
    expect(res.status).toBe(502)
    expect(await h.ledger.get(body.token)).toMatchObject({ status: 'pending', fetchCount: 0, final: false, result: null })
    h.emulator.setFaults(undefined)
    expect((await h.call('GET', `/faceid/biz-token/${body.token}`, { user: 'alice' })).body.status).toBe('passed')
  })
})

describe('createFaceidRouter', () => {
  it('validates its options eagerly', () => {
    const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL })
    expect(() => createFaceidRouter({} as never)).toThrow(ConfigurationError)
    expect(() => createFaceidRouter({ verifier: {} as never } as never)).toThrow(/resolveUser/)
    expect(() => createFaceidRouter({ verifier: {} as never, resolveUser: () => 'u', prefix: 'no-slash' })).toThrow(/prefix/)
    for (const jsonLimit of ['lots', '', '16 kilobytes', 16 as never]) {
      expect(() => createFaceidRouter({ verifier: {} as never, resolveUser: () => 'u', jsonLimit })).toThrow(/jsonLimit/)
    }
    expect(gateway).toBeDefined()
  })

  it("takes a body the partner's app parsed already (a global body parser before the kit's routes)", async () => {
    const h = await harness({ before: [bodyParser()] })
    expect((await h.call('POST', '/faceid/biz-token', { user: 'a', body: {} })).status).toBe(201)
    expect((await h.call('POST', '/faceid/biz-token', { user: 'a' })).status).toBe(201)
    for (const body of [{ Name: '张三' }, []]) {
      const res = await h.call('POST', '/faceid/biz-token', { user: 'a', body })
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_body'])
    }
    expect(await h.ledger.count()).toBe(2)
  })

  it('takes bodies up to its jsonLimit', async () => {
    const h = await harness({ router: { jsonLimit: '8b' } })
    const headers = { 'content-type': 'application/json' }
    expect((await h.call('POST', '/faceid/biz-token', { user: 'a', rawBody: '{      }', headers })).status).toBe(201)
    const res = await h.call('POST', '/faceid/biz-token', { user: 'a', rawBody: '{       }', headers })
    expect([res.status, res.body.error.code]).toEqual([413, 'body_too_large'])
  })

  it('mounts under any prefix in any Koa app', async () => {
    const h = await harness({ router: { prefix: '/api/v2/kyc' } })
    expect((await h.call('POST', '/faceid/biz-token', { user: 'a' })).status).toBe(404)
    const res = await h.call('POST', '/api/v2/kyc/biz-token', { user: 'a' })
    expect(res.status).toBe(201)
    const app = new Koa()
    expect(() => app.use(createFaceidRouter({ verifier: h.verifier, resolveUser: () => 'x' }).routes())).not.toThrow()
  })
})
