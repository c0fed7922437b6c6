/**
 * Megvii end to end over loopback, browser steps played with fetch: issue a biz_token bound to
 * the partner's identity, open Megvii's page, come back through the kit's return route; and the
 * notify_url receiver: forged, replayed, unknown, before the return, never (the sweeper fetches).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MEGVII_PRESETS } from '../../emulator/megvii/index.js'
import { megviiH5Flow } from '../../src/flows/megvii-h5/index.js'
import { makeState } from '../../src/http/web-return.js'
import { createSweeper } from '../../src/jobs/sweeper.js'
import { eventually, MEGVII_IDENTITY, NO_TENCENT, startMegviiHarness, type MegviiHarness } from '../support/megvii.js'

let hx: MegviiHarness | undefined
afterEach(async () => {
  await hx?.close()
  hx = undefined
})

/** Issues a megvii-h5 token for `user` through the kit's route. */
async function issue(h: MegviiHarness, user = 'alice'): Promise<{ token: string; url: string }> {
  const res = await h.call('POST', '/faceid/megvii/h5/biz-token', { user, body: {} })
  expect(res.status).toBe(201)
  return res.body as { token: string; url: string }
}

/** The browser's part: open Megvii's page, pick an ending, follow the redirect back to the kit. */
async function runPage(h: MegviiHarness, url: string, outcome: keyof typeof MEGVII_PRESETS): Promise<URL> {
  const page = await fetch(url)
  expect(await page.text()).toContain('FaceID 身份验证')
  const finish = await fetch(url, { method: 'POST', body: new URLSearchParams({ outcome }), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  expect(finish.status).toBe(303)
  const back = finish.headers.get('location')!
  // Megvii adds nothing to return_url: the kit finds the token from the signed state.
  expect(new URL(back).searchParams.has('biz_token')).toBe(false)
  const kit = await fetch(back, { redirect: 'manual' })
  expect(kit.status).toBe(303)
  return new URL(kit.headers.get('location')!, h.url)
}

const notice = (token: string, code = 1000, msg = 'SUCCESS') => ({ data: JSON.stringify({ biz_token: token, error_code: code, error_msg: msg }) })

describe('Megvii H5 flow', () => {
  it('binds the biz_token to the user and the partner\'s identity, and returns through the kit with the verdict of get_result', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token, url } = await issue(hx)
    expect(token).toMatch(/^\d+,[0-9a-f]{32}$/)
    expect(url).toBe(`${hx.emulatorUrl}/lite/v1/do/${encodeURIComponent(token)}`)
    const upstream = hx.emulator.token(token)!
    expect(upstream).toMatchObject({ idcardName: MEGVII_IDENTITY.name, idcardNumber: MEGVII_IDENTITY.idCard, notifyUrl: `${hx.url}/faceid/megvii/notify` })
    expect(upstream.returnUrl.startsWith(`${hx.url}/faceid/h5/return/megvii-h5?s=`)).toBe(true)
    expect((await hx.ledger.get(token))).toMatchObject({ userId: 'alice', kind: 'megvii-h5', status: 'pending' })

    const landed = await runPage(hx, url, 'pass')
    expect(landed.pathname).toBe('/done')
    expect(Object.fromEntries(landed.searchParams)).toEqual({ token, status: 'passed' })
    const record = (await hx.ledger.get(token))!
    expect(record).toMatchObject({ status: 'passed', final: true, code: 1000 })
    // The owner reads it; anyone else does not see it.
    expect((await hx.call('GET', `/faceid/megvii/h5/biz-token/${encodeURIComponent(token)}`, { user: 'alice' })).body).toMatchObject({ status: 'passed', code: 1000 })
    expect((await hx.call('GET', `/faceid/megvii/h5/biz-token/${encodeURIComponent(token)}`, { user: 'mallory' })).status).toBe(404)
    // The client never gets the photo or the OCR text.
    const body = JSON.stringify((await hx.call('GET', `/faceid/megvii/h5/biz-token/${encodeURIComponent(token)}`, { user: 'alice' })).body)
    expect(body).not.toContain(MEGVII_IDENTITY.idCard)
    expect(body).not.toContain('image_best')
    // The partner reads everything on its own server.
    const full = await hx.verifier.readFullResult(token)
    expect(full?.result).toMatchObject({ idcard_result: { name: MEGVII_IDENTITY.name } })
  })

  it('fails a comparison under the threshold, and a spent biz_token cannot be opened again', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token, url } = await issue(hx)
    const landed = await runPage(hx, url, 'low-confidence')
    expect(landed.searchParams.get('status')).toBe('failed')
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'failed', code: 2000, final: true })
    expect(await (await fetch(url)).text()).toContain('无效请求，或当前请求已过期')
  })

  it('refuses issuance without the partner\'s identity, and takes none from the client', async () => {
    hx = await startMegviiHarness({ router: { resolveIdentity: () => undefined } })
    const res = await hx.call('POST', '/faceid/megvii/h5/biz-token', { user: 'alice', body: {} })
    expect(res.status).toBe(500)
    expect(res.body.error.code).toBe('configuration_error')
    expect(hx.emulator.stats().calls['get_biz_token'] ?? 0).toBe(0)
    // A client cannot bring an identity of its own.
    expect((await hx.call('POST', '/faceid/megvii/h5/biz-token', { user: 'alice', body: { idcard_name: 'x' } })).status).toBe(400)
    expect(await hx.ledger.count()).toBe(0)
  })
})

describe('Megvii H5 return: finding the token Megvii does not name', () => {
  /** The harness's `h5.stateKey`. */
  const STATE_KEY = new Uint8Array(32).fill(7)
  /** A biz_token of the flow's shape, `<seconds>,<32 hex>`. */
  const bizToken = (n: number) => `1700000000,${n.toString(16).padStart(32, '0')}`
  const stateOf = (h: MegviiHarness, token: string) => new URL(h.emulator.token(token)!.returnUrl).searchParams.get('s')!

  it('keeps a random nonce of the return URL with the token, and finds the token by it however many others were issued around it', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token, url } = await issue(hx)
    const state = stateOf(hx, token)
    const [, nonce] = state.split('.')
    expect(state).toMatch(/^\d+\.[\w-]{22}\.[\w-]{32}$/)
    const row = await hx.db.queries.selectFrom('faceid_tokens').select('return_nonce').where('token', '=', token).executeTakeFirstOrThrow()
    expect(row.return_nonce).toBe(nonce)
    // 250 other starts of the flow in the same second, all newer: more than a search by issue time looks at.
    const issuedAt = new Date(hx.clock.now() + 1000)
    await Promise.all(Array.from({ length: 250 }, (_, i) => hx!.ledger.insert({ token: bizToken(i), kind: 'megvii-h5', userId: 'bob', issuedAt, expiresAt: new Date(issuedAt.getTime() + 3_600_000) })))
    const landed = await runPage(hx, url, 'pass')
    expect(Object.fromEntries(landed.searchParams)).toEqual({ token, status: 'passed' })
    // Tencent's web flows name their token on return and carry no nonce.
    expect((await hx.db.queries.selectFrom('faceid_tokens').select('token').where('return_nonce', 'is not', null).execute()).map((r) => r.token)).toEqual([token])
  })

  it('sends each of two starts of one user in the same second back to its own token', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const first = await issue(hx)
    const second = await issue(hx)
    expect(stateOf(hx, first.token).split('.')[0]).toBe(stateOf(hx, second.token).split('.')[0])
    expect((await runPage(hx, first.url, 'pass')).searchParams.get('token')).toBe(first.token)
    expect((await runPage(hx, second.url, 'low-confidence')).searchParams.get('token')).toBe(second.token)
    expect(await hx.ledger.get(first.token)).toMatchObject({ status: 'passed' })
    expect(await hx.ledger.get(second.token)).toMatchObject({ status: 'failed' })
  })

  it('refuses a return whose nonce or user was changed, and writes nothing', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    const [exp, nonce, sig] = stateOf(hx, token).split('.') as [string, string, string]
    const other = `${nonce.slice(0, 21)}${nonce.endsWith('A') ? 'B' : 'A'}`
    const forged = [
      `${exp}.${other}.${sig}`,
      // Signed by the right key for another user: the nonce's token is alice's.
      makeState(STATE_KEY, 'megvii-h5', 'mallory', Number(exp), nonce),
      // The nonce dropped: an old-style state, whose search finds no token of the user it signs.
      makeState(STATE_KEY, 'megvii-h5', 'mallory', Number(exp)),
    ]
    for (const s of forged) {
      const res = await fetch(`${hx.url}/faceid/h5/return/megvii-h5?s=${s}`, { redirect: 'manual' })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/oops?error=unknown')
    }
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'pending' })
    expect((await hx.db.queries.selectFrom('faceid_tokens').select('returned_at').where('token', '=', token).executeTakeFirstOrThrow()).returned_at).toBeNull()
  })

  it('still finds the token of a return URL made before nonces, while such tokens live', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const issuedAt = new Date(hx.clock.now())
    await hx.ledger.insert({ token: bizToken(1), kind: 'megvii-h5', userId: 'alice', issuedAt, expiresAt: new Date(issuedAt.getTime() + 3_600_000) })
    const state = makeState(STATE_KEY, 'megvii-h5', 'alice', Math.ceil(issuedAt.getTime() / 1000) + megviiH5Flow.lifetimeSeconds)
    const res = await fetch(`${hx.url}/faceid/h5/return/megvii-h5?s=${state}`, { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(new URL(res.headers.get('location')!, hx.url).searchParams.get('token')).toBe(bizToken(1))
    // The return was recorded: a second one is a replay.
    expect(await hx.ledger.recordReturn(bizToken(1), issuedAt)).toBe(false)
  })
})

describe('Megvii notify_url', () => {
  it('takes a notice before the return as a hint: get_result decides, the return finds it final', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'before-return' } })
    const { token, url } = await issue(hx)
    const before = hx.emulator.stats().calls['get_result'] ?? 0
    const landed = await runPage(hx, url, 'no-audio')
    await eventually(async () => (await hx!.ledger.get(token))?.final === true)
    expect(hx.emulator.stats().notices).toBe(1)
    expect(landed.searchParams.get('status')).toBe('failed')
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'failed', code: 4200, message: '视频没有声音，请开启麦克风权限后重试' })
    // One fetch for the notice; the return found the row final and fetched nothing more.
    expect((hx.emulator.stats().calls['get_result'] ?? 0) - before).toBe(1)
  })

  it('changes nothing on a forged notice: the verdict is get_result\'s, not the notice\'s', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    const res = await hx.call('POST', '/faceid/megvii/notify', { form: notice(token, 1000, 'SUCCESS') })
    expect(res.status).toBe(200)
    await eventually(async () => (hx!.emulator.stats().calls['get_result'] ?? 0) >= 1)
    await eventually(async () => (await hx!.ledger.get(token))?.fetchCount === 1)
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'pending', final: false, code: 9000 })
  })

  it('ignores unknown biz_tokens and malformed notices without calling Megvii or writing anything', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    expect((await hx.call('POST', '/faceid/megvii/notify', { form: notice('1462257147,34fb21937e47ae719f11cbc719615687') })).status).toBe(404)
    expect((await hx.call('POST', '/faceid/megvii/notify', { form: notice('../../etc/passwd') })).status).toBe(404)
    expect((await hx.call('POST', '/faceid/megvii/notify', { form: { data: 'not json' } })).status).toBe(400)
    expect((await hx.call('POST', '/faceid/megvii/notify', { form: { other: 'x' } })).status).toBe(400)
    expect((await hx.call('POST', '/faceid/megvii/notify', { body: notice(token) })).status).toBe(400)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(hx.emulator.stats().calls['get_result'] ?? 0).toBe(0)
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'pending', fetchCount: 0 })
  })

  it('is idempotent: replayed notices fetch at most once per interval, none after the result is final', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    await hx.emulator.complete(token, MEGVII_PRESETS['pass']!, { notify: false })
    const replies = await Promise.all(Array.from({ length: 10 }, () => hx!.call('POST', '/faceid/megvii/notify', { form: notice(token) })))
    expect(replies.every((r) => r.status === 200)).toBe(true)
    await eventually(async () => (await hx!.ledger.get(token))?.final === true)
    expect(hx.emulator.stats().calls['get_result']).toBe(1)
    // Final: a later replay is answered and fetches nothing.
    expect((await hx.call('POST', '/faceid/megvii/notify', { form: notice(token) })).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(hx.emulator.stats().calls['get_result']).toBe(1)
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'passed', fetchCount: 1 })
  })

  it('answers before get_result has answered', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    await hx.emulator.complete(token, MEGVII_PRESETS['pass']!, { notify: false })
    hx.emulator.setFaults({ latencyMs: 800 })
    const started = Date.now()
    expect((await hx.call('POST', '/faceid/megvii/notify', { form: notice(token) })).status).toBe(200)
    expect(Date.now() - started).toBeLessThan(500)
    await eventually(async () => (await hx!.ledger.get(token))?.final === true, 5000)
  })

  it('never arriving: the sweeper fetches until the result is final', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    const sweeper = createSweeper({ ledger: hx.ledger, gateway: NO_TENCENT, providers: { megvii: hx.client }, now: hx.clock.date, firstFetchAfterMs: 0 })
    let pass = await sweeper.runOnce()
    expect(pass).toMatchObject({ fetched: 1, finalized: 0 })
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'pending', code: 9000 })
    await hx.emulator.complete(token, MEGVII_PRESETS['id-mismatch']!, { notify: false })
    // Not due again before its wait (60 s after a pending fetch).
    expect((await sweeper.runOnce()).claimed).toBe(0)
    hx.clock.advance(61)
    pass = await sweeper.runOnce()
    expect(pass).toMatchObject({ fetched: 1, finalized: 1 })
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'failed', code: 3000, final: true, message: '身份证号与姓名不一致' })
    // Final tokens are not fetched again.
    hx.clock.advance(3600)
    expect((await sweeper.runOnce()).claimed).toBe(0)
  })

  it('a biz_token never used expires after its hour (swept to final)', async () => {
    hx = await startMegviiHarness({ emulator: { notify: 'never' } })
    const { token } = await issue(hx)
    const sweeper = createSweeper({ ledger: hx.ledger, gateway: NO_TENCENT, providers: { megvii: hx.client }, now: hx.clock.date, firstFetchAfterMs: 0, finalMarginSeconds: 60 })
    hx.clock.advance(3600 + 61)
    await sweeper.runOnce()
    expect(await hx.ledger.get(token)).toMatchObject({ status: 'expired', final: true })
  })
})
