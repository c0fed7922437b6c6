/**
 * The ops dashboard in a real browser: headless Chromium (the Debian `chromium` package, driven by
 * playwright-core) against the standalone server in sandbox mode, on a seeded ledger. The page
 * asks for the token, signs in with the sandbox's documented one, and shows numbers that are
 * checked against the database; the charts come from the kit itself (every request the page makes
 * stays on the server). A screenshot is written to a temporary file, or to the path in
 * FACEID_DASHBOARD_SCREENSHOT (`docs/images/dashboard.png` for the README).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { lookupReturnCode } from '@faceid-kit/shared'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium, type LaunchedChromium } from './support/chromium.js'
import { SANDBOX_DASHBOARD_TOKEN } from '../server/src/dashboard/options.js'
import { startServer, type RunningServer } from '../server/src/standalone/server.js'
import { DEFAULT_RULE_ID } from '../server/emulator/index.js'
import { expectedCounts, seedDashboardLedger, type DashboardSeed } from '../server/test/support/dashboard-seed.js'

const chromiumReady = haveChromium('the dashboard browser test is')

describe.skipIf(!chromiumReady)('ops dashboard in headless Chromium', () => {
  let server: RunningServer
  let context: BrowserContext
  let browser: LaunchedChromium | undefined
  let seed: DashboardSeed

  beforeAll(async () => {
    // No sweeper: the seeded open tokens must stay as seeded while the page reads them.
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: 'memory',
      logger: false,
      env: { FACEID_SWEEP_INTERVAL_SECONDS: '0', FACEID_DASHBOARD_PRICES: 'face=1.5,eid=0.8,face-h5=1.5,check:id-card=0.3,check:phone=0.3' },
    })
    seed = await seedDashboardLedger(server.kit.ledger.db, { ruleId: DEFAULT_RULE_ID })
    browser = await launchChromium({ viewport: { width: 1360, height: 900 } })
    context = browser.context
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const metric = (page: Page, name: string) => page.textContent(`[data-metric="${name}"]`).then((t) => t?.trim())

  async function openSignedIn(page: Page): Promise<URL> {
    let overviewUrl: URL | undefined
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.pathname.endsWith('/api/overview')) overviewUrl = url
    })
    await page.goto(`${server.url}/dashboard`)
    await page.waitForSelector('body[data-state="login"]')
    await page.fill('#token', SANDBOX_DASHBOARD_TOKEN)
    await page.click('#login-form button[type=submit]')
    await page.waitForSelector('body[data-state="ready"]')
    return overviewUrl!
  }

  it('asks for the token, refuses a wrong one, and loads nothing without it', async () => {
    const page = await context.newPage()
    const statuses: number[] = []
    page.on('response', (r) => {
      if (r.url().includes('/api/')) statuses.push(r.status())
    })
    await page.goto(`${server.url}/dashboard/`)
    await page.waitForSelector('body[data-state="login"]')
    expect(await page.isVisible('#content')).toBe(false)
    await page.fill('#token', 'not-the-token-0123456789')
    await page.click('#login-form button[type=submit]')
    await page.waitForSelector('#login-error:not([hidden])')
    expect(await page.textContent('#login-error')).toContain('refused')
    expect(statuses.length).toBeGreaterThan(0)
    expect(statuses.every((s) => s === 401)).toBe(true)
    await page.close()
  })

  it('shows the seeded ledger\'s numbers, checked against the database, and takes the screenshot', async () => {
    const page = await context.newPage()
    const hosts = new Set<string>()
    const problems: string[] = []
    page.on('request', (r) => hosts.add(new URL(r.url()).host))
    page.on('console', (m) => {
      // The first load, before signing in, is refused by design; anything else (a CSP violation, a script error) is a problem.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(e.message))
    const overview = await openSignedIn(page)
    const from = new Date(overview.searchParams.get('from')!)
    const to = new Date(overview.searchParams.get('to')!)
    expect(to.getTime() - from.getTime()).toBe(7 * 86_400_000)

    // The database, asked directly.
    const db = server.kit.ledger.db.queries
    const inPeriod = await db.selectFrom('faceid_tokens').select(['status', 'final', 'billable_count', 'kind']).where('issued_at', '>=', from).where('issued_at', '<', to).execute()
    const count = (f: (r: (typeof inPeriod)[number]) => boolean) => String(inPeriod.filter(f).length)
    expect(await metric(page, 'started')).toBe(String(inPeriod.length))
    expect(await metric(page, 'passed')).toBe(count((r) => r.status === 'passed'))
    expect(await metric(page, 'failed')).toBe(count((r) => Boolean(r.final) && r.status === 'failed'))
    expect(await metric(page, 'expired')).toBe(count((r) => Boolean(r.final) && r.status === 'expired'))
    expect(await metric(page, 'pending')).toBe(count((r) => !r.final))
    expect(await metric(page, 'billable')).toBe(String(inPeriod.reduce((n, r) => n + r.billable_count, 0)))
    // And the seed's own account of it.
    const want = expectedCounts(seed, from, to)
    expect(await metric(page, 'started')).toBe(String(want.started))
    expect(await metric(page, 'pass-rate')).toBe(`${(want.passRate! * 100).toFixed(1)}%`)
    const billable = (kind: string) => inPeriod.filter((r) => r.kind === kind).reduce((n, r) => n + r.billable_count, 0)
    const checks = await db.selectFrom('faceid_checks').select('billable').where('requested_at', '>=', from).where('requested_at', '<', to).execute()
    const billedChecks = checks.filter((c) => Boolean(c.billable)).length
    expect(billedChecks).toBe(3)
    expect(await metric(page, 'cost')).toBe(`CNY ${(billable('face') * 1.5 + billable('eid') * 0.8 + billable('face-h5') * 1.5 + billedChecks * 0.3).toFixed(2)}`)

    // Top failure code, with the catalog's words.
    const first = page.locator('#failures tbody tr').first()
    expect(await first.getAttribute('data-code')).toBe('2016')
    expect(await first.textContent()).toContain(lookupReturnCode(2016, 'face')!.zh)

    // Sweeper, reconciliation, webhooks.
    const open = await db.selectFrom('faceid_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('final', '=', false).executeTakeFirstOrThrow()
    expect(await metric(page, 'sweeper-open')).toBe(String(Number(open.n)))
    expect(await metric(page, 'sweeper-near-limit')).toBe('1')
    expect(await page.textContent('#oldest-text')).toMatch(/ left$/)
    expect(await page.getAttribute('#reconciliation [data-discrepancies]', 'data-discrepancies')).toBe('3')
    expect(await page.textContent('#reconciliation')).toContain(seed.billDate)
    const failing = page.locator('#webhooks tr[data-endpoint="https://hooks.partner.example/faceid"]')
    expect(await failing.textContent()).toContain('failing')
    expect(await page.textContent('#webhooks')).not.toContain('do-not-show')

    // Both charts drawn by Chart.js, served by the kit.
    const drawn = await page.evaluate(() => {
      const chart = (globalThis as { Chart?: { getChart(id: string): unknown } }).Chart
      return chart !== undefined && chart.getChart('series-chart') !== undefined && chart.getChart('outcome-chart') !== undefined
    })
    expect(drawn).toBe(true)
    expect([...hosts]).toEqual([new URL(server.url).host])
    // Identities never appear, tokens only shortened.
    const text = (await page.textContent('body')) ?? ''
    expect(text).not.toMatch(/user-\d+/)
    for (const t of seed.tokens) expect(text).not.toContain(t.token)
    expect(problems).toEqual([])

    const wanted = process.env['FACEID_DASHBOARD_SCREENSHOT']
    const shotDir = wanted ? undefined : await mkdtemp(path.join(os.tmpdir(), 'faceid-dashboard-'))
    const file = wanted || path.join(shotDir!, 'dashboard.png')
    await page.screenshot({ path: file, fullPage: true })
    expect(existsSync(file)).toBe(true)
    if (shotDir) await rm(shotDir, { recursive: true, force: true })
    await page.close()
  })

  it('filters by kind, by period and by days of one\'s choice', async () => {
    const page = await context.newPage()
    await openSignedIn(page)
    await page.selectOption('#kind', 'eid')
    const to = Date.now()
    await expect.poll(() => metric(page, 'started')).toBe(String(expectedCounts(seed, new Date(to - 7 * 86_400_000), new Date(to), ['eid']).started))
    await page.selectOption('#kind', '')
    await page.selectOption('#period', '24h')
    await expect.poll(() => metric(page, 'started')).toBe(String(expectedCounts(seed, new Date(Date.now() - 86_400_000), new Date()).started))
    expect(await page.textContent('#bucket-label')).toBe('per hour')
    // Days of one's choice: the bill day alone holds the three reconciled tokens.
    expect(await page.isVisible('#from-day')).toBe(false)
    await page.selectOption('#period', 'custom')
    expect(await page.isVisible('#from-day')).toBe(true)
    await page.fill('#from-day', seed.billDate)
    await page.fill('#to-day', seed.billDate)
    await expect.poll(() => metric(page, 'started')).toBe('3')
    expect(await metric(page, 'billable')).toBe('3')
    await page.close()
  })
})
