/** The built demo app (demo/dist): complete, wired to the kit and the sandbox, App onShow guarded. */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeWx } from './helpers/fake-wx'
import { forgetModules, PACKAGE_DIR, type KitModule } from './helpers/load'

const DEMO = path.join(PACKAGE_DIR, 'demo/dist')
const nodeRequire = createRequire(import.meta.url)
const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>

interface AppOptions {
  globalData: { lastShowScene: number }
  onLaunch(): void
  onShow(options: unknown): void
}

describe('demo app', () => {
  it('is opened by the root project.config.json', () => {
    const config = readJson(path.join(PACKAGE_DIR, '../project.config.json'))
    expect(path.resolve(PACKAGE_DIR, '..', String(config.miniprogramRoot))).toBe(DEMO)
    expect(config.compileType).toBe('miniprogram')
  })

  it('has every page and component app.json names, and whitelists eID for half-screen', () => {
    const app = readJson(path.join(DEMO, 'app.json')) as { pages: string[]; usingComponents: Record<string, string>; embeddedAppIdList: string[] }
    expect(app.pages).toEqual(expect.arrayContaining(['verify_mpsdk/index/index', 'mp_ecard_sdk/index/index']))
    for (const page of app.pages) {
      for (const ext of ['.js', '.json', '.wxml']) expect(existsSync(path.join(DEMO, page + ext)), page + ext).toBe(true)
    }
    for (const component of Object.values(app.usingComponents)) {
      for (const ext of ['.js', '.json', '.wxml', '.wxss']) expect(existsSync(path.join(DEMO, component + ext)), component + ext).toBe(true)
    }
    expect(app.embeddedAppIdList).toEqual(['wx0e2cb0b052a91c92'])
  })

  describe('app.js', () => {
    let fake: FakeWx
    let app: AppOptions
    let kit: KitModule

    beforeEach(() => {
      fake = new FakeWx().install()
      fake.router = (req) =>
        req.url.endsWith('/auth/dev-login') ? { statusCode: 200, data: { token: 'session-1' } } : { statusCode: 404, data: {} }
      forgetModules(DEMO)
      ;(globalThis as unknown as { App: (options: AppOptions) => void }).App = (options) => {
        app = options
      }
      nodeRequire(path.join(DEMO, 'app.js'))
      kit = nodeRequire(path.join(DEMO, 'faceid-kit/index.js')) as KitModule
    })

    it('logs in to the sandbox server and sends that session with every kit request', async () => {
      app.onLaunch()
      expect(fake.requests[0]).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:3000/auth/dev-login', data: { userId: 'demo-user' } })
      const config = kit.getConfig()
      expect(config.baseUrl).toBe('http://127.0.0.1:3000')
      const header = config.header as () => Promise<Record<string, string>>
      await expect(header()).resolves.toEqual({ Authorization: 'Bearer session-1' })
      expect(fake.requests).toHaveLength(1) // logged in once
    })

    it('loads the simulated SDKs from the app root', () => {
      kit.initFaceVerify()
      kit.initEid()
      expect(typeof fake.global.startVerify).toBe('function')
      expect(fake.appShowListeners).toHaveLength(1)
    })

    it('keeps the app’s own onShow away from the return from eID', () => {
      app.onShow.call(app, { scene: 1038, referrerInfo: { appId: 'wx0e2cb0b052a91c92', extraData: {} } })
      expect(app.globalData.lastShowScene).toBe(0)
      app.onShow.call(app, { scene: 1089 })
      expect(app.globalData.lastShowScene).toBe(1089)
    })
  })
})
