/**
 * The uni-app example's mp-weixin build launched in miniprogram-simulate against the standalone
 * server in sandbox mode, signed in as the example does, with its pages opened as the
 * mini-program runtime opens them.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { exampleDist } from '../../scripts/build-example.mjs'
import { installMpRuntime, type MpRuntime } from './mp-runtime'
import { startSandboxServer, type SandboxServer } from './sandbox-server'

type Simulate = typeof import('miniprogram-simulate')
export type Rendered = ReturnType<Simulate['render']>

/** The server the example was built for (SERVER in example/src/services/session.ts). */
const BUILT_FOR = 'http://127.0.0.1:3000'
const nodeRequire = createRequire(import.meta.url)

export interface LaunchedExample {
  server: SandboxServer
  rt: MpRuntime
  app: Record<string, (options?: unknown) => void>
  /** Renders a page of the build, attached, after its onLoad(query) and onShow. */
  openPage(route: string, query?: Record<string, string>): Rendered
  /** Stops the runtime and the server. */
  close(): Promise<void>
}

/** Polls until `check` holds (the flows cross a real HTTP server and the SDKs' 500 ms delays). */
export async function until(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export const text = (node: { dom?: HTMLElement }): string => node.dom?.textContent ?? ''

/** Starts the server, loads the build's app.js, launches it and waits for its dev login. */
export async function launchExample(): Promise<LaunchedExample> {
  const server = await startSandboxServer()
  const rt = installMpRuntime(exampleDist, BUILT_FOR, server.url)
  // Component / Behavior / the wx mock must exist before vendor.js loads.
  const loaded = (await import('miniprogram-simulate')) as Simulate & { default?: Simulate }
  const simulate = loaded.default ?? loaded
  nodeRequire(path.join(exampleDist, 'app.js'))
  const app = rt.app() as unknown as Record<string, (options?: unknown) => void>
  app.onLaunch?.call(app, { scene: 1001, path: 'pages/index/index', query: {} })
  // The example signs in (sandbox dev-login) and configures the simulated SDKs with the session.
  await until(() => rt.requests.includes('POST /auth/dev-login'), 'the dev login')
  await rt.idle()
  // app.json's global components are what the mini-program runtime adds to every page.
  const { usingComponents } = JSON.parse(readFileSync(path.join(exampleDist, 'app.json'), 'utf8')) as { usingComponents: Record<string, string> }
  return {
    server,
    rt,
    app,
    openPage(route, query = {}) {
      const id = simulate.load(path.join(exampleDist, route), { compiler: 'simulate', rootPath: exampleDist, usingComponents })
      const page = simulate.render(id)
      page.attach(document.createElement('parent-wrapper'))
      const instance = page.instance as Record<string, (arg?: unknown) => void>
      instance.onLoad?.call(instance, query)
      instance.onShow?.call(instance)
      return page
    },
    async close() {
      rt.dispose()
      await server.close()
    },
  }
}
