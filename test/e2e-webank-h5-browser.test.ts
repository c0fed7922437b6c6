/**
 * WeBank's mobile H5 in a real browser: headless Chromium against the standalone server in
 * sandbox mode (which runs the emulator's WeBank mode). The server answers the login URL on
 * optimalDomain; the browser opens WeBank's (sandbox) page, picks an outcome, and WeBank's signed
 * callback brings it through the kit's return route to the partner page with the order number
 * only. The verdict is the query API's.
 */
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium, type LaunchedChromium } from './support/chromium.js'
import { startServer, type RunningServer } from '../server/src/standalone/server.js'

const chromiumReady = haveChromium('the WeBank H5 browser tests are')

describe.skipIf(!chromiumReady)('WeBank H5 in headless Chromium', () => {
  let server: RunningServer
  let context: BrowserContext
  let browser: LaunchedChromium | undefined

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: 'memory', logger: false, env: {} })
    browser = await launchChromium()
    context = browser.context
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  async function session(userId: string): Promise<string> {
    const res = await fetch(`${server.url}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, identity: { name: '张小宝', idCard: '11204416541220243X' } }),
    })
    return ((await res.json()) as { token: string }).token
  }

  async function api(method: string, route: string, bearer: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${server.url}${route}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('start, WeBank page, signed callback, partner page with the order number only, verdict from the query', async () => {
    const bearer = await session('alice')
    const started = await api('POST', '/faceid/webank/h5/order', bearer)
    expect(started.status).toBe(201)
    const orderNo = String(started.body['token'])
    const loginUrl = String(started.body['url'])
    expect(new URL(loginUrl).origin).toBe(server.webankEmulator!.address()!.url)

    const page = await context.newPage()
    await page.goto(loginUrl)
    await expect.poll(() => page.textContent('h1')).toBe('人脸核身（沙箱）')
    await page.click('button[value="passed"]')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('token'))
    const landed = new URL(page.url())
    expect([...landed.searchParams.keys()]).toEqual(['token'])
    expect(landed.searchParams.get('token')).toBe(orderNo)
    await page.close()

    expect(await server.kit.ledger.get(orderNo)).toMatchObject({ userId: 'alice', kind: 'webank-h5', status: 'passed', final: true })
    expect((await api('GET', `/faceid/webank/h5/order/${orderNo}`, bearer)).body).toMatchObject({ status: 'passed', code: 0 })
    expect((await api('GET', `/faceid/webank/h5/order/${orderNo}`, await session('mallory'))).status).toBe(404)
  }, 60_000)

  it('from the sandbox demo page: start, WeBank page, back to the demo page, which shows the server\'s verdict', async () => {
    const page = await context.newPage()
    await page.goto(`${server.url}/demo/h5`)
    await page.fill('#userId', 'carol')
    await page.click('#start-webank')
    await page.waitForURL((url) => url.pathname === '/api/web/login')
    await page.selectOption('select[name="code"]', '66660010')
    await page.click('button[value="failed"]')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('token'))
    const orderNo = new URL(page.url()).searchParams.get('token')!
    await page.waitForSelector('#verdict[data-status]:not([data-status=""])', { state: 'attached' })
    expect(await page.getAttribute('#verdict', 'data-status')).toBe('failed')
    expect(await page.textContent('#detail')).toContain('66660010')
    await page.close()
    expect(await server.kit.ledger.get(orderNo)).toMatchObject({ userId: 'carol', kind: 'webank-h5', status: 'failed', code: 66660010 })
  }, 60_000)

  it('a verification left half-way: WeBank says 3003, the order stays open, the browser lands all the same', async () => {
    const bearer = await session('bob')
    const second = await api('POST', '/faceid/webank/h5/order', bearer)
    const page = await context.newPage()
    await page.goto(String(second.body['url']))
    await page.click('button[value="abandoned"]')
    await page.waitForURL((url) => url.pathname === '/demo/h5')
    expect(new URL(page.url()).searchParams.get('token')).toBe(second.body['token'])
    await page.close()
    expect(await server.kit.ledger.get(String(second.body['token']))).toMatchObject({ status: 'pending', final: false })
  }, 60_000)
})
