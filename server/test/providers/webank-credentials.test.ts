/**
 * WeBank's access token and tickets through the real HTTP client against the emulator's WeBank
 * mode: one refresh across instances, the 20-minute refresh and the one-minute overlap, a secret
 * change survived with one refresh and one retry, and NONCE tickets one per start.
 */
import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SANDBOX_WEBANK_APP } from '../../emulator/index.js'
import { UpstreamError } from '../../src/errors/index.js'
import { aroundAction } from '../../src/providers/provider.js'
import { createWebankTransport } from '../../src/providers/webank/transport.js'
import { UpstreamTimeoutError } from '../../src/resilience/deadlines.js'
import { ENGINES, useTestDatabase } from '../support/postgres-db.js'
import { MINUTE, SharedClock, startWebank, webankClientOn } from '../support/webank.js'

const identity = { name: '测试用户', idNo: '11010119900307777X' }

async function sdkLogin(url: string, fields: Record<string, unknown>): Promise<{ code: string; msg: string }> {
  const res = await fetch(`${url}/sandbox/webank/sdk/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fields) })
  return (await res.json()) as { code: string; msg: string }
}

describe.each(ENGINES)('WeBank credentials (%s)', (engine) => {
  const database = useTestDatabase(engine)

  it('two instances refreshing at once make one upstream call; the others read', async () => {
    const clock = new SharedClock()
    const { emulator, url } = await startWebank({ now: clock.now, faults: { slowRate: 1, slowMs: 50, seed: 1 } })
    // Two kit instances: their own connection pools (on SQLite, the one shared in-memory file).
    const a = await webankClientOn(await database.open(), url, clock)
    const b = await webankClientOn(await database.open(), url, clock)
    const pairs = await Promise.all([...Array.from({ length: 10 }, () => a.protocol.credentials.current()), ...Array.from({ length: 10 }, () => b.protocol.credentials.current())])
    expect(emulator.stats().calls['access_token']).toBe(1)
    expect(emulator.stats().issued).toMatchObject({ accessTokens: 1, signTickets: 1 })
    expect(new Set(pairs.map((p) => p.accessToken)).size).toBe(1)
    expect(a.protocol.credentials.refreshes + b.protocol.credentials.refreshes).toBe(1)
  })

  it('keeps the token and tickets sealed in the ledger; a row sealed under another secret is refreshed', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T03:30:00Z'))
    const { emulator, url } = await startWebank({ now: clock.now })
    const db = await database.open()
    const a = await webankClientOn(db, url, clock)
    const pair = await a.protocol.credentials.current()
    const row = await db.queries.selectFrom('faceid_webank_credentials').selectAll().where('app_id', '=', SANDBOX_WEBANK_APP.appId).executeTakeFirstOrThrow()
    const stored = JSON.stringify(row)
    expect(stored).not.toContain(pair.accessToken)
    expect(stored).not.toContain(pair.signTicket)
    // The secret was changed in the console and the new one deployed: the old row cannot be opened.
    emulator.rotateSecret(SANDBOX_WEBANK_APP.appId, 'the-new-secret-from-the-console')
    const b = await webankClientOn(db, url, clock, { secret: 'the-new-secret-from-the-console' })
    const fresh = await b.protocol.credentials.current()
    expect(fresh.generation).toBe(pair.generation + 1)
    expect(emulator.stats().issued.accessTokens).toBe(2)
    expect(await b.protocol.nonceTicket('user9')).toBeTruthy()
  })

  it('refreshes after 20 minutes; the replaced pair works for one minute more, not longer', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T04:00:00Z'))
    const { emulator, url } = await startWebank({ now: clock.now })
    const a = await webankClientOn(await database.open(), url, clock)
    // B re-reads the shared row rarely, so it can hold the old pair after A refreshed.
    const b = await webankClientOn(await database.open(), url, clock, { credentials: { memoMs: 30_000 } })
    const first = await b.protocol.credentials.current()
    const order = await b.call('getFaceId', { orderNo: 'ORD0000000000000000000000000001', userId: 'user1', identity })
    expect(order.faceId).toMatch(/^[A-Za-z0-9]{1,32}$/)

    clock.advance(21 * MINUTE)
    const second = await a.protocol.credentials.current()
    expect(second.generation).toBe(first.generation + 1)
    expect(second.accessToken).not.toBe(first.accessToken)
    expect(second.previousSignTicket).toBe(first.signTicket)
    expect(emulator.stats().issued.accessTokens).toBe(2)

    // Within the overlap minute the old SIGN ticket still signs a valid query.
    clock.advance(20_000)
    const viaOld = await b.protocol.queryFaceRecord('ORD0000000000000000000000000001')
    expect(viaOld.code).toBe('66660011')

    // Past it, WeBank refuses the old pair; B refreshes from the shared row (A's pair) and retries once.
    clock.advance(45_000)
    const transport = createWebankTransport({ endpoint: url })
    await expect(transport.call('ticket', { appId: SANDBOX_WEBANK_APP.appId, access_token: first.accessToken, type: 'NONCE', user_id: 'user1' })).rejects.toMatchObject({ tencentCode: 'WeBank.400102' })
    const again = await b.protocol.queryFaceRecord('ORD0000000000000000000000000001')
    expect(again.code).toBe('66660011')
    // No third pair: B took A's from the ledger.
    expect(emulator.stats().issued.accessTokens).toBe(2)
  })

  it('a secret change: the first refused call refreshes the pair and is retried once', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T05:00:00Z'))
    const { emulator, url } = await startWebank({ now: clock.now })
    let nonceCalls = 0
    const client = await webankClientOn(await database.open(), url, clock, {
      transport: aroundAction(createWebankTransport({ endpoint: url }), 'ticket', (req, next) => {
        if (req.type === 'NONCE') nonceCalls += 1
        return next(req)
      }),
    })
    await client.protocol.credentials.current()
    emulator.rotateSecret(SANDBOX_WEBANK_APP.appId)
    const ticket = await client.protocol.nonceTicket('user2')
    expect(ticket).toBeTruthy()
    expect(nonceCalls).toBe(2)
    expect(emulator.stats().issued.accessTokens).toBe(2)

    // A secret the kit does not know: one refresh is tried, then the error is the caller's.
    emulator.rotateSecret(SANDBOX_WEBANK_APP.appId, 'a-secret-the-kit-was-never-given')
    const before = emulator.stats().calls['access_token'] ?? 0
    const error = await client.protocol.nonceTicket('user2').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpstreamError)
    expect((error as UpstreamError).tencentCode).toBe('WeBank.400105')
    expect((emulator.stats().calls['access_token'] ?? 0) - before).toBe(1)
  })

  it('takes a NONCE ticket per start; the SDK login accepts each once and refuses a reused one', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T06:00:00Z'))
    const { emulator, url } = await startWebank({ now: clock.now })
    const client = await webankClientOn(await database.open(), url, clock, { licence: 'sandbox-licence' })
    const one = await client.call('getFaceId', { orderNo: 'ORDnonce000000000000000000000001', userId: 'user3', identity })
    const two = await client.call('getFaceId', { orderNo: 'ORDnonce000000000000000000000002', userId: 'user3', identity })
    const loginOne = await client.call('appSdkLogin', { orderNo: 'ORDnonce000000000000000000000001', userId: 'user3', faceId: one.faceId })
    const loginTwo = await client.call('appSdkLogin', { orderNo: 'ORDnonce000000000000000000000002', userId: 'user3', faceId: two.faceId })
    expect(emulator.stats().issued.nonceTickets).toBe(2)
    expect(loginOne).toMatchObject({ appId: SANDBOX_WEBANK_APP.appId, orderNo: 'ORDnonce000000000000000000000001', userId: 'user3', faceId: one.faceId, version: '1.0.0', licence: 'sandbox-licence' })
    expect(loginOne.nonce).not.toBe(loginTwo.nonce)
    expect(loginOne.sign).not.toBe(loginTwo.sign)

    expect(await sdkLogin(url, { ...loginOne })).toMatchObject({ code: '0' })
    expect(await sdkLogin(url, { ...loginTwo })).toMatchObject({ code: '0' })
    // The same login again: its NONCE ticket is used up.
    expect(await sdkLogin(url, { ...loginOne })).toMatchObject({ code: '400101' })
    // A forged signature is refused too.
    expect(await sdkLogin(url, { ...loginTwo, nonce: loginOne.nonce })).toMatchObject({ code: '400101' })
  })

  it('accepts a callback signed with the replaced SIGN ticket during its overlap minute only', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T09:00:00Z'))
    const { url } = await startWebank({ now: clock.now })
    const client = await webankClientOn(await database.open(), url, clock)
    const old = await client.protocol.credentials.current()
    const signedWith = (ticket: string, code: string) => crypto.createHash('sha1').update([SANDBOX_WEBANK_APP.appId, 'ORDcallback0000000000000000000001', code, ticket].sort().join('')).digest('hex').toUpperCase()
    const callback = (ticket: string, code = '0') => ({ orderNo: 'ORDcallback0000000000000000000001', code, newSignature: signedWith(ticket, code) })
    expect(await client.protocol.verifyCallback(callback(old.signTicket))).toBe(true)
    expect(await client.protocol.verifyCallback({ ...callback(old.signTicket), code: '66660004' })).toBe(false)
    clock.advance(21 * MINUTE)
    const fresh = await client.protocol.credentials.current()
    expect(fresh.signTicket).not.toBe(old.signTicket)
    clock.advance(30_000)
    expect(await client.protocol.verifyCallback(callback(old.signTicket))).toBe(true)
    expect(await client.protocol.verifyCallback(callback(fresh.signTicket))).toBe(true)
    clock.advance(31_000)
    expect(await client.protocol.verifyCallback(callback(old.signTicket))).toBe(false)
  })

  it('a caller\'s signal ends its own step at once', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T08:00:00Z'))
    const { emulator, url } = await startWebank({ now: clock.now })
    const client = await webankClientOn(await database.open(), url, clock)
    await client.protocol.credentials.current()
    emulator.setFaults({ latencyMs: 5_000 })
    const started = Date.now()
    const error = await client.call('queryResult', { orderNo: 'ORDsignal00000000000000000000001' }, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpstreamError)
    expect((error as UpstreamError).retryable).toBe(false)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('names WeBank, not Tencent, when a call runs past its attempt deadline', async () => {
    const { emulator, url } = await startWebank({})
    emulator.setFaults({ latencyMs: 5_000 })
    const transport = createWebankTransport({ endpoint: url, timeoutSeconds: 0.2 })
    const error = await transport.call('accessToken', { appId: SANDBOX_WEBANK_APP.appId, secret: SANDBOX_WEBANK_APP.secret }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect((error as Error).message).toBe('WeBank accessToken is unreachable (no complete answer within the attempt deadline of 200 ms)')
  })

  it('a NONCE ticket expires after 120 seconds', async () => {
    const clock = new SharedClock(Date.parse('2026-12-02T07:00:00Z'))
    const { url } = await startWebank({ now: clock.now })
    const client = await webankClientOn(await database.open(), url, clock)
    const order = await client.call('getFaceId', { orderNo: 'ORDexpire00000000000000000000001', userId: 'user4', identity })
    const login = await client.call('appSdkLogin', { orderNo: 'ORDexpire00000000000000000000001', userId: 'user4', faceId: order.faceId })
    clock.advance(121_000)
    expect(await sdkLogin(url, { ...login })).toMatchObject({ code: '400101' })
  })
})
