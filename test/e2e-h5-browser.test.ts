/**
 * The web (H5) flows in a real browser: headless Chromium (the Debian `chromium` package, driven
 * by playwright-core) against the standalone server in sandbox mode. The demo page issues the
 * token, the browser opens the emulator's page, picks an outcome, comes back through the kit's
 * return route to the demo page, which confirms the verdict with the server.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium, type LaunchedChromium } from './support/chromium.js'
import { startServer, type RunningServer } from '../server/src/standalone/server.js'

const chromiumReady = haveChromium('the H5 browser tests are')

describe.skipIf(!chromiumReady)('H5 flows in headless Chromium', () => {
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

  const demo = (): string => `${server.url}/demo/h5`
  const fetches = (): number => {
    const calls = server.emulator!.stats().calls
    return (calls['GetDetectInfoEnhanced'] ?? 0) + (calls['GetEidResult'] ?? 0)
  }
  const returnedAt = async (token: string): Promise<unknown> =>
    (await server.kit.ledger.db.queries.selectFrom('faceid_tokens').select('returned_at').where('token', '=', token).executeTakeFirstOrThrow()).returned_at

  /** Signs in on the demo page and starts a flow; answers the token once the emulator's page is open. */
  async function startOnDemo(page: Page, user: string, kind: 'face' | 'eid'): Promise<string> {
    await page.goto(demo())
    await page.fill('#userId', user)
    await page.click(kind === 'face' ? '#start-face' : '#start-eid')
    await page.waitForURL(/\/sandbox\/h5\/[0-9A-F-]{36}$/)
    await expect.poll(() => page.textContent('h1')).toBe(kind === 'face' ? '人脸核身（沙箱）' : 'E证通（沙箱）')
    return page.url().split('/').pop()!
  }

  async function verdict(page: Page): Promise<string | undefined> {
    // A string: this project's TypeScript has no DOM types; it runs in the page.
    await page.waitForSelector('#verdict[data-status]:not([data-status=""])', { state: 'attached' })
    return page.getAttribute('#verdict', 'data-status').then((s) => s ?? undefined)
  }

  it('face: issue, open url, pass on the emulator page, return, confirm on the partner page', async () => {
    const page = await context.newPage()
    const token = await startOnDemo(page, 'alice', 'face')
    expect(await server.kit.ledger.get(token)).toMatchObject({ userId: 'alice', kind: 'face-h5', status: 'pending' })
    await page.click('button[value="passed"]')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('token'))
    const landed = new URL(page.url())
    expect([...landed.searchParams.keys()].sort()).toEqual(['status', 'token'])
    expect(landed.searchParams.get('token')).toBe(token)
    expect(await verdict(page)).toBe('passed')
    expect(await returnedAt(token)).not.toBeNull()
    expect(await server.kit.ledger.get(token)).toMatchObject({ status: 'passed', final: true })
    await page.close()
  })

  it('E证通: a failure with a chosen code comes back as token= and is confirmed failed', async () => {
    const page = await context.newPage()
    const token = await startOnDemo(page, 'bob', 'eid')
    await page.selectOption('select[name="code"]', '2006')
    await page.click('button[value="failed"]')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.get('token') === token)
    expect(await verdict(page)).toBe('failed')
    expect(await page.textContent('#detail')).toContain('2006')
    expect(await server.kit.ledger.get(token)).toMatchObject({ kind: 'eid-h5', status: 'failed', code: 2006 })
    await page.close()
  })

  it("a return carrying another user's token lands on the error page and changes nothing", async () => {
    const page = await context.newPage()
    const carol = await startOnDemo(page, 'carol', 'face')
    const returnUrl = server.emulator!.token(carol)!.redirectUrl!
    const other = await context.newPage()
    const dave = await startOnDemo(other, 'dave', 'face')
    // Dave passes but his browser never comes back; Carol's return URL is sent with Dave's token.
    server.emulator!.complete(dave, { outcome: 'passed' })
    const before = fetches()
    await page.goto(`${returnUrl}&BizToken=${dave}`)
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('error'))
    expect(await page.getAttribute('#error', 'data-error')).toBe('unknown')
    expect(await returnedAt(dave)).toBeNull()
    expect(fetches()).toBe(before)
    expect(await server.kit.ledger.get(dave)).toMatchObject({ status: 'pending' })
    await page.close()
    await other.close()
  })

  it('a replayed return is recorded once, fetches nothing and still shows the server verdict', async () => {
    const page = await context.newPage()
    const token = await startOnDemo(page, 'erin', 'face')
    await page.click('button[value="passed"]')
    await page.waitForURL((url) => url.searchParams.get('token') === token)
    expect(await verdict(page)).toBe('passed')
    const first = await returnedAt(token)
    const before = fetches()
    const returnUrl = `${server.emulator!.token(token)!.redirectUrl!}&BizToken=${token}`
    await page.goto(returnUrl)
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.get('token') === token)
    expect(await verdict(page)).toBe('passed')
    expect(await returnedAt(token)).toEqual(first)
    expect(fetches()).toBe(before)
    await page.close()
  })

  it('a return after the token expired lands on the error page and records nothing', async () => {
    const page = await context.newPage()
    const token = await startOnDemo(page, 'frank', 'eid')
    // The user lingered: by the ledger's clock the EidToken and its margin are over.
    const past = new Date(Date.now() - 60 * 60 * 1000)
    await server.kit.ledger.db.queries.updateTable('faceid_tokens').set({ issued_at: past, expires_at: past }).where('token', '=', token).execute()
    await page.click('button[value="passed"]')
    await page.waitForURL((url) => url.pathname === '/demo/h5' && url.searchParams.has('error'))
    expect(await page.getAttribute('#error', 'data-error')).toBe('expired')
    expect(await returnedAt(token)).toBeNull()
    await page.close()
  })
})
