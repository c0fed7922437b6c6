/**
 * The uni-app example's Megvii page as `uni build -p mp-weixin` emits it, in miniprogram-simulate
 * against the standalone server in sandbox mode (its emulator's Megvii mode): useMegviiVerify
 * shows the simulated faceid-components `faceid-verify` registered in pages.json, hears its
 * `onFinish` through uni-app's compiled event binding, and the page shows the server's verdict.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleDist } from '../scripts/build-example.mjs'
import { launchExample, text, until, type LaunchedExample } from './helpers/example-app'
import type { MpRuntime } from './helpers/mp-runtime'
import type { SandboxServer } from './helpers/sandbox-server'

interface Node {
  dom: HTMLElement
  dispatchEvent(name: string): void
  querySelector(selector: string): Node | null
}
type Sandbox = typeof import('../../miniprogram/sim/faceid-components/sandbox')

const nodeRequire = createRequire(import.meta.url)

let example: LaunchedExample
let server: SandboxServer
let rt: MpRuntime
let openPage: LaunchedExample['openPage']

// What uni build copied of src/wxcomponents/faceid-components: the module the component uses.
const sandbox = (): Sandbox => nodeRequire(path.join(exampleDist, 'wxcomponents/faceid-components/sandbox.js')) as Sandbox

/** Megvii's flow, as the user runs it: the emulator's sandbox page takes the outcome. */
async function runMegviiFlow(token: string, outcome: string): Promise<void> {
  const page = `${server.megviiUrl}/lite/v1/do/${encodeURIComponent(token)}`
  expect((await fetch(page)).status).toBe(200)
  await fetch(page, { method: 'POST', body: new URLSearchParams({ outcome }), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
}

async function started(page: Node): Promise<string> {
  page.querySelector('.start')?.dispatchEvent('tap')
  await until(() => Boolean(sandbox().current()), 'Megvii\'s component on the page')
  const token = sandbox().current()!.token
  expect(rt.requests).toContain('POST /faceid/megvii/biz-token')
  expect(page.querySelector('.leave')).not.toBeNull()
  return token
}

beforeAll(async () => {
  example = await launchExample()
  ;({ server, rt, openPage } = example)
  expect(server.megviiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
}, 60_000)

afterAll(async () => {
  await example?.close()
})

describe('uni-app example: Megvii page (useMegviiVerify, mp-weixin build)', { timeout: 30_000 }, () => {
  it('the home page links to it; pages.json registers Megvii\'s component on it', () => {
    expect(text(openPage('pages/index/index'))).toContain('旷视 FaceID')
    const pageJson = JSON.parse(readFileSync(path.join(exampleDist, 'pages/megvii/index.json'), 'utf8')) as { usingComponents: Record<string, string> }
    // uni build rewrites the path relative to the page.
    const registered = path.resolve(exampleDist, 'pages/megvii', pageJson.usingComponents['megvii-faceid'] ?? '')
    expect(registered).toBe(path.join(exampleDist, 'wxcomponents/faceid-components/components/index/index'))
  })

  it('Megvii\'s flow passes, onFinish complete → the page shows the server\'s 核验通过', async () => {
    const page = openPage('pages/megvii/index') as unknown as Node
    const token = await started(page)
    await runMegviiFlow(token, 'pass')
    await sandbox().finish('complete')
    await until(() => text(page).includes('核验通过'), 'the verdict on the page')
    expect(rt.requests).toContain(`GET /faceid/megvii/biz-token/${encodeURIComponent(token)}`)
    expect(sandbox().current()).toBeUndefined()
  })

  it('the simulated component\'s "不是同一人" (through the server\'s sandbox route) → 核验未通过, the server\'s verdict', async () => {
    const page = openPage('pages/megvii/index') as unknown as Node
    await started(page)
    await sandbox().finish('complete', 'not-same')
    await until(() => text(page).includes('核验未通过'), 'the failure on the page')
    expect(rt.requests).toContain('POST /sandbox/megvii/complete')
  })

  it('complete with a comparison under the threshold → 核验未通过 (the server\'s verdict, not the callback\'s)', async () => {
    const page = openPage('pages/megvii/index') as unknown as Node
    const token = await started(page)
    await runMegviiFlow(token, 'low-confidence')
    await sandbox().finish('complete')
    await until(() => text(page).includes('核验未通过'), 'the failure on the page')
  })

  it('tokenError → the page shows the retryable error', async () => {
    const page = openPage('pages/megvii/index') as unknown as Node
    await started(page)
    await sandbox().finish('tokenError')
    await until(() => text(page).includes('核身凭证无效或已过期'), 'the token error on the page')
    expect(page.querySelector('.start')).not.toBeNull()
  })

  it('the user backs out of the page (no onFinish, the page unloads): the run still asks the server and ends', async () => {
    const rendered = openPage('pages/megvii/index')
    const page = rendered as unknown as Node
    const token = await started(page)
    sandbox().abandon()
    const read = `GET /faceid/megvii/biz-token/${encodeURIComponent(token)}`
    expect(rt.requests).not.toContain(read)
    const instance = rendered.instance as Record<string, (arg?: unknown) => void>
    instance.onUnload?.call(instance)
    ;(rendered as unknown as { detach(): void }).detach()
    await until(() => rt.requests.includes(read), 'the single ask after the unload')
  })

  it('退出核身 before Megvii finishes → 已取消核验', async () => {
    const page = openPage('pages/megvii/index') as unknown as Node
    await started(page)
    sandbox().abandon()
    page.querySelector('.leave')?.dispatchEvent('tap')
    await until(() => text(page).includes('已取消核验'), 'the cancel on the page')
  })
})
