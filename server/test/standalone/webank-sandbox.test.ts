/**
 * `npm start` with no credentials drives WeBank's App SDK flow from the server alone: the
 * sandbox runs the emulator's WeBank mode, the start's fields pass the SDK's login, and the
 * sandbox completes the order as the user would.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function json(method: string, route: string, body: unknown, bearer?: string): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${server!.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    ...(method === 'GET' ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe('WeBank in sandbox mode', () => {
  it('starts the App SDK flow, the SDK logs in, the sandbox completes it, the owner reads the verdict', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    expect(server.webankEmulator).toBeDefined()
    const { token: bearer } = (await json('POST', '/auth/dev-login', { userId: 'alice', identity: { name: '张小宝', idCard: '11204416541220243X' } })).body
    const started = await json('POST', '/faceid/webank/app/order', {}, bearer)
    expect(started.status).toBe(201)
    const { sdk, token } = started.body
    expect(sdk).toMatchObject({ orderNo: token, version: '1.0.0', licence: 'sandbox-licence' })
    const login = await fetch(`${server.webankEmulator!.address()!.url}/sandbox/webank/sdk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sdk) })
    expect(await login.json()).toMatchObject({ code: '0' })

    const { token: mallory } = (await json('POST', '/auth/dev-login', { userId: 'mallory' })).body
    expect((await json('POST', '/sandbox/webank/complete', { orderNo: token, outcome: 'passed' }, mallory)).status).toBe(404)
    expect((await json('POST', '/sandbox/webank/complete', { orderNo: token, outcome: 'passed' }, bearer)).status).toBe(200)
    expect((await json('GET', `/faceid/webank/app/order/${token}`, undefined, bearer)).body).toMatchObject({ status: 'passed', code: 0, kind: 'webank-app' })
  })

  it('without the identity from dev-login, the start is refused and nothing is recorded', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    const { token: bearer } = (await json('POST', '/auth/dev-login', { userId: 'nobody' })).body
    expect((await json('POST', '/faceid/webank/app/order', {}, bearer)).status).toBe(500)
    expect(server.webankEmulator!.stats().calls['getAdvFaceId'] ?? 0).toBe(0)
  })
})
