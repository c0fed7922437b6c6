import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/database.js'
import { startServer, type RunningServer } from '../../src/standalone/server.js'
import { freshDatabase } from '../support/harness.js'

/**
 * The bad-input corpus (server/test/http/corpus): every hostile request gets a 4xx JSON error, the
 * server stays up, nothing reaches the ledger or Tencent, and nothing leaks into the answer.
 */

interface CorpusCase {
  name: string
  method: string
  path: string
  auth?: string
  contentType?: string
  headers?: Record<string, string>
  body?: string
  json?: unknown
  bodyBase64?: string
  repeat?: { prefix: string; chunk: string; times: number; suffix: string }
  nest?: number
}

const corpusDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus')
const requests = JSON.parse(fs.readFileSync(path.join(corpusDir, 'requests.json'), 'utf8')) as { cases: CorpusCase[] }
const strings = JSON.parse(fs.readFileSync(path.join(corpusDir, 'strings.json'), 'utf8')) as { strings: Array<{ name: string; value: string }> }

/** A path segment even for strings `encodeURIComponent` refuses (lone surrogates). */
function segment(value: string): string {
  try {
    return encodeURIComponent(value)
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')
  }
}

/** Each hostile string in five places. */
const expanded: CorpusCase[] = strings.strings.flatMap(({ name, value }) => [
  { name: `dev-login identity: ${name}`, method: 'POST', path: '/auth/dev-login', json: { userId: 'mallory', identity: { name: value, idCard: value } } },
  { name: `token path segment: ${name}`, method: 'GET', path: `/faceid/biz-token/${segment(value)}`, auth: 'alice' },
  { name: `token request body value: ${name}`, method: 'POST', path: '/faceid/eid-token', auth: 'alice', json: { note: value } },
  { name: `token request body key: ${name}`, method: 'POST', path: '/faceid/biz-token', auth: 'alice', json: { [value]: 1 } },
  { name: `sandbox completion token: ${name}`, method: 'POST', path: '/sandbox/complete', auth: 'alice', json: { token: value, outcome: 'passed' } },
])
const ALL: CorpusCase[] = [...requests.cases, ...expanded]

const SESSION_SECRET = 'bad-input-corpus-session-secret-0123456789'
const PLANTED_ID = '11204416541220243X'

let server: RunningServer
let db: Database
const logLines: string[] = []
const placeholders: Record<string, string> = {}
const sessions: Record<string, string | undefined> = {}

function request(c: CorpusCase): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (m, k: string) => placeholders[k] ?? m)
  let body: Buffer | undefined
  if (c.bodyBase64 !== undefined) body = Buffer.from(c.bodyBase64, 'base64')
  else if (c.repeat) body = Buffer.from(c.repeat.prefix + c.repeat.chunk.repeat(c.repeat.times) + c.repeat.suffix)
  else if (c.nest) body = Buffer.from(`{"a":${'['.repeat(c.nest)}1${']'.repeat(c.nest)}}`)
  else if (c.json !== undefined) body = Buffer.from(fill(JSON.stringify(c.json)))
  else if (c.body !== undefined) body = Buffer.from(c.body)
  const headers: Record<string, string> = { ...c.headers }
  const contentType = c.contentType ?? (c.json !== undefined ? 'application/json' : undefined)
  if (contentType) headers['content-type'] = contentType
  if (body) headers['content-length'] = String(body.length)
  const auth = c.auth ?? 'none'
  if (auth.startsWith('raw:')) headers['authorization'] = auth.slice(4)
  else if (auth !== 'none') {
    const value = sessions[auth]
    if (value === undefined) throw new Error(`corpus: unknown auth ${auth}`)
    headers['authorization'] = value
  }
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${fill(c.path)}`, { method: c.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    // The server may answer (413, 415) before reading everything and close: that is fine.
    req.on('error', reject)
    req.end(body)
  })
}

async function snapshot(): Promise<string> {
  const rows = await db.queries.selectFrom('faceid_tokens').selectAll().orderBy('token').execute()
  return rows.map((r) => JSON.stringify(r)).join('\n')
}

async function login(userId: string): Promise<string> {
  const res = await fetch(`${server.url}/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, identity: { name: '张小宝', idCard: PLANTED_ID } }),
  })
  return ((await res.json()) as { token: string }).token
}

async function issue(kind: 'biz' | 'eid', session: string): Promise<string> {
  const res = await fetch(`${server.url}/faceid/${kind}-token`, { method: 'POST', headers: { authorization: `Bearer ${session}` } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { token: string }).token
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const key = new TextEncoder().encode(SESSION_SECRET)
const sign = (payload: Record<string, unknown>, alg = 'HS256', secret = key) => new SignJWT(payload).setProtectedHeader({ alg }).setIssuedAt().sign(secret)

beforeAll(async () => {
  db = (await freshDatabase()).db
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'))
      done()
    },
  })
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    env: { SESSION_SECRET, FACEID_SWEEP_INTERVAL_SECONDS: '0' },
    database: db,
    logDestination: destination,
  })
  const alice = await login('alice')
  const bob = await login('bob')
  placeholders['aliceFace'] = await issue('biz', alice)
  placeholders['bobFace'] = await issue('biz', bob)
  placeholders['bobEid'] = await issue('eid', bob)
  placeholders['bobFaceLower'] = placeholders['bobFace'].toLowerCase()
  placeholders['long8k'] = 'A'.repeat(8000)

  const now = Math.floor(Date.now() / 1000)
  const [, alicePayload, aliceSignature] = alice.split('.')
  void alicePayload
  Object.assign(sessions, {
    alice: `Bearer ${alice}`,
    bare: alice,
    double: `Bearer ${alice} Bearer ${alice}`,
    forged: `Bearer ${b64url({ alg: 'HS256' })}.${b64url({ sub: 'alice' })}.${Buffer.from('not the signature').toString('base64url')}`,
    'alg-none': `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'alice', iat: now })}.`,
    'alg-none-bob': `Bearer ${b64url({ alg: 'none' })}.${b64url({ sub: 'bob' })}.`,
    hs512: `Bearer ${await sign({ sub: 'alice' }, 'HS512')}`,
    expired: `Bearer ${await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(key)}`,
    'expired-bob': `Bearer ${await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now - 7200).setExpirationTime(now - 60).sign(key)}`,
    'not-before': `Bearer ${await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setNotBefore(now + 3600).sign(key)}`,
    'no-sub': `Bearer ${await sign({})}`,
    'empty-sub': `Bearer ${await sign({ sub: '' })}`,
    'number-sub': `Bearer ${await sign({ sub: 42 })}`,
    'other-secret': `Bearer ${await sign({ sub: 'alice' }, 'HS256', new TextEncoder().encode('another-server-secret-another-server'))}`,
    'tampered-to-bob': `Bearer ${b64url({ alg: 'HS256' })}.${b64url({ sub: 'bob', iat: now })}.${aliceSignature}`,
    huge: `Bearer ${'a'.repeat(8000)}`,
  })
})

afterAll(async () => {
  await server?.close()
})

describe('bad-input corpus', () => {
  it('has at least 100 cases', () => {
    expect(requests.cases.length).toBeGreaterThanOrEqual(100)
    expect(ALL.length).toBeGreaterThanOrEqual(200)
    expect(new Set(ALL.map((c) => c.name)).size).toBe(ALL.length)
  })

  it('answers every case with a 4xx JSON error, writes nothing and leaks nothing', async () => {
    const before = await snapshot()
    const calls = JSON.stringify(server.emulator!.stats().calls)
    const failures: string[] = []
    for (const [i, c] of ALL.entries()) {
      const res = await request(c)
      const problems: string[] = []
      if (res.status < 400 || res.status > 499) problems.push(`status ${res.status}`)
      if (!String(res.headers['content-type']).includes('application/json')) problems.push(`content-type ${res.headers['content-type']}`)
      let body: unknown
      try {
        body = JSON.parse(res.text)
      } catch {
        problems.push(`not JSON: ${res.text.slice(0, 80)}`)
      }
      const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
      if (!error || typeof error.code !== 'string' || !/^[a-z0-9_]+$/.test(error.code) || typeof error.message !== 'string' || Object.keys(body as object).length !== 1) {
        problems.push(`not an error body: ${res.text.slice(0, 120)}`)
      }
      if (res.text.includes(SESSION_SECRET)) problems.push('echoes the session secret')
      if (res.text.includes(PLANTED_ID)) problems.push('echoes an ID number')
      if (/\n\s+at |node_modules|\/src\/|\.ts:\d/.test(res.text)) problems.push('echoes a stack or a file path')
      if (res.headers['set-cookie']) problems.push('sets a cookie')
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}`)
      // The server stays up all along.
      if (i % 25 === 24) expect((await fetch(`${server.url}/health`)).status).toBe(200)
    }
    expect(failures).toEqual([])

    expect((await fetch(`${server.url}/health`)).status).toBe(200)
    expect(await snapshot()).toBe(before)
    expect(JSON.stringify(server.emulator!.stats().calls)).toBe(calls)
    // No prototype was polluted along the way (the server runs in this process).
    const probe = {} as Record<string, unknown>
    expect(probe['polluted']).toBeUndefined()
    expect(probe['admin']).toBeUndefined()
    // What was logged has no ID number and no secret.
    const logs = logLines.join('')
    expect(logs).toContain('"msg":"request"')
    expect(logs).not.toContain(PLANTED_ID)
    expect(logs).not.toContain(SESSION_SECRET)
  })
})
