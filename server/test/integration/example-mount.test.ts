import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createPartnerApp } from '../../examples/mount-in-koa.js'
import { createEmulator, SANDBOX_CREDENTIAL, type Emulator } from '../../emulator/index.js'
import { generateDataKey } from '../../src/index.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function start(emulator: Emulator) {
  const { url } = await emulator.listen(0, '127.0.0.1')
  const partner = await createPartnerApp({
    env: {
      FACEID_SECRET_ID: SANDBOX_CREDENTIAL.secretId,
      FACEID_SECRET_KEY: SANDBOX_CREDENTIAL.secretKey,
      FACEID_ENDPOINT: url,
      FACEID_RULE_ID: '1',
      FACEID_EID_MERCHANT_ID: '0NSJ2106141714',
      FACEID_DATA_KEY: generateDataKey(),
    },
    dataDir: 'memory',
    currentUser: (ctx) => ctx.get('x-partner-session') || undefined,
    identityOf: (userId) => (userId === 'u1' ? { name: '张小宝', idCard: '11204416541220243X' } : undefined),
  })
  const server = http.createServer(partner.app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => emulator.close(), partner.close, () => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const call = async (method: string, path: string, user?: string) => {
    const res = await fetch(base + path, { method, headers: user ? { 'x-partner-session': user } : {} })
    return { status: res.status, body: (await res.json()) as { token: string; error: { code: string } } }
  }
  return { partner, call }
}

describe('examples/mount-in-koa.ts', () => {
  it('serves the routes under its own prefix with its own sessions, and reads the full result server-side', async () => {
    const emulator = createEmulator({ logger: false })
    const { partner, call } = await start(emulator)
    expect((await call('POST', '/api/kyc/biz-token')).status).toBe(401)
    const issued = await call('POST', '/api/kyc/biz-token', 'u1')
    expect(issued.status).toBe(201)
    emulator.complete(issued.body.token, { outcome: 'passed' })
    const result = await call('GET', `/api/kyc/biz-token/${issued.body.token}`, 'u1')
    expect(result.body).toMatchObject({ status: 'passed', identity: { name: '*小宝', idCard: '1120**********243X' } })

    const full = await partner.fullResult(issued.body.token)
    expect(JSON.stringify(full)).toContain('11204416541220243X')
    expect((await call('GET', `/api/kyc/biz-token/${issued.body.token}`, 'u2')).status).toBe(404)
  })

  it('applies its issuance limit per user', async () => {
    const { call } = await start(createEmulator({ logger: false }))
    for (let i = 0; i < 5; i++) expect((await call('POST', '/api/kyc/eid-token', 'u1')).status).toBe(201)
    const limited = await call('POST', '/api/kyc/eid-token', 'u1')
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('rate_limited')
  })
})
