import { afterEach, describe, expect, it } from 'vitest'
import { SANDBOX_CREDENTIAL } from '../../emulator/index.js'
import { ConfigurationError } from '../../src/errors/index.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import { createFaceidKit } from '../../src/kit.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { createFaceidRouter } from '../../src/http/router.js'
import type { H5RouterOptions } from '../../src/types.js'
import type { Verifier } from '../../src/verification/verifier.js'
import { startHarness, type Harness } from '../support/harness.js'

const BASE = 'https://partner.example'
const h5: H5RouterOptions = { publicBaseUrl: 'http://placeholder', returnPage: `${BASE}/done`, errorPage: `${BASE}/oops`, stateKey: new Uint8Array(32).fill(7) }

let hx: Harness
afterEach(async () => {
  await hx?.close()
})

/** A harness whose return URLs point at itself, as a deployment's public address would. */
async function start(options: Partial<H5RouterOptions> = {}): Promise<Harness> {
  let self = ''
  hx = await startHarness({ router: { h5: { ...h5, publicBaseUrl: () => self, ...options } } })
  self = hx.url
  return hx
}

async function issue(kind: 'face-h5' | 'eid-h5', user: string): Promise<{ token: string; url: string; expiresAt: string }> {
  const res = await hx.call('POST', kind === 'face-h5' ? '/faceid/h5/biz-token' : '/faceid/h5/eid-token', { user, body: {} })
  expect(res.status).toBe(201)
  return res.body
}

/** The user picks an outcome on the emulator's page; answers where Tencent sends the browser. */
async function finishOnPage(url: string, form: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
  expect(res.status).toBe(302)
  return res.headers.get('location')!
}

async function follow(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' })
  expect(res.status).toBe(303)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return new URL(res.headers.get('location')!)
}

async function returnedAt(token: string): Promise<unknown> {
  const row = await hx.db.queries.selectFrom('faceid_tokens').select('returned_at').where('token', '=', token).executeTakeFirstOrThrow()
  return row.returned_at
}

const fetches = (): number => (hx.emulator.stats().calls['GetDetectInfoEnhanced'] ?? 0) + (hx.emulator.stats().calls['GetEidResult'] ?? 0)

describe('web (H5) flows: issuance and the return route', () => {
  it('issues a token with the provider page, recorded for the user before it is answered', async () => {
    await start()
    const issued = await issue('face-h5', 'alice')
    expect(issued.url).toBe(`${hx.emulatorUrl}/sandbox/h5/${issued.token}`)
    expect(await hx.ledger.get(issued.token)).toMatchObject({ userId: 'alice', kind: 'face-h5' })
    // Tencent was told to send the browser to the kit's own return route.
    expect(hx.emulator.token(issued.token)?.redirectUrl).toMatch(new RegExp(`^${hx.url}/faceid/h5/return/face-h5\\?s=\\d+\\.[\\w-]{32}$`))
  })

  it('records the return, fetches the result and sends the browser on with only token and status', async () => {
    await start()
    const issued = await issue('face-h5', 'alice')
    const back = await finishOnPage(issued.url, 'outcome=passed')
    expect(new URL(back).searchParams.get('BizToken')).toBe(issued.token)
    const landed = await follow(back)
    expect(`${landed.origin}${landed.pathname}`).toBe(`${BASE}/done`)
    expect([...landed.searchParams.keys()].sort()).toEqual(['status', 'token'])
    expect(landed.searchParams.get('token')).toBe(issued.token)
    expect(landed.searchParams.get('status')).toBe('passed')
    expect(await returnedAt(issued.token)).not.toBeNull()
    expect(fetches()).toBe(1)
    // The page confirms with the server; only the owner gets the result.
    expect((await hx.call('GET', `/faceid/h5/biz-token/${issued.token}`, { user: 'alice' })).body).toMatchObject({ status: 'passed', kind: 'face-h5' })
    expect((await hx.call('GET', `/faceid/h5/biz-token/${issued.token}`, { user: 'mallory' })).status).toBe(404)
  })

  it('takes the verdict from the provider, not from the redirect', async () => {
    await start()
    const issued = await issue('face-h5', 'alice')
    const back = await finishOnPage(issued.url, 'outcome=failed&code=2016')
    const landed = await follow(back + '&status=passed')
    expect(landed.searchParams.get('status')).toBe('failed')
    expect((await hx.ledger.get(issued.token))?.code).toBe(2016)
  })

  it("sends another user's token to the error page and changes nothing", async () => {
    await start()
    const alice = await issue('face-h5', 'alice')
    const mallory = await issue('face-h5', 'mallory')
    await finishOnPage(alice.url, 'outcome=passed')
    const mallorysReturn = new URL(await finishOnPage(mallory.url, 'outcome=abandoned'))
    mallorysReturn.searchParams.set('BizToken', alice.token)
    const landed = await follow(mallorysReturn.toString())
    expect(landed.toString()).toBe(`${BASE}/oops?error=unknown`)
    expect(await returnedAt(alice.token)).toBeNull()
    expect(fetches()).toBe(0)
    expect((await hx.ledger.get(alice.token))?.status).toBe('pending')
  })

  it('refuses malformed, unknown and wrong-flow returns the same way, writing nothing', async () => {
    await start()
    const face = await issue('face-h5', 'alice')
    const back = new URL(await finishOnPage(face.url, 'outcome=passed'))
    const state = back.searchParams.get('s')!
    const cases: Array<[string, string]> = [
      [`/faceid/h5/return/face-h5?s=${state}`, 'malformed'],
      [`/faceid/h5/return/face-h5?BizToken=${face.token}`, 'malformed'],
      [`/faceid/h5/return/face-h5?s=${state}&BizToken=not-a-token`, 'malformed'],
      [`/faceid/h5/return/face-h5?s=${state}&BizToken=${face.token}&BizToken=${face.token}`, 'malformed'],
      [`/faceid/h5/return/face-h5?s=${state}&BizToken=${'A'.repeat(8)}-AAAA-AAAA-AAAA-${'A'.repeat(12)}`, 'unknown'],
      [`/faceid/h5/return/face-h5?s=1.${'x'.repeat(32)}&BizToken=${face.token}`, 'unknown'],
      // The face token through the E证通 return: not that flow's token.
      [`/faceid/h5/return/eid-h5?s=${state}&token=${face.token}`, 'unknown'],
    ]
    for (const [path, error] of cases) expect((await follow(hx.url + path)).searchParams.get('error')).toBe(error)
    expect(await returnedAt(face.token)).toBeNull()
    expect(fetches()).toBe(0)
  })

  it('records a replayed return once and fetches nothing for it', async () => {
    await start()
    const issued = await issue('face-h5', 'alice')
    const back = await finishOnPage(issued.url, 'outcome=passed')
    await follow(back)
    const first = await returnedAt(issued.token)
    hx.clock.advance(30)
    const again = await follow(back)
    expect(again.searchParams.get('status')).toBe('passed')
    expect(await returnedAt(issued.token)).toEqual(first)
    expect(fetches()).toBe(1)
  })

  it('refuses a return after the token expired (the sweeper owns it)', async () => {
    await start()
    const issued = await issue('eid-h5', 'alice')
    const back = await finishOnPage(issued.url, 'outcome=passed')
    expect(new URL(back).searchParams.get('token')).toBe(issued.token)
    hx.clock.advance(600 + 301)
    expect((await follow(back)).toString()).toBe(`${BASE}/oops?error=expired`)
    expect(await returnedAt(issued.token)).toBeNull()
    expect(fetches()).toBe(0)
  })

  it('runs E证通 the same way, the EidToken coming back as token=', async () => {
    await start({ errorPage: undefined, returnPage: '/done' })
    const issued = await issue('eid-h5', 'bob')
    expect(hx.emulator.token(issued.token)?.redirectUrl).toContain('/faceid/h5/return/eid-h5?s=')
    const landed = await fetch(await finishOnPage(issued.url, 'outcome=passed'), { redirect: 'manual' })
    expect(landed.headers.get('location')).toBe(`/done?token=${issued.token}&status=passed`)
    expect((await hx.call('GET', `/faceid/h5/eid-token/${issued.token}`, { user: 'bob' })).body).toMatchObject({ status: 'passed', kind: 'eid-h5' })
    // Without an error page, refusals land on the return page.
    expect((await fetch(`${hx.url}/faceid/h5/return/eid-h5`, { redirect: 'manual' })).headers.get('location')).toBe('/done?error=malformed')
  })

  it('finds the result of a user who never comes back (the sweeper)', async () => {
    await start()
    const issued = await issue('face-h5', 'alice')
    await finishOnPage(issued.url, 'outcome=passed')
    // The browser never follows the redirect.
    const sweeper = createSweeper({ ledger: hx.ledger, gateway: createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: hx.emulatorUrl }), ruleId: '1', now: hx.clock.date, logger: undefined })
    hx.clock.advance(120)
    expect(await sweeper.runOnce()).toMatchObject({ fetched: 1, finalized: 1 })
    expect(await hx.ledger.get(issued.token)).toMatchObject({ status: 'passed', final: true })
    expect(await returnedAt(issued.token)).toBeNull()
  })

  it('answers 501 for web tokens when the h5 options are not set', async () => {
    hx = await startHarness()
    const res = await hx.call('POST', '/faceid/h5/biz-token', { user: 'alice', body: {} })
    expect(res.status).toBe(501)
    expect(res.body.error.code).toBe('h5_not_configured')
    expect(hx.emulator.stats().calls['DetectAuth'] ?? 0).toBe(0)
  })
})

describe('h5 options', () => {
  const verifier = { serves: () => true, servesProvider: () => false } as unknown as Verifier
  const router = (options: Partial<H5RouterOptions>) => () => createFaceidRouter({ verifier, resolveUser: () => 'u', h5: { ...h5, publicBaseUrl: 'https://api.example.com', ...options } })

  it('are checked when the router is made', () => {
    expect(router({})).not.toThrow()
    expect(router({ publicBaseUrl: 'api.example.com' })).toThrow(/h5.publicBaseUrl/)
    expect(router({ publicBaseUrl: 'ftp://api.example.com' })).toThrow(/http\(s\)/)
    expect(router({ publicBaseUrl: 'https://api.example.com/?a=1' })).toThrow(/no query/)
    expect(router({ publicBaseUrl: `https://api.example.com/${'x'.repeat(1000)}` })).toThrow(/1024/)
    expect(router({ returnPage: '//evil.example/done' })).toThrow(/h5.returnPage/)
    expect(router({ returnPage: 'javascript:alert(1)' })).toThrow(/h5.returnPage/)
    expect(router({ errorPage: 'done' })).toThrow(/h5.errorPage/)
    expect(router({ stateKey: new Uint8Array(8) })).toThrow(/stateKey/)
  })

  it('are checked by createFaceidKit before anything is opened', async () => {
    const kit = (h5Option: unknown) =>
      createFaceidKit({ secretId: 'x', secretKey: 'y', resolveUser: () => 'u', database: { dataDir: 'memory' }, h5: h5Option as H5RouterOptions })
    await expect(kit({ publicBaseUrl: 'nope', returnPage: '/done' })).rejects.toThrow(ConfigurationError)
    await expect(kit({ publicBaseUrl: 'nope', returnPage: '/done' })).rejects.toThrow(/h5.publicBaseUrl/)
    await expect(kit('https://api.example.com')).rejects.toThrow(/`h5` must be an object/)
    await expect(kit({ publicBaseUrl: 'https://api.example.com' })).rejects.toThrow(/h5.returnPage/)
  })
})
