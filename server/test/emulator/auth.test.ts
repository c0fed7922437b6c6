import { describe, expect, it } from 'vitest'
import { SANDBOX_CREDENTIAL, signTc3 } from '../../emulator/index.js'
import { TestClock, errorCode, raw, sdkError, start } from '../support/emulator.js'

describe('TC3-HMAC-SHA256 as the Node SDK signs it', () => {
  it('accepts the SDK and a hand-signed request alike', async () => {
    const { client, address } = await start()
    await expect(client().DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    const res = await raw(address, { action: 'DetectAuth', body: JSON.stringify({ RuleId: '1' }) })
    expect(res.status).toBe(200)
    expect((res.json as { Response: { BizToken?: string } }).Response.BizToken).toMatch(/^[A-Z0-9-]{36}$/)
  })

  it('also accepts a signature over the Host header with its port', async () => {
    const { address } = await start()
    const timestamp = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({ RuleId: '1' })
    const authorization = signTc3({ ...SANDBOX_CREDENTIAL, service: 'faceid', host: address.endpoint, timestamp, body })
    const res = await raw(address, { action: 'DetectAuth', body, timestamp, authorization })
    expect(errorCode(res.json)).toBeUndefined()
  })

  it('wrong SecretKey → AuthFailure.SignatureFailure (HTTP 200)', async () => {
    const { client } = await start()
    const error = await sdkError(client({ secretId: SANDBOX_CREDENTIAL.secretId, secretKey: 'wrong' }).DetectAuth({ RuleId: '1' }))
    expect(error.code).toBe('AuthFailure.SignatureFailure')
    expect(error.httpCode).toBeUndefined()
    expect(error.requestId).toBeTruthy()
  })

  it('a body changed after signing fails the signature', async () => {
    const { address } = await start()
    const timestamp = Math.floor(Date.now() / 1000)
    const authorization = signTc3({ ...SANDBOX_CREDENTIAL, service: '127', host: '127.0.0.1', timestamp, body: '{"RuleId":"1"}' })
    const res = await raw(address, { action: 'DetectAuth', body: '{"RuleId":"2"}', timestamp, authorization })
    expect(errorCode(res.json)).toBe('AuthFailure.SignatureFailure')
  })

  it('unknown SecretId → AuthFailure.SecretIdNotFound', async () => {
    const { client } = await start()
    const error = await sdkError(client({ secretId: 'AKIDunknown', secretKey: SANDBOX_CREDENTIAL.secretKey }).DetectAuth({ RuleId: '1' }))
    expect(error.code).toBe('AuthFailure.SecretIdNotFound')
  })

  it('accepts configured credentials only', async () => {
    const mine = { secretId: 'AKIDmine', secretKey: 'mine' }
    const { client } = await start({ credentials: [mine] })
    await expect(client(mine).DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect((await sdkError(client().DetectAuth({ RuleId: '1' }))).code).toBe('AuthFailure.SecretIdNotFound')
  })

  it("checks each SecretId against its own key, also once another key's signing key is kept", async () => {
    const a = { secretId: 'AKIDa', secretKey: 'key-a' }
    const b = { secretId: 'AKIDb', secretKey: 'key-b' }
    const { client } = await start({ credentials: [a, b] })
    await expect(client(a).DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect((await sdkError(client({ secretId: b.secretId, secretKey: a.secretKey }).DetectAuth({ RuleId: '1' }))).code).toBe('AuthFailure.SignatureFailure')
    await expect(client(b).DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    expect((await sdkError(client({ secretId: a.secretId, secretKey: b.secretKey }).DetectAuth({ RuleId: '1' }))).code).toBe('AuthFailure.SignatureFailure')
  })

  it('timestamp skew beyond maxSkewSeconds → AuthFailure.SignatureExpire', async () => {
    const clock = new TestClock()
    const { client } = await start({ now: clock.now })
    clock.advance(250)
    await expect(client().DetectAuth({ RuleId: '1' })).resolves.toHaveProperty('BizToken')
    clock.advance(60)
    expect((await sdkError(client().DetectAuth({ RuleId: '1' }))).code).toBe('AuthFailure.SignatureExpire')
    clock.advance(-620)
    expect((await sdkError(client().DetectAuth({ RuleId: '1' }))).code).toBe('AuthFailure.SignatureExpire')
  })

  it('missing or garbled Authorization → AuthFailure.InvalidAuthorization', async () => {
    const { address } = await start()
    expect(errorCode((await raw(address, { action: 'DetectAuth', authorization: null })).json)).toBe('AuthFailure.InvalidAuthorization')
    expect(errorCode((await raw(address, { action: 'DetectAuth', authorization: 'Bearer abc' })).json)).toBe(
      'AuthFailure.InvalidAuthorization',
    )
  })

  it('missing timestamp → MissingParameter; a credential date that is not the timestamp date → SignatureFailure', async () => {
    const { address } = await start()
    const res = await fetch(`${address.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-TC-Action': 'DetectAuth', Authorization: signTc3({ ...SANDBOX_CREDENTIAL, service: '127', host: '127.0.0.1', timestamp: 1, body: '{}' }) },
      body: '{}',
    })
    expect(errorCode(await res.json())).toBe('MissingParameter')

    const timestamp = Math.floor(Date.now() / 1000)
    const yesterday = signTc3({ ...SANDBOX_CREDENTIAL, service: '127', host: '127.0.0.1', timestamp: timestamp - 86400, body: '{}' })
    const stale = await raw(address, { action: 'DetectAuth', timestamp, authorization: yesterday })
    expect(errorCode(stale.json)).toBe('AuthFailure.SignatureFailure')
  })
})

describe('actions and versions', () => {
  it('unknown action → InvalidAction (through the SDK request method)', async () => {
    const { client, emulator } = await start()
    const error = await sdkError(client().request('DescribeNothing', {}))
    expect(error.code).toBe('InvalidAction')
    expect(emulator.stats().calls.DescribeNothing).toBe(1)
  })

  it('missing action → MissingParameter; wrong version → NoSuchVersion', async () => {
    const { address } = await start()
    expect(errorCode((await raw(address, {})).json)).toBe('MissingParameter')
    expect(errorCode((await raw(address, { action: 'DetectAuth', version: '2017-01-01' })).json)).toBe('NoSuchVersion')
  })

  it('a body that is not JSON → InvalidParameter', async () => {
    const { address } = await start()
    const res = await raw(address, { action: 'DetectAuth', body: '{"RuleId":' })
    expect(res.status).toBe(200)
    expect(errorCode(res.json)).toBe('InvalidParameter')
  })

  it('echoes the trace id, and answers other paths with 404', async () => {
    const { address, client } = await start()
    const error = await sdkError(client({ secretId: 'AKIDunknown', secretKey: 'x' }).DetectAuth({ RuleId: '1' }))
    expect(error.traceId).toMatch(/^[0-9a-f-]{36}$/)
    expect((await fetch(`${address.url}/v2/whatever`)).status).toBe(404)
  })
})
