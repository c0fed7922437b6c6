/**
 * `npm start` with no credentials serves the Megvii H5 flow too: the sandbox runs the emulator's
 * Megvii mode, the demo page offers it, and a verification runs through it to the verdict.
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

describe('Megvii in sandbox mode', () => {
  it('issues, runs the page, returns through the kit and confirms the verdict', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    expect(server.megviiEmulator).toBeDefined()
    expect(await (await fetch(`${server.url}/demo/h5`)).text()).toContain('id="start-megvii"')
    const { token: bearer } = (await json('POST', '/auth/dev-login', { userId: 'alice', identity: { name: '张小宝', idCard: '11204416541220243X' } })).body
    const issued = await json('POST', '/faceid/megvii/h5/biz-token', {}, bearer)
    expect(issued.status).toBe(201)
    const { token, url } = issued.body as { token: string; url: string }
    expect(url.startsWith(server.megviiEmulator!.address()!.url)).toBe(true)
    await fetch(url)
    const finish = await fetch(url, { method: 'POST', body: new URLSearchParams({ outcome: 'pass' }), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    const back = await fetch(finish.headers.get('location')!, { redirect: 'manual' })
    const landed = new URL(back.headers.get('location')!, server.url)
    expect(landed.pathname).toBe('/demo/h5')
    expect(landed.searchParams.get('status')).toBe('passed')
    expect((await json('GET', `/faceid/megvii/h5/biz-token/${encodeURIComponent(token)}`, undefined, bearer)).body).toMatchObject({ status: 'passed', code: 1000, kind: 'megvii-h5' })
  })

  it('the mini-program flow: issued, completed through /sandbox/megvii/complete by its owner only, verdict from get_result', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', env: {}, database: (await freshDatabase()).db, logger: false })
    const { token: bearer } = (await json('POST', '/auth/dev-login', { userId: 'alice', identity: { name: '张小宝', idCard: '11204416541220243X' } })).body
    const issued = await json('POST', '/faceid/megvii/biz-token', {}, bearer)
    expect(issued.status).toBe(201)
    expect(issued.body).not.toHaveProperty('url')
    const token = issued.body['token'] as string
    const { token: mallory } = (await json('POST', '/auth/dev-login', { userId: 'mallory' })).body
    expect((await json('POST', '/sandbox/megvii/complete', { token, outcome: 'pass' }, mallory)).status).toBe(404)
    expect((await json('POST', '/sandbox/megvii/complete', { token, outcome: 'nonsense' }, bearer)).status).toBe(400)
    expect((await json('POST', '/sandbox/megvii/complete', { token, outcome: 'id-mismatch' }, bearer)).status).toBe(200)
    expect((await json('POST', '/sandbox/megvii/complete', { token, outcome: 'pass' }, bearer)).status).toBe(409)
    expect((await json('GET', `/faceid/megvii/biz-token/${encodeURIComponent(token)}`, undefined, bearer)).body).toMatchObject({ status: 'failed', code: 3000, kind: 'megvii' })
  })
})
