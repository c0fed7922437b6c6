/**
 * The WeBank flows through a real kit against the emulator's WeBank mode: the App SDK start's
 * fields pass the SDK's login, the H5 login URL runs on optimalDomain and comes back through the
 * kit's return route, the callback's signature is checked (forged, another user's, replayed →
 * nothing changes), and results come from the query API for their owner only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SANDBOX_WEBANK_APP } from '../../emulator/index.js'
import { webankUserId } from '../../src/flows/webank.js'
import { PARTNER, startWebankKit, type WebankKitHarness } from '../support/webank.js'

let hx: WebankKitHarness
afterEach(async () => {
  await hx?.close()
})

const APP = '/faceid/webank/app/order'
const H5 = '/faceid/webank/h5/order'

async function sdkLogin(fields: Record<string, unknown>): Promise<{ code: string }> {
  const res = await fetch(`${hx.webankUrl}/sandbox/webank/sdk/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fields) })
  return (await res.json()) as { code: string }
}

/** Opens the login URL as a browser would, picks an outcome, and answers where WeBank sends the browser. */
async function finishH5(loginUrl: string, form: string): Promise<URL> {
  const page = await fetch(loginUrl)
  expect(page.status).toBe(200)
  const html = await page.text()
  const session = /name="session" value="([^"]+)"/.exec(html)?.[1]
  const action = /action="([^"]+)"/.exec(html)?.[1]
  expect(session && action).toBeTruthy()
  const res = await fetch(new URL(action!, loginUrl), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${form}&session=${session}` })
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location')!)
}

async function follow(url: URL | string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' })
  expect(res.status).toBe(303)
  return new URL(res.headers.get('location')!)
}

async function row(orderNo: string) {
  return hx.kit.ledger.db.queries.selectFrom('faceid_tokens').selectAll().where('token', '=', orderNo).executeTakeFirst()
}

const queries = (): number => hx.emulator.stats().calls['queryfacerecord'] ?? 0

describe('WeBank App SDK start', () => {
  it('answers what the SDK login needs, recorded for the user first, and the fields pass the SDK\'s login once', async () => {
    hx = await startWebankKit()
    const res = await hx.call('POST', APP, { user: 'alice', body: {} })
    expect(res.status).toBe(201)
    const { token, kind, sdk } = res.body
    expect(kind).toBe('webank-app')
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(sdk).toEqual({
      appId: SANDBOX_WEBANK_APP.appId,
      orderNo: token,
      userId: webankUserId('alice'),
      nonce: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      sign: expect.stringMatching(/^[0-9A-F]{40}$/),
      faceId: expect.stringMatching(/^[A-Za-z0-9]{1,32}$/),
      version: '1.0.0',
      licence: 'sandbox-licence',
    })
    // The partner's own user id never goes to WeBank.
    expect(sdk.userId).not.toBe('alice')
    expect(await hx.kit.ledger.get(token)).toMatchObject({ userId: 'alice', kind: 'webank-app', status: 'pending' })
    expect(hx.emulator.order(token)).toMatchObject({ userId: webankUserId('alice'), faceId: sdk.faceId, authoritative: true })

    expect(await sdkLogin(sdk)).toMatchObject({ code: '0' })
    expect(await sdkLogin(sdk)).toMatchObject({ code: '400101' })
  })

  it('makes a new order, NONCE ticket and signature for each start', async () => {
    hx = await startWebankKit()
    const one = (await hx.call('POST', APP, { user: 'alice', body: {} })).body
    const two = (await hx.call('POST', APP, { user: 'alice', body: {} })).body
    expect(one.token).not.toBe(two.token)
    expect(one.sdk.nonce).not.toBe(two.sdk.nonce)
    expect(hx.emulator.stats().issued.nonceTickets).toBe(2)
    expect(await sdkLogin(two.sdk)).toMatchObject({ code: '0' })
    expect(await sdkLogin(one.sdk)).toMatchObject({ code: '0' })
  })

  it('refuses an identity or anything else from the client, calling WeBank for nothing', async () => {
    hx = await startWebankKit()
    const res = await hx.call('POST', APP, { user: 'alice', body: { name: '李四', idNo: '110101199001011234' } })
    expect(res.status).toBe(400)
    expect(hx.emulator.stats().calls['getAdvFaceId'] ?? 0).toBe(0)
  })

  it('refuses to start without the identity from the partner hook', async () => {
    hx = await startWebankKit({ kit: { resolveIdentity: () => undefined } })
    const res = await hx.call('POST', APP, { user: 'alice', body: {} })
    expect(res.status).toBe(500)
    expect(hx.emulator.stats().calls['getAdvFaceId'] ?? 0).toBe(0)
    expect(await hx.kit.ledger.db.queries.selectFrom('faceid_tokens').select('token').execute()).toEqual([])
  })

  it('answers the result from the query API, to the order\'s owner only', async () => {
    hx = await startWebankKit()
    const { token } = (await hx.call('POST', APP, { user: 'alice', body: {} })).body
    expect((await hx.call('GET', `${APP}/${token}`, { user: 'mallory' })).status).toBe(404)
    expect((await hx.call('GET', `${APP}/${token}`, { user: 'alice' })).body).toMatchObject({ token, kind: 'webank-app', status: 'pending' })
    hx.emulator.complete(token, { outcome: 'failed', code: '66660004' })
    const failed = (await hx.call('GET', `${APP}/${token}`, { user: 'alice' })).body
    expect(failed).toMatchObject({ status: 'failed', code: 66660004, message: '无法确认为同一人', billable: true })
    expect((await hx.call('GET', `${APP}/not-an-order`, { user: 'alice' })).status).toBe(400)
  })

  it('is not mounted when WeBank is not configured', async () => {
    hx = await startWebankKit({ kit: { webank: undefined } })
    expect((await hx.call('POST', APP, { user: 'alice', body: {} })).status).toBe(404)
    expect((await hx.call('POST', H5, { user: 'alice', body: {} })).status).toBe(404)
  })
})

describe('WeBank H5', () => {
  it('answers the login URL on optimalDomain; the callback is checked and the partner page gets the order number only', async () => {
    hx = await startWebankKit()
    const res = await hx.call('POST', H5, { user: 'alice', body: {} })
    expect(res.status).toBe(201)
    const { token, url } = res.body
    const login = new URL(url)
    expect(`${login.origin}${login.pathname}`).toBe(`${hx.webankUrl}/api/web/login`)
    expect(login.searchParams.get('orderNo')).toBe(token)
    expect(login.searchParams.get('url')).toMatch(new RegExp(`^${hx.url}/faceid/h5/return/webank-h5\\?s=`))
    expect(await hx.kit.ledger.get(token)).toMatchObject({ userId: 'alice', kind: 'webank-h5' })

    const back = await finishH5(url, 'outcome=passed')
    expect(back.searchParams.get('orderNo')).toBe(token)
    expect(back.searchParams.get('newSignature')).toMatch(/^[0-9A-F]{40}$/)
    const landed = await follow(back)
    expect(`${landed.origin}${landed.pathname}`).toBe(`${PARTNER}/done`)
    expect([...landed.searchParams.keys()]).toEqual(['token'])
    expect(landed.searchParams.get('token')).toBe(token)
    expect((await row(token))?.returned_at).not.toBeNull()
    expect((await row(token))?.status).toBe('passed')
    expect(queries()).toBe(1)
    expect((await hx.call('GET', `${H5}/${token}`, { user: 'alice' })).body).toMatchObject({ status: 'passed', code: 0 })
  })

  it('takes the verdict from the query API, not the callback\'s code', async () => {
    hx = await startWebankKit()
    const { token, url } = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    // The user left half-way: WeBank's page says 3003, signed; the order is simply not finished.
    const back = await finishH5(url, 'outcome=abandoned')
    expect(back.searchParams.get('code')).toBe('3003')
    await follow(back)
    expect((await row(token))?.status).toBe('pending')
    expect((await row(token))?.returned_at).not.toBeNull()
  })

  it('refuses a forged signature or a changed code, changing nothing', async () => {
    hx = await startWebankKit()
    const { token, url } = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    const back = await finishH5(url, 'outcome=failed&code=66660004')
    const before = await row(token)
    const forged = new URL(back)
    forged.searchParams.set('newSignature', 'A'.repeat(40))
    expect((await follow(forged)).toString()).toBe(`${PARTNER}/oops?error=unknown`)
    const promoted = new URL(back)
    promoted.searchParams.set('code', '0')
    expect((await follow(promoted)).toString()).toBe(`${PARTNER}/oops?error=unknown`)
    const unsigned = new URL(back)
    unsigned.searchParams.delete('newSignature')
    expect((await follow(unsigned)).toString()).toBe(`${PARTNER}/oops?error=unknown`)
    // Two signatures, one of them WeBank's: a repeated parameter is not a signature.
    const doubled = new URL(back)
    doubled.searchParams.append('newSignature', back.searchParams.get('newSignature')!)
    expect((await follow(doubled)).toString()).toBe(`${PARTNER}/oops?error=unknown`)
    expect(await row(token)).toEqual(before)
    expect(queries()).toBe(0)
  })

  it("refuses another user's order, changing nothing", async () => {
    hx = await startWebankKit()
    const alice = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    const mallory = (await hx.call('POST', H5, { user: 'mallory', body: {} })).body
    const alicesBack = await finishH5(alice.url, 'outcome=passed')
    const mallorysBack = await finishH5(mallory.url, 'outcome=failed')
    const before = await row(alice.token)
    // Alice's order and WeBank's signature for it, under Mallory's return state.
    const swapped = new URL(mallorysBack)
    for (const name of ['orderNo', 'code', 'newSignature', 'h5faceId']) swapped.searchParams.set(name, alicesBack.searchParams.get(name)!)
    expect((await follow(swapped)).toString()).toBe(`${PARTNER}/oops?error=unknown`)
    expect(await row(alice.token)).toEqual(before)
    expect(queries()).toBe(0)
  })

  it('accepts the signature under the PC H5 name newSign too', async () => {
    hx = await startWebankKit()
    const { token, url } = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    const back = await finishH5(url, 'outcome=passed')
    back.searchParams.set('newSign', back.searchParams.get('newSignature')!)
    back.searchParams.delete('newSignature')
    expect((await follow(back)).searchParams.get('token')).toBe(token)
    expect((await row(token))?.status).toBe('passed')
  })

  it("reads WeBank's parameters when they come after a second '?' (inside s), and still checks them", async () => {
    /** The callback as a provider that appends `?code=…&…` to our `…?s=…` would send it. */
    const naive = (back: URL, change: Record<string, string> = {}): string => {
      const params = [...back.searchParams].filter(([name]) => name !== 's').map(([name, value]) => `${name}=${encodeURIComponent(change[name] ?? value)}`)
      return `${back.origin}${back.pathname}?s=${back.searchParams.get('s')!}?${params.join('&')}`
    }
    hx = await startWebankKit()
    const alice = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    const failed = await finishH5(alice.url, 'outcome=failed&code=66660004')
    // The code WeBank signed, changed inside s: the signature check reads it from there.
    expect((await follow(naive(failed, { code: '0' }))).toString()).toBe(`${PARTNER}/oops?error=unknown`)
    expect((await row(alice.token))?.returned_at).toBeNull()

    const bob = (await hx.call('POST', H5, { user: 'bob', body: {} })).body
    const landed = await follow(naive(await finishH5(bob.url, 'outcome=passed')))
    expect(landed.toString()).toBe(`${PARTNER}/done?token=${bob.token}`)
    expect((await row(bob.token))?.status).toBe('passed')
  })

  it('refuses a replayed callback, changing nothing and querying nothing again', async () => {
    hx = await startWebankKit()
    const { token, url } = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    const back = await finishH5(url, 'outcome=passed')
    await follow(back)
    const after = await row(token)
    expect(queries()).toBe(1)
    expect((await follow(back)).toString()).toBe(`${PARTNER}/oops?error=replayed`)
    expect(await row(token)).toEqual(after)
    expect(queries()).toBe(1)
  })

  it('the login URL works once: a second visit (a preloaded link) is refused by WeBank', async () => {
    hx = await startWebankKit()
    const { url } = (await hx.call('POST', H5, { user: 'alice', body: {} })).body
    expect((await fetch(url)).status).toBe(200)
    expect((await fetch(url)).status).toBe(403)
  })
})
