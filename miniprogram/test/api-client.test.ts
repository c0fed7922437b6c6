/** The API client over wx.request (compiled kit): routes, headers, timeouts, typed errors. */
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeWx, makeToken, type FakeRequest } from './helpers/fake-wx'
import { forgetModules, loadKit, type KitModule } from './helpers/load'

const TOKEN = makeToken(5)
let fake: FakeWx
let kit: KitModule
let seen: FakeRequest[]

beforeEach(() => {
  fake = new FakeWx().install()
  forgetModules()
  kit = loadKit()
  seen = []
})

describe('API client', () => {
  it('calls the four routes under the configured base URL and prefix with the auth header', async () => {
    let n = 0
    kit.configure({ baseUrl: 'https://api.example.com/', header: async () => ({ Authorization: `Bearer t${++n}` }) })
    fake.router = (req) => {
      seen.push(req)
      if (req.method === 'POST') return { statusCode: 201, data: { token: TOKEN, kind: 'face', expiresAt: '2030-01-01T00:00:00.000Z' } }
      return { statusCode: 200, data: JSON.stringify({ token: TOKEN, kind: 'eid', status: 'passed', updatedAt: 'x' }) }
    }
    const client = kit.getApiClient()
    await expect(client.createToken('face')).resolves.toMatchObject({ token: TOKEN, kind: 'face' })
    await client.createToken('eid')
    await expect(client.getResult('eid', TOKEN)).resolves.toMatchObject({ status: 'passed' })
    await client.getResult('face', TOKEN)
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST https://api.example.com/faceid/biz-token',
      'POST https://api.example.com/faceid/eid-token',
      `GET https://api.example.com/faceid/eid-token/${TOKEN}`,
      `GET https://api.example.com/faceid/biz-token/${TOKEN}`,
    ])
    expect(seen.map((r) => r.header.Authorization)).toEqual(['Bearer t1', 'Bearer t2', 'Bearer t3', 'Bearer t4'])
  })

  it('lets per-call overrides (component properties) win over configure()', async () => {
    kit.configure({ baseUrl: 'https://a.example', header: { Authorization: 'Bearer a' }, routePrefix: '/api/kyc' })
    fake.router = (req) => {
      seen.push(req)
      return { statusCode: 201, data: { token: TOKEN, kind: 'face', expiresAt: 'x' } }
    }
    await kit.getApiClient({ baseUrl: 'https://b.example', header: { Authorization: 'Bearer b' } }).createToken('face')
    expect(seen[0]).toMatchObject({ url: 'https://b.example/api/kyc/biz-token', header: { Authorization: 'Bearer b' } })
  })

  it('needs a base URL', () => {
    expect(() => kit.getApiClient()).toThrow(expect.objectContaining({ code: 'NOT_CONFIGURED' }))
  })

  it.each([
    [404, { error: { code: 'not_found', message: 'No such token' } }, { code: 'not_found', message: 'No such token', status: 404, retryable: false }],
    [401, { error: { code: 'unauthorized', message: 'Login required' } }, { code: 'unauthorized', status: 401, retryable: false }],
    [503, { error: { code: 'upstream_unavailable', message: 'Try later' } }, { code: 'upstream_unavailable', status: 503, retryable: true }],
    [502, '<html>bad gateway</html>', { code: 'HTTP_502', status: 502, retryable: true }],
  ])('turns HTTP %i into a typed error', async (statusCode, data, expected) => {
    kit.configure({ baseUrl: 'https://api.example.com' })
    fake.router = () => ({ statusCode, data })
    await expect(kit.getApiClient().getResult('face', TOKEN)).rejects.toMatchObject({ name: 'FaceIdKitError', ...expected })
  })

  it.each([
    ['request:fail timeout', 'TIMEOUT'],
    ['request:fail net::ERR_CONNECTION_REFUSED', 'NETWORK'],
  ])('turns "%s" into %s (retryable)', async (errMsg, code) => {
    kit.configure({ baseUrl: 'https://api.example.com', timeout: 1234 })
    fake.router = (req) => {
      seen.push(req)
      return { fail: errMsg }
    }
    await expect(kit.getApiClient().createToken('eid')).rejects.toMatchObject({ code, retryable: true })
  })

  it('passes the configured timeout to wx.request', async () => {
    kit.configure({ baseUrl: 'https://api.example.com', timeout: 1234 })
    let timeout: unknown
    const request = fake.global.request as (o: { timeout?: number }) => void
    fake.global.request = (o: { timeout?: number }) => {
      timeout = o.timeout
      request(o)
    }
    fake.router = () => ({ statusCode: 201, data: { token: TOKEN, kind: 'eid', expiresAt: 'x' } })
    await kit.getApiClient().createToken('eid')
    expect(timeout).toBe(1234)
  })

  it('rejects a 2xx body that is not what the contract says', async () => {
    kit.configure({ baseUrl: 'https://api.example.com' })
    fake.router = () => ({ statusCode: 201, data: { nope: true } })
    await expect(kit.getApiClient().createToken('face')).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
    fake.router = () => ({ statusCode: 200, data: 'not json' })
    await expect(kit.getApiClient().getResult('face', TOKEN)).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
  })
})
