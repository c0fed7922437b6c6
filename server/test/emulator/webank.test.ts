/**
 * The emulator's WeBank mode on its own terms, with raw HTTP: WeBank's codes for a wrong secret,
 * a stale token, a bad signature and missing identity, QPS caps, faults, and no production.
 */
import crypto from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { parseEmulatorArgs } from '../../emulator/cli.js'
import { createWebankEmulator, SANDBOX_WEBANK_APP } from '../../emulator/index.js'
import { SharedClock, startWebank } from '../support/webank.js'

const { appId, secret } = SANDBOX_WEBANK_APP
const sha1 = (values: string[]): string => crypto.createHash('sha1').update(values.sort().join('')).digest('hex').toUpperCase()
const nonce = (): string => crypto.randomBytes(16).toString('hex')

async function get(url: string, path: string, query: Record<string, string>): Promise<Record<string, any>> {
  return (await (await fetch(`${url}${path}?${new URLSearchParams(query)}`)).json()) as Record<string, any>
}
async function post(url: string, path: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await fetch(`${url}${path}?orderNo=${String(body['orderNo'] ?? '')}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return (await res.json()) as Record<string, any>
}
const token = async (url: string, s = secret) => get(url, '/api/oauth2/access_token', { appId, secret: s, grant_type: 'client_credential', version: '1.0.0' })
const ticket = async (url: string, accessToken: string, type: 'SIGN' | 'NONCE', user_id?: string) =>
  get(url, '/api/oauth2/api_ticket', { appId, access_token: accessToken, type, version: '1.0.0', ...(user_id ? { user_id } : {}) })

const saved = process.env['NODE_ENV']
afterEach(() => {
  if (saved === undefined) delete process.env['NODE_ENV']
  else process.env['NODE_ENV'] = saved
})

describe('emulator: WeBank mode', () => {
  it('issues a 7200 s token and a 3600 s SIGN ticket; a wrong secret gets 400105', async () => {
    const { url } = await startWebank()
    const t = await token(url)
    expect(t).toMatchObject({ code: '0', expire_in: '7200' })
    expect(await ticket(url, t['access_token'], 'SIGN')).toMatchObject({ code: '0', tickets: [{ expire_in: '3600' }] })
    expect(await ticket(url, t['access_token'], 'NONCE', 'u1')).toMatchObject({ code: '0', tickets: [{ expire_in: '120' }] })
    expect(await token(url, 'wrong')).toMatchObject({ code: '400105' })
    expect(await ticket(url, 'not-a-token', 'SIGN')).toMatchObject({ code: '400102' })
  })

  it('keeps a replaced token one minute, then refuses it with 400102; expiry the same', async () => {
    const clock = new SharedClock()
    const { url } = await startWebank({ now: clock.now })
    const old = (await token(url))['access_token']
    await token(url)
    clock.advance(59_000)
    expect(await ticket(url, old, 'SIGN')).toMatchObject({ code: '0' })
    clock.advance(2_000)
    expect(await ticket(url, old, 'SIGN')).toMatchObject({ code: '400102' })
    const fresh = (await token(url))['access_token']
    clock.advance(7200_000)
    expect(await ticket(url, fresh, 'NONCE', 'u1')).toMatchObject({ code: '400102' })
  })

  it('checks getAdvFaceId\'s signature (400101) and asks for name and ID number together (66660000)', async () => {
    const { url } = await startWebank()
    const sign = (await ticket(url, (await token(url))['access_token'], 'SIGN'))['tickets'][0]['value'] as string
    const n = nonce()
    const base = { appId, orderNo: 'ORD1', userId: 'u1', version: '1.0.0', nonce: n, name: '张三', idNo: '110101199003077777' }
    expect(await post(url, '/api/server/getAdvFaceId', { ...base, sign: sha1([appId, 'u1', '1.0.0', n, 'another-ticket']) })).toMatchObject({ code: '400101' })
    expect(await post(url, '/api/server/getAdvFaceId', { ...base, name: '', sign: sha1([appId, 'u1', '1.0.0', n, sign]) })).toMatchObject({ code: '66660000' })
    const ok = await post(url, '/api/server/getAdvFaceId', { ...base, sign: sha1([appId, 'u1', '1.0.0', n, sign]) })
    expect(ok).toMatchObject({ code: '0', result: { orderNo: 'ORD1', faceId: expect.any(String), optimalDomain: new URL(url).host } })
    // The query before the user finished: no result yet.
    const q = nonce()
    expect(await post(url, '/api/v2/base/queryfacerecord', { appId, orderNo: 'ORD1', version: '1.0.0', nonce: q, sign: sha1([appId, 'ORD1', '1.0.0', q, sign]) })).toMatchObject({ code: '66660011' })
  })

  it('caps requests per second with 400504 and injects faults like the Tencent mode', async () => {
    const { url, emulator } = await startWebank({ qpsLimit: { access_token: 2 } })
    const codes = await Promise.all(Array.from({ length: 5 }, () => token(url).then((t) => t['code'])))
    expect(codes.filter((c) => c === '400504').length).toBeGreaterThanOrEqual(1)
    expect(emulator.stats().qpsViolations).toBeGreaterThanOrEqual(1)
    emulator.setFaults({ http5xxRate: 1 })
    expect((await fetch(`${url}/api/oauth2/access_token?appId=${appId}`)).status).toBe(502)
    emulator.setFaults({ internalErrorRate: 1 })
    expect(await ticket(url, 'any', 'SIGN')).toMatchObject({ code: '999999' })
  })

  it('runs from the command line with --webank', () => {
    expect(parseEmulatorArgs(['--webank', '--qps-limit', '5', '--drop-rate', '0.1'], {})).toEqual({ port: 9000, host: '127.0.0.1', webank: true, qpsLimit: 5, faults: { dropRate: 0.1 } })
    expect(() => parseEmulatorArgs(['--webank', '--qps-limit', 'tencent'], {})).toThrow(/with --webank give a number/)
  })

  it('refuses NODE_ENV=production', () => {
    process.env['NODE_ENV'] = ' Production '
    expect(() => createWebankEmulator({ logger: false })).toThrow(/production/)
  })
})
