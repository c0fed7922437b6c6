/**
 * Bearer sessions: what a live or sandbox instance accepts. Tokens are signed here the way a
 * partner's login (or an attacker holding SESSION_SECRET's sandbox twin) would sign them.
 */
import crypto from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSessions, DEFAULT_SESSION_MAX_LIFETIME_SECONDS, type Sessions } from '../../src/http/sessions.js'

const SECRET = 'x'.repeat(48)
const key = new TextEncoder().encode(SECRET)
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A token as a partner's login would sign it with SESSION_SECRET. */
function partnerToken(claims: Record<string, unknown>, header: { alg: string } = { alg: 'HS256' }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key)
}

const live = createSessions(SECRET)
const sandbox = createSessions(SECRET, { mode: 'sandbox' })

/** A Koa app answering `{ user }` as each session set resolves it, over real HTTP. */
let server: http.Server
let base = ''
beforeAll(async () => {
  const app = new Koa()
  app.use(async (ctx) => {
    const sessions: Sessions = ctx.path === '/sandbox' ? sandbox : live
    ctx.body = { user: (await sessions.resolveUser(ctx)) ?? null }
  })
  server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

async function userFor(token: string, path = '/live'): Promise<string | null> {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } })
  return ((await res.json()) as { user: string | null }).user
}

/** Raw HTTP, so that a header can be sent twice exactly as written. */
function rawGet(path: string, headerLines: string[]): Promise<string> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write([`GET ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...headerLines, '', ''].join('\r\n'))
    })
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
  })
}

describe('sessions', () => {
  it('accept a well-formed token of their own mode', async () => {
    expect(await userFor(await live.issue('user-1'))).toBe('user-1')
    expect(await userFor(await sandbox.issue('user-1'), '/sandbox')).toBe('user-1')
    expect(await userFor(await partnerToken({ sub: 'partner|42', exp: nowSeconds() + 3600 }))).toBe('partner|42')
  })

  it('a live instance never accepts a sandbox session, nor a sandbox one a live session, with the same SESSION_SECRET', async () => {
    expect(await userFor(await sandbox.issue('victim'))).toBeNull()
    expect(await userFor(await live.issue('victim'), '/sandbox')).toBeNull()
    // Signed with the live key but claiming the sandbox issuer: refused by both.
    const confused = await partnerToken({ sub: 'victim', exp: nowSeconds() + 600, iss: 'faceid-kit/sandbox', aud: 'faceid-kit/sandbox' })
    expect(await userFor(confused)).toBeNull()
    expect(await userFor(confused, '/sandbox')).toBeNull()
  })

  it('require exp', async () => {
    expect(await userFor(await partnerToken({ sub: 'user-1' }))).toBeNull()
    expect(await userFor(await partnerToken({ sub: 'user-1', iat: nowSeconds() }))).toBeNull()
  })

  it(`bound the lifetime of a session (at most ${DEFAULT_SESSION_MAX_LIFETIME_SECONDS} s)`, async () => {
    const max = DEFAULT_SESSION_MAX_LIFETIME_SECONDS
    expect(await userFor(await partnerToken({ sub: 'u', exp: nowSeconds() + max - 60 }))).toBe('u')
    expect(await userFor(await partnerToken({ sub: 'u', exp: nowSeconds() + 30 * 86400 }))).toBeNull()
    // Issued long ago with a long life, still unexpired: its span is too long.
    expect(await userFor(await partnerToken({ sub: 'u', iat: nowSeconds() - max, exp: nowSeconds() + 600 }))).toBeNull()
    // Issued in the future.
    expect(await userFor(await partnerToken({ sub: 'u', iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 }))).toBeNull()
    await expect(live.issue('u', max + 1)).rejects.toThrow(/lifetime/)
    const short = createSessions(SECRET, { maxLifetimeSeconds: 600 })
    await expect(short.issue('u')).resolves.toEqual(expect.any(String))
    await expect(short.issue('u', 601)).rejects.toThrow(/lifetime/)
  })

  it('bound sub: length and characters (a NUL byte, spaces, controls, 129 characters are refused)', async () => {
    const exp = nowSeconds() + 600
    for (const sub of ['a\u0000b', 'a b', 'a\nb', '\u007f', 'x'.repeat(129), '', '用户']) {
      expect(await userFor(await partnerToken({ sub, exp })), JSON.stringify(sub)).toBeNull()
    }
    expect(await userFor(await partnerToken({ sub: 'x'.repeat(128), exp }))).toBe('x'.repeat(128))
    expect(await userFor(await partnerToken({ sub: 42, exp }))).toBeNull()
    await expect(live.issue('a\u0000b')).rejects.toThrow(/user id/)
  })

  it('refuse a request with two Authorization headers', async () => {
    const good = await live.issue('user-1')
    const once = await rawGet('/live', [`Authorization: Bearer ${good}`])
    expect(once).toContain('{"user":"user-1"}')
    const twice = await rawGet('/live', [`Authorization: Bearer ${good}`, `authorization: Bearer ${await live.issue('user-2')}`])
    expect(twice).toContain('{"user":null}')
    const sameTwice = await rawGet('/live', [`Authorization: Bearer ${good}`, `Authorization: Bearer ${good}`])
    expect(sameTwice).toContain('{"user":null}')
  })

  it('issue HS256 tokens with sub, iat and exp (and the sandbox issuer and audience in sandbox mode)', async () => {
    const before = nowSeconds()
    const token = await live.issue('user-1', 600)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
    const claims = decodeJwt(token)
    expect(claims).toEqual({ sub: 'user-1', iat: expect.any(Number), exp: expect.any(Number) })
    expect(claims.iat).toBeGreaterThanOrEqual(before)
    expect(claims.exp! - claims.iat!).toBe(600)
    expect(decodeJwt(await sandbox.issue('user-1'))).toMatchObject({ sub: 'user-1', iss: 'faceid-kit/sandbox', aud: 'faceid-kit/sandbox' })
  })

  it('refuse expired tokens, allowing 30 s of clock difference', async () => {
    expect(await userFor(await partnerToken({ sub: 'u', exp: nowSeconds() - 10 }))).toBe('u')
    expect(await userFor(await partnerToken({ sub: 'u', exp: nowSeconds() - 120 }))).toBeNull()
    expect(await userFor(await partnerToken({ sub: 'u', exp: nowSeconds() + 600, nbf: nowSeconds() + 300 }))).toBeNull()
    expect(await userFor(await partnerToken({ sub: 'u', exp: String(nowSeconds() + 600) }))).toBeNull()
  })

  it('refuse a wrong key, a changed payload, no signature and unknown critical headers', async () => {
    const exp = nowSeconds() + 600
    const otherKey = await new SignJWT({ sub: 'u', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('y'.repeat(48)))
    expect(await userFor(otherKey)).toBeNull()
    const [header, , signature] = (await partnerToken({ sub: 'u', exp })).split('.')
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', exp })).toString('base64url')
    expect(await userFor(`${header}.${forged}.${signature}`)).toBeNull()
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', exp })).toString('base64url')}.`
    expect(await userFor(none)).toBeNull()
    // A header no JWT library here would sign: an extension marked critical that the server does not know.
    const critInput = `${Buffer.from(JSON.stringify({ alg: 'HS256', crit: ['urn:x'], 'urn:x': true })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', exp })).toString('base64url')}`
    const crit = `${critInput}.${crypto.createHmac('sha256', key).update(critInput).digest('base64url')}`
    expect(await userFor(crit)).toBeNull()
    expect(await userFor('not.a.token')).toBeNull()
  })

  it('refuse other algorithms and malformed headers', async () => {
    const exp = nowSeconds() + 600
    const hs512 = await new SignJWT({ sub: 'u', exp }).setProtectedHeader({ alg: 'HS512' }).sign(key)
    expect(await userFor(hs512)).toBeNull()
    const res = await fetch(`${base}/live`, { headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } })
    expect(await res.json()).toEqual({ user: null })
  })
})
