import { afterEach, describe, expect, it } from 'vitest'
import { createEmulator, type Emulator } from '../../emulator/index.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'

let server: RunningServer | undefined
let upstream: Emulator | undefined
afterEach(async () => {
  await server?.close()
  await upstream?.close()
  server = upstream = undefined
})

async function json(url: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {}
  if (init.token) headers['authorization'] = `Bearer ${init.token}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

describe('standalone server, sandbox mode', () => {
  it('serves the demo flow: health, dev-login, BizToken, pending, sandbox completion, passed', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    expect(server.config.sandbox).toBe(true)
    expect(await json(`${server.url}/health`)).toEqual({ status: 200, body: { ok: true, mode: 'sandbox' } })

    const login = await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: 'demo-user', identity: { name: '张小宝', idCard: '11204416541220243X' } } })
    expect(login.status).toBe(200)
    const token = login.body.token as string

    const issued = await json(`${server.url}/faceid/biz-token`, { method: 'POST', token })
    expect(issued.status).toBe(201)
    expect(issued.body.token).toHaveLength(36)
    expect((await json(`${server.url}/faceid/biz-token/${issued.body.token}`, { token })).body.status).toBe('pending')

    const done = await json(`${server.url}/sandbox/complete`, { method: 'POST', token, body: { token: issued.body.token, outcome: 'passed' } })
    expect(done).toEqual({ status: 200, body: { token: issued.body.token, kind: 'face' } })
    const result = await json(`${server.url}/faceid/biz-token/${issued.body.token}`, { token })
    expect(result.body).toMatchObject({ status: 'passed', identity: { name: '*小宝', idCard: '1120**********243X' } })
  })

  it('refuses missing, forged and foreign sessions', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    expect((await json(`${server.url}/faceid/eid-token`, { method: 'POST' })).status).toBe(401)
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLW5vdC12YWxpZA'
    expect((await json(`${server.url}/faceid/eid-token`, { method: 'POST', token: forged })).status).toBe(401)

    const alice = (await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: 'alice' } })).body.token
    const bob = (await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: 'bob' } })).body.token
    const issued = await json(`${server.url}/faceid/eid-token`, { method: 'POST', token: alice })
    expect((await json(`${server.url}/faceid/eid-token/${issued.body.token}`, { token: bob })).status).toBe(404)
    const complete = await json(`${server.url}/sandbox/complete`, { method: 'POST', token: bob, body: { token: issued.body.token, outcome: 'passed' } })
    expect(complete.status).toBe(404)
  })

  it('rejects bad dev-login and sandbox bodies', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    expect((await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: '' } })).status).toBe(400)
    expect((await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: 'a', admin: true } })).status).toBe(400)
    const token = (await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: 'a' } })).body.token
    const bad = await json(`${server.url}/sandbox/complete`, { method: 'POST', token, body: { token: 'x', outcome: 'won' } })
    expect(bad.status).toBe(400)
    expect((await json(`${server.url}/nowhere`)).status).toBe(404)
  })
})

describe('standalone server, live mode', () => {
  const credential = { secretId: 'AKIDlive000000000000000000000000000', secretKey: 'live-secret' }

  it('has no dev-login or sandbox routes and needs signed sessions', async () => {
    upstream = createEmulator({ credentials: [credential], logger: false })
    const { url } = await upstream.listen(0, '127.0.0.1')
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      database: (await freshDatabase()).db,
      logger: false,
      env: { FACEID_SECRET_ID: credential.secretId, FACEID_SECRET_KEY: credential.secretKey, FACEID_ENDPOINT: url, FACEID_RULE_ID: '1', SESSION_SECRET: 's'.repeat(32), FACEID_DATA_KEY: Buffer.alloc(32, 7).toString('base64') },
    })
    expect(server.config.sandbox).toBe(false)
    expect(server.emulator).toBeUndefined()
    expect((await json(`${server.url}/health`)).body.mode).toBe('live')
    expect((await json(`${server.url}/auth/dev-login`, { method: 'POST', body: { userId: 'a' } })).status).toBe(404)
    expect((await json(`${server.url}/sandbox/complete`, { method: 'POST', body: {} })).status).toBe(404)
  })

  it('refuses to start without SESSION_SECRET or with half the credentials', async () => {
    await expect(startServer({ port: 0, database: (await freshDatabase()).db, logger: false, env: { FACEID_SECRET_ID: 'a', FACEID_SECRET_KEY: 'b' } })).rejects.toThrow(/SESSION_SECRET/)
    await expect(startServer({ port: 0, database: (await freshDatabase()).db, logger: false, env: { FACEID_SECRET_ID: 'a' } })).rejects.toThrow(/FACEID_SECRET_KEY/)
    await expect(startServer({ port: 0, database: (await freshDatabase()).db, logger: false, env: { PORT: 'eighty' } })).rejects.toThrow(/PORT/)
  })
})
