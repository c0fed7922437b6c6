/**
 * The demo's Megvii page as built (demo/dist) in miniprogram-simulate: `<megvii-verify>` with the
 * simulated faceid-components the build puts at the root, the app's sandbox wiring, and a choice
 * on the simulated component going through the server's `/sandbox/megvii/complete` before the
 * verdict is asked for.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import simulate from 'miniprogram-simulate'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWx, type FakeRequest, type FakeResponse } from './helpers/fake-wx'
import { forgetModules, PACKAGE_DIR } from './helpers/load'
import type { MountedComponent, MountedNode } from './helpers/mounted'

const DEMO = path.join(PACKAGE_DIR, 'demo/dist')
const nodeRequire = createRequire(import.meta.url)
const TOKEN = '1462257147,34fb21937e47ae719f11cbc719615687'

let fake: FakeWx
let completed: unknown[]

/** The sandbox server: dev-login, the Megvii routes, and its sandbox ending the biz_token. */
function sandboxServer(req: FakeRequest): FakeResponse {
  if (req.url.endsWith('/auth/dev-login')) return { statusCode: 200, data: { token: 'session-1' } }
  if (req.method === 'POST' && req.url.endsWith('/faceid/megvii/biz-token')) return { statusCode: 201, data: { token: TOKEN, kind: 'megvii', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } }
  if (req.url.endsWith('/sandbox/megvii/complete')) {
    completed.push({ data: req.data, auth: req.header['Authorization'] })
    return { statusCode: 200, data: { token: TOKEN, kind: 'megvii' } }
  }
  if (req.method === 'GET' && req.url.endsWith(`/faceid/megvii/biz-token/${encodeURIComponent(TOKEN)}`)) {
    const status = completed.length > 0 ? 'failed' : 'pending'
    return { statusCode: 200, data: { token: TOKEN, kind: 'megvii', status, code: status === 'failed' ? 2000 : 9000, updatedAt: new Date().toISOString() } }
  }
  return { statusCode: 404, data: {} }
}

beforeEach(() => {
  fake = new FakeWx().install()
  fake.router = sandboxServer
  completed = []
  forgetModules(DEMO)
  ;(globalThis as unknown as { App: (options: { onLaunch(): void }) => void }).App = (options) => options.onLaunch()
  nodeRequire(path.join(DEMO, 'app.js'))
  // miniprogram-simulate renders components: a page's options become a component's.
  const g = globalThis as unknown as { Page: (options: Record<string, unknown>) => void; Component: (options: Record<string, unknown>) => void }
  g.Page = ({ data, ...methods }) => g.Component({ data, methods })
})

describe('demo: Megvii page', () => {
  it('a choice on the simulated component ends the biz_token on the server\'s sandbox, then the verdict is the server\'s', async () => {
    const id = simulate.load(path.join(DEMO, 'pages/megvii/index'), { compiler: 'simulate', rootPath: DEMO })
    const page = simulate.render(id) as unknown as MountedComponent
    page.attach(document.createElement('parent-wrapper'))
    const verify = page.querySelector('#megvii') as unknown as { querySelector(selector: string): MountedNode | null }
    verify.querySelector('.fk-verify')!.dispatchEvent('tap')
    const megvii = await vi.waitFor(() => {
      const found = verify.querySelector('.fk-megvii') as unknown as { querySelector(selector: string): MountedNode | null } | null
      if (!found) throw new Error('Megvii\'s component is not shown yet')
      return found
    })
    // The third choice: 不是同一人.
    const choices = (megvii as unknown as { querySelectorAll(selector: string): MountedNode[] }).querySelectorAll('.megvii-sim__btn')
    expect(choices.map((c) => c.dom.textContent)).toContain('完成：不是同一人')
    choices.find((c) => c.dom.textContent === '完成：不是同一人')!.dispatchEvent('tap')
    const root = page as unknown as { dom: { textContent: string | null } }
    await vi.waitFor(() => expect(root.dom.textContent).toContain('结果：failed'))
    expect(completed).toEqual([{ data: { token: TOKEN, outcome: 'not-same' }, auth: 'Bearer session-1' }])
  })
})
