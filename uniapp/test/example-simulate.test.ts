/**
 * The uni-app example as `uni build -p mp-weixin` emits it, run in miniprogram-simulate against
 * faceid-kit's standalone server in sandbox mode (embedded emulator): a page renders, a tap goes
 * through the simulated SDK (its own page for verify_mpsdk, the emulated eID return for
 * mp_ecard_sdk) and the server, and the page shows the server's verdict. Both routes: the
 * wxcomponents and the uni_modules Vue components. mp_ecard_sdk is the simulated uni-app build in
 * src/mp_ecard_sdk, imported by App.vue as uniapp/README.md shows; both routes run it.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { exampleDist } from '../scripts/build-example.mjs'
import { launchExample, text, until, type LaunchedExample } from './helpers/example-app'
import type { MpRuntime } from './helpers/mp-runtime'

interface Node {
  dom: HTMLElement
  dispatchEvent(name: string): void
  querySelector(selector: string): Node | null
  querySelectorAll(selector: string): Node[]
  instance: Record<string, unknown>
}

const EID_APP_ID = 'wx0e2cb0b052a91c92'
const nodeRequire = createRequire(import.meta.url)

let example: LaunchedExample
let rt: MpRuntime
let app: LaunchedExample['app']
let openPage: LaunchedExample['openPage']

const lastRoute = (): string => rt.routes.at(-1) ?? ''
const queryOf = (route: string): Record<string, string> => Object.fromEntries(new URL(route, 'https://x.test').searchParams)

interface EidSandbox {
  configureSandbox(config: { emulateEidApp?: boolean; build?: '1.0.7' | '1.0.9' | 'uni_1.0.5' }): void
  finishEmulated(token: string, choice: 'passed' | 'failed' | 'abandoned'): Promise<void>
  build(): string
}
// What uni build made of src/mp_ecard_sdk/sandbox.js: the module instance App.vue's import uses.
const eidSandbox = (): EidSandbox => nodeRequire(path.join(exampleDist, 'mp_ecard_sdk/sandbox.js')) as EidSandbox

const faceSandbox = (): { current(): { token: string } | undefined } =>
  nodeRequire(path.join(exampleDist, 'wxcomponents/verify_mpsdk/sandbox.js')) as { current(): { token: string } | undefined }

/** verify_mpsdk opened its host page: render it and pick an outcome on the simulated SDK. */
async function chooseOnFaceSdkPage(choice: 'passed' | 'failed' | 'cancel' | 'home'): Promise<string> {
  const routesBefore = rt.routes.length
  // After its config request; the real SDK's page URL carries no token (the page reads the SDK's state).
  await until(() => rt.routes.slice(routesBefore).includes('/pages/faceid-kit/verify'), 'verify_mpsdk to open its host page')
  const token = faceSandbox().current()?.token ?? ''
  const hostPage = openPage('pages/faceid-kit/verify') as unknown as Node
  const sdk = hostPage.querySelector('.faceid-kit-sdk')
  expect(sdk && text(sdk)).toContain('人脸核身（模拟）')
  const buttons = sdk?.querySelectorAll('.sim__btn') ?? []
  const index = ['passed', 'failed', 'cancel', 'home'].indexOf(choice)
  buttons[index]?.dispatchEvent('tap')
  return token
}

beforeAll(async () => {
  example = await launchExample()
  ;({ rt, app, openPage } = example)
}, 60_000)

afterAll(async () => {
  await example?.close()
})

describe('uni-app example (mp-weixin build) in miniprogram-simulate', { timeout: 30_000 }, () => {
  it('App.vue ignores the return from eID (scene 1038) and handles other shows', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    try {
      app.onShow?.call(app, { scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData: { verifyDone: true } } })
      expect(log).not.toHaveBeenCalled()
      app.onShow?.call(app, { scene: 1001 })
      expect(log).toHaveBeenCalledWith('[example] app show, scene', 1001)
    } finally {
      log.mockRestore()
    }
  })

  it('App.vue takes mp_ecard_sdk from the uni-app build in src/mp_ecard_sdk, as the README does', () => {
    const appJs = readFileSync(path.join(exampleDist, 'app.js'), 'utf8')
    expect(appJs).toContain('require("./mp_ecard_sdk/main.js")')
    expect(appJs).not.toContain('wxcomponents/mp_ecard_sdk')
    // The simulated uni build behaves like uni_1.0.5 unless a test says otherwise.
    expect(eidSandbox().build()).toBe('uni_1.0.5')
    // One confirm page at mp_ecard_sdk/index/index: the SDK's own, compiled from its index.vue.
    const appJson = JSON.parse(readFileSync(path.join(exampleDist, 'app.json'), 'utf8')) as { pages: string[] }
    expect(appJson.pages.filter((page) => page.includes('mp_ecard_sdk'))).toEqual(['mp_ecard_sdk/index/index'])
    expect(readFileSync(path.join(exampleDist, 'mp_ecard_sdk/index/index.js'), 'utf8')).toContain('require("../main.js")')
  })

  it('the home page links to both routes', () => {
    const home = openPage('pages/index/index')
    expect(text(home)).toContain('组合式函数与 Vue 组件')
    expect(text(home)).toContain('小程序组件（wxcomponents）')
  })

  describe('wxcomponent route', () => {
    it('face: tap → simulated verify_mpsdk page → emulator → the page shows the verdict', async () => {
      const page = openPage('pages/wxcomponent/index') as unknown as Node
      const button = page.querySelector('.face')?.querySelector('.fk-verify')
      expect(button && text(button)).toContain('开始人脸核身')
      button?.dispatchEvent('tap')
      const token = await chooseOnFaceSdkPage('passed')
      expect(token).toMatch(/^[A-Za-z0-9-]{36}$/)
      await until(() => text(page).includes('核验通过'), 'the result on the page')
      expect(rt.requests).toContain(`GET /faceid/biz-token/${token}`)
      expect(rt.requests).toContain('POST /sandbox/complete')
    })

    it('face: a failed verification shows the server’s “not passed”', async () => {
      const page = openPage('pages/wxcomponent/index') as unknown as Node
      page.querySelector('.face')?.querySelector('.fk-verify')?.dispatchEvent('tap')
      await chooseOnFaceSdkPage('failed')
      await until(() => text(page).includes('核验未通过'), 'the failure on the page')
    })

    it('eID in the sandbox: the stand-in eID page takes the outcome, the return shows the verdict', async () => {
      const page = openPage('pages/wxcomponent/index') as unknown as Node
      const button = page.querySelector('.eid')?.querySelector('.fk-verify')
      await until(() => (button ? text(button).includes('开始 E证通核验') : false), 'the EidToken to be ready')
      button?.dispatchEvent('tap')
      // emulateEidApp: the simulated SDK opens its page as the eID mini-program.
      await until(() => lastRoute().startsWith('/mp_ecard_sdk/index/index?'), 'the emulated eID app to open')
      const query = queryOf(lastRoute())
      expect(query.emulate).toBe('true')
      const eidPage = openPage('mp_ecard_sdk/index/index', query) as unknown as Node
      await until(() => text(eidPage).includes('E证通小程序（模拟）'), 'the emulated eID page')
      eidPage.querySelectorAll('.choice')[0]?.dispatchEvent('tap')
      await until(() => text(page).includes('核验通过'), 'the eID result on the page')
      expect(rt.requests).toContain(`GET /faceid/eid-token/${query.token}`)
      expect(rt.refusedJumps).toEqual([])
    })
  })

  describe('uni_modules route (Vue components on the composables)', () => {
    it('face: tap → simulated verify_mpsdk page → emulator → the page shows the verdict', async () => {
      const page = openPage('pages/composable/index') as unknown as Node
      const button = page.querySelector('.face')?.querySelector('.faceid-kit-button')
      expect(button && text(button)).toContain('开始人脸核身')
      button?.dispatchEvent('tap')
      const token = await chooseOnFaceSdkPage('passed')
      await until(() => text(page).includes('核验通过'), 'the result on the page')
      expect(rt.requests).toContain(`GET /faceid/biz-token/${token}`)
    })

    it('face: cancelling on the SDK page shows the cancel', async () => {
      const page = openPage('pages/composable/index') as unknown as Node
      page.querySelector('.face')?.querySelector('.faceid-kit-button')?.dispatchEvent('tap')
      await chooseOnFaceSdkPage('cancel')
      await until(() => text(page).includes('已取消核验'), 'the cancel on the page')
    })

    it('eID (half-screen asked): jumps to eID inside the tap, the return shows the verdict', async () => {
      // Jump for real (no stand-in page), so the runtime's TAP-gesture rule applies; the uni
      // build (uni_1.0.5) has half-screen.
      eidSandbox().configureSandbox({ emulateEidApp: false })
      try {
        const page = openPage('pages/composable/index') as unknown as Node
        const button = page.querySelector('.eid')?.querySelector('.faceid-kit-button')
        await until(() => (button ? text(button).includes('开始 E证通核验') : false), 'the EidToken to be ready')
        const jumpsBefore = rt.jumps.length
        button?.dispatchEvent('tap')
        await until(() => rt.jumps.length > jumpsBefore || rt.refusedJumps.length > 0, 'the jump to eID')
        // uni-app defers tap handlers unless data-eventsync is set; WeChat refuses such a jump.
        expect(rt.refusedJumps).toEqual([])
        const jump = rt.jumps.at(-1) as { api: string; appId: string; extraData: { huiyanToken: string } }
        expect(jump).toMatchObject({ api: 'openEmbeddedMiniProgram', appId: EID_APP_ID })
        // What eID's return does: scene 1038 with verifyDone, seen by the SDK's onAppShow listener.
        await eidSandbox().finishEmulated(jump.extraData.huiyanToken, 'failed')
        await until(() => text(page).includes('核验未通过'), 'the eID result on the page')
      } finally {
        eidSandbox().configureSandbox({ emulateEidApp: true })
      }
    })
  })
})
