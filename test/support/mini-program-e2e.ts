/**
 * What the end-to-end mini-program tests share: wx.request over real HTTP, the standalone
 * server in sandbox mode with a signed-in user, and a mounted component's events recorded.
 */
import type { FakeRequest, FakeResponse } from '../../miniprogram/test/helpers/fake-wx'
import type { MountedComponent } from '../../miniprogram/test/helpers/mounted'
import { startServer, type RunningServer } from '../../server/src/standalone/server.js'

export interface Recorded {
  name: string
  detail: Record<string, unknown>
}

/** wx.request over real HTTP, parsing JSON like WeChat does. */
export async function wxRequestOverHttp(req: FakeRequest): Promise<FakeResponse> {
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.header,
      ...(req.method === 'POST' ? { body: JSON.stringify(req.data ?? {}) } : {}),
    })
    const text = await res.text()
    let data: unknown = text
    try {
      data = JSON.parse(text)
    } catch {
      // keep the text
    }
    return { statusCode: res.status, data }
  } catch (error) {
    return { fail: `request:fail ${error instanceof Error ? error.message : String(error)}` }
  }
}

/** The standalone server in sandbox mode on loopback, and the bearer header of `userId` signed in through its dev login. */
export async function startSandboxSignedIn(userId: string): Promise<{ server: RunningServer; authorization: string }> {
  const server = await startServer({ port: 0, host: '127.0.0.1', env: {}, dataDir: 'memory', logger: false })
  const login = await fetch(`${server.url}/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, identity: { name: '张小宝', idCard: '11204416541220243X' } }),
  })
  if (login.status !== 200) {
    await server.close()
    throw new Error(`dev login answered ${login.status}`)
  }
  return { server, authorization: `Bearer ${((await login.json()) as { token: string }).token}` }
}

/** Hands each of the component's `names` events to `record`, then attaches it to a page. */
export function attachRecording(comp: MountedComponent, names: readonly string[], record: (event: Recorded) => void): void {
  for (const name of names) comp.addEventListener(name, (e) => record({ name, detail: e.detail as Record<string, unknown> }))
  const document = (globalThis as unknown as { document: { createElement(tag: string): unknown } }).document
  comp.attach(document.createElement('parent-wrapper'))
}
