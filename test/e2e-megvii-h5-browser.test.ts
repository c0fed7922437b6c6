/**
 * Megvii FaceID lite's H5 flow in a real browser: headless Chromium against the standalone server
 * in sandbox mode (the emulator's Megvii mode). The demo page issues a biz_token, the browser
 * opens Megvii's page, picks an ending, Megvii's page posts the notice and sends the browser to
 * return_url (which names no token), the kit's return route finds the token from its signed
 * state and sends the browser to the demo page, which confirms the verdict with the server.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium, type LaunchedChromium } from './support/chromium.js'
import { startServer, type RunningServer } from '../server/src/standalone/server.js'

const chromiumReady = haveChromium('the Megvii H5 browser tests are')

describe.skipIf(!chromiumReady)('Megvii H5 in headless Chromium', () => {
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

  /** Signs in on the demo page and starts the Megvii flow; answers the biz_token once Megvii's page is open. */
  async function start(page: Page, user: string): Promise<string> {
    await page.goto(`${server.url}/demo/h5`)
    await page.fill('#userId', user)
    await page.click('#start-megvii')
    await page.waitForURL(/\/lite\/v1\/do\/[^/]+$/)
    await expect.poll(() => page.textContent('h1')).toBe('FaceID 身份验证（沙箱）')
    return decodeURIComponent(page.url().split('/').pop()!)
  }

  async function verdict(page: Page): Promise<string | undefined> {
    await page.waitForSelector('#verdict[data-status]:not([data-status=""])', { state: 'attached' })
    return page.getAttribute('#verdict', 'data-status').then((s) => s ?? undefined)
  }

  it('passes: the verdict comes from get_result and the demo page confirms it', async () => {
    const page = await context.newPage()
    const token = await start(page, 'alice')
    expect(await server.kit.ledger.get(token)).toMatchObject({ userId: 'alice', kind: 'megvii-h5', status: 'pending' })
    await page.click('#megvii-pass')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('token'))
    const landed = new URL(page.url())
    expect(Object.fromEntries(landed.searchParams)).toEqual({ token, status: 'passed' })
    expect(await verdict(page)).toBe('passed')
    expect(await server.kit.ledger.get(token)).toMatchObject({ status: 'passed', final: true, code: 1000 })
    await page.close()
  })

  it('a match under the 1e-4 threshold is failed, with the catalog message', async () => {
    const page = await context.newPage()
    const token = await start(page, 'bob')
    await page.click('#megvii-low-confidence')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.get('token') === token)
    expect(await verdict(page)).toBe('failed')
    expect(await page.textContent('#detail')).toContain('人脸比对分数未达到要求')
    await page.close()
  })

  it('the user backs out: failed with 6000, and the spent page cannot be opened again', async () => {
    const page = await context.newPage()
    const token = await start(page, 'carol')
    const megviiPage = page.url()
    await page.click('#megvii-user-cancel')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.get('token') === token)
    expect(await verdict(page)).toBe('failed')
    expect(await server.kit.ledger.get(token)).toMatchObject({ status: 'failed', code: 6000 })
    await page.goto(megviiPage)
    expect(await page.textContent('#megvii-invalid')).toBe('无效请求，或当前请求已过期')
    await page.close()
  })

  it('a tampered return state lands on the error page and changes nothing', async () => {
    const page = await context.newPage()
    const token = await start(page, 'dave')
    const returnUrl = server.megviiEmulator!.token(token)!.returnUrl
    await page.goto(returnUrl.replace(/s=(\d+)\.(.)/, (_m, exp: string, c: string) => `s=${exp}.${c === 'A' ? 'B' : 'A'}`))
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('error'))
    expect(await page.getAttribute('#error', 'data-error')).toBe('unknown')
    expect(await server.kit.ledger.get(token)).toMatchObject({ status: 'pending', fetchCount: 0 })
    await page.close()
  })
})
