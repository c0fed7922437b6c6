/**
 * The standalone server's HTTP edge under abuse: bodies over the limit, headers over Node's
 * limit, malformed requests, clients too slow to send their headers, too many connections,
 * forged X-Forwarded-For, forged session subjects. Raw sockets, so nothing is tidied up on the way.
 */
import net from 'node:net'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createEmulator, type Emulator } from '../../emulator/index.js'
import { canonicalIp, startServer, type RunningServer } from '../../src/standalone/server.js'
import type { Database } from '../../src/store/database.js'
import { freshDatabase } from '../support/harness.js'

const countTokens = async (db: Database): Promise<number> =>
  Number((await db.queries.selectFrom('faceid_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

const opened: Array<{ close(): Promise<void> }> = []
const sockets: net.Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const o of opened.splice(0).reverse()) await o.close()
})

async function sandboxServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', env: { FACEID_SWEEP_INTERVAL_SECONDS: '0', ...env }, database: (await freshDatabase()).db, logger: false })
  opened.push(server)
  return server
}

interface RawConnection {
  socket: net.Socket
  /** Everything the server sent so far. */
  received(): string
  /** Resolves when the server closed the connection. */
  closed: Promise<void>
  isClosed(): boolean
}

function connect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    sockets.push(socket)
    let text = ''
    let closed = false
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    // Writes after the server closed fail with EPIPE / ECONNRESET; that is what is being tested.
    socket.on('error', () => undefined)
    const closedPromise = new Promise<void>((done) => socket.on('close', () => ((closed = true), done())))
    socket.once('connect', () => resolve({ socket, received: () => text, closed: closedPromise, isClosed: () => closed }))
    socket.once('error', reject)
  })
}

/** Status line, headers and body of the first response in `text`. */
function parseResponse(text: string): { status: number; headers: Record<string, string>; body: unknown } {
  const [head, ...rest] = text.split('\r\n\r\n')
  const [statusLine, ...lines] = head!.split('\r\n')
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
  const body = rest.join('\r\n\r\n')
  return { status: Number(statusLine!.split(' ')[1]), headers, body: body ? (JSON.parse(body) as unknown) : undefined }
}

describe('the HTTP edge', () => {
  it('closes the connection after a 413, without reading the rest of the declared body', async () => {
    const server = await sandboxServer()
    const c = await connect(server.port)
    c.socket.write(['POST /faceid/biz-token HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 50000000', '', ''].join('\r\n'))
    c.socket.write('{"pad":"' + 'a'.repeat(64 * 1024))
    await vi.waitFor(() => expect(c.isClosed()).toBe(true), { timeout: 5000, interval: 50 })
    const res = parseResponse(c.received())
    expect(res.status).toBe(413)
    expect(res.headers['connection']).toBe('close')
    expect(res.body).toEqual({ error: { code: 'body_too_large', message: expect.any(String) } })
  })

  it('answers headers over the limit with 431 in the JSON error shape, and closes', async () => {
    const server = await sandboxServer()
    const c = await connect(server.port)
    c.socket.write(['GET /health HTTP/1.1', 'Host: localhost', `X-Padding: ${'a'.repeat(20_000)}`, '', ''].join('\r\n'))
    await vi.waitFor(() => expect(c.isClosed()).toBe(true), { timeout: 5000, interval: 50 })
    const res = parseResponse(c.received())
    expect(res).toMatchObject({ status: 431, headers: { connection: 'close', 'content-type': expect.stringContaining('application/json') } })
    expect(res.body).toEqual({ error: { code: 'headers_too_large', message: expect.any(String) } })
  })

  it('answers a malformed request with 400 in the JSON error shape, and closes', async () => {
    const server = await sandboxServer()
    const c = await connect(server.port)
    c.socket.write('HELLO THERE\r\n\r\n')
    await vi.waitFor(() => expect(c.isClosed()).toBe(true), { timeout: 5000, interval: 50 })
    const res = parseResponse(c.received())
    expect(res).toMatchObject({ status: 400, headers: { connection: 'close' } })
    expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } })
  })

  it('gives a client FACEID_HTTP_HEADERS_TIMEOUT_SECONDS to send its headers, then answers 408 and closes', async () => {
    const server = await sandboxServer({ FACEID_HTTP_HEADERS_TIMEOUT_SECONDS: '0.5' })
    const c = await connect(server.port)
    c.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n')
    await vi.waitFor(() => expect(c.isClosed()).toBe(true), { timeout: 5000, interval: 50 })
    const res = parseResponse(c.received())
    expect(res.status).toBe(408)
    expect(res.body).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } })
  })

  it('caps concurrent connections at FACEID_HTTP_MAX_CONNECTIONS: one more is closed unanswered', async () => {
    const server = await sandboxServer({ FACEID_HTTP_MAX_CONNECTIONS: '2' })
    const held = [await connect(server.port), await connect(server.port)]
    // Both held connections are served…
    for (const c of held) c.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await vi.waitFor(() => held.forEach((c) => expect(c.received()).toContain('"ok":true')), { timeout: 5000, interval: 50 })
    // …and stay open (keep-alive); a third is dropped without an answer.
    const third = await connect(server.port)
    third.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await vi.waitFor(() => expect(third.isClosed()).toBe(true), { timeout: 5000, interval: 50 })
    expect(third.received()).toBe('')
    // Once one is given back, new connections are served again.
    held[0]!.socket.destroy()
    await held[0]!.closed
    await vi.waitFor(async () => expect((await fetch(`${server.url}/health`)).status).toBe(200), { timeout: 5000, interval: 100 })
  })

  it('refuses settings it would have to guess', async () => {
    await expect(sandboxServer({ FACEID_HTTP_MAX_CONNECTIONS: 'lots' })).rejects.toThrow(/FACEID_HTTP_MAX_CONNECTIONS/)
    await expect(sandboxServer({ FACEID_HTTP_HEADERS_TIMEOUT_SECONDS: '60', FACEID_HTTP_REQUEST_TIMEOUT_SECONDS: '30' })).rejects.toThrow(/must not be longer/)
  })
})

describe('FACEID_TRUST_PROXY: the client IP from X-Forwarded-For', () => {
  async function issueWith(server: RunningServer, forwarded: string): Promise<{ status: number; body: any }> {
    const login = await fetch(`${server.url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u' }) })
    const session = ((await login.json()) as { token: string }).token
    const res = await fetch(`${server.url}/faceid/biz-token`, { method: 'POST', headers: { authorization: `Bearer ${session}`, 'x-forwarded-for': forwarded } })
    return { status: res.status, body: await res.json() }
  }

  it('is refused with 400 unless the trusted entry is an IP address; header text is never stored', async () => {
    const database = (await freshDatabase()).db
    const server = await startServer({ port: 0, host: '127.0.0.1', env: { FACEID_TRUST_PROXY: '1', FACEID_SWEEP_INTERVAL_SECONDS: '0' }, database, logger: false })
    opened.push(server)
    for (const forged of ['not-an-ip', '<script>alert(1)</script>', 'x'.repeat(4000), '203.0.113.9:4431', '198.51.100.1, 300.1.1.1', '1.2.3.4 5.6.7.8', 'fe80::1%eth0']) {
      const res = await issueWith(server, forged)
      expect(res, forged).toEqual({ status: 400, body: { error: { code: 'invalid_forwarded_for', message: expect.any(String) } } })
    }
    expect(await countTokens(database)).toBe(0)

    // Real addresses are stored in one spelling each.
    expect((await issueWith(server, '198.51.100.7, ::FFFF:203.0.113.5')).status).toBe(201)
    expect((await issueWith(server, '2001:DB8:0:0::1')).status).toBe(201)
    const rows = await database.queries.selectFrom('faceid_tokens').select('client_ip').orderBy('issued_at').execute()
    expect(rows.map((r) => r.client_ip)).toEqual(['203.0.113.5', '2001:db8::1'])
  })

  it('canonicalIp', () => {
    expect(canonicalIp('203.0.113.5')).toBe('203.0.113.5')
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1')
    expect(canonicalIp('2001:0DB8::0001')).toBe('2001:db8::1')
    expect(canonicalIp('::1')).toBe('::1')
    for (const bad of ['', 'localhost', '1.2.3', '01.2.3.4', '1.2.3.4/24', '[::1]', '::1%lo']) expect(canonicalIp(bad), bad).toBeUndefined()
  })
})

describe('session subjects reaching the routes', () => {
  const SESSION_SECRET = 's'.repeat(40)
  const credential = { secretId: 'AKIDlive000000000000000000000000000', secretKey: 'live-secret' }

  it('a NUL byte (or any control character) in sub is 401, not a 500 from the database', async () => {
    const upstream: Emulator = createEmulator({ credentials: [credential], logger: false })
    opened.push(upstream)
    const { url } = await upstream.listen(0, '127.0.0.1')
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      logger: false,
      database: (await freshDatabase()).db,
      env: { FACEID_SECRET_ID: credential.secretId, FACEID_SECRET_KEY: credential.secretKey, FACEID_ENDPOINT: url, FACEID_RULE_ID: '1', SESSION_SECRET, FACEID_DATA_KEY: Buffer.alloc(32, 3).toString('base64'), FACEID_SWEEP_INTERVAL_SECONDS: '0' },
    })
    opened.push(server)
    const key = new TextEncoder().encode(SESSION_SECRET)
    for (const sub of ['victim\u0000', 'a\u0001b', 'x'.repeat(1000)]) {
      const jwt = await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(key)
      for (const [method, path] of [['POST', '/faceid/biz-token'], ['GET', `/faceid/biz-token/${'A'.repeat(36)}`]] as const) {
        const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${jwt}` } })
        expect({ sub: sub.slice(0, 12), path, status: res.status }).toEqual({ sub: sub.slice(0, 12), path, status: 401 })
      }
    }
    expect(upstream.stats().calls['DetectAuth'] ?? 0).toBe(0)
  })
})
