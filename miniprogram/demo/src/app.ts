/**
 * faceid-kit demo: the kit and the simulated SDKs against `npm start`'s sandbox server. The
 * build copies the kit to /faceid-kit and the simulated SDKs to /verify_mpsdk and /mp_ecard_sdk,
 * where a real app keeps Tencent's folders.
 */
import { SERVER_URL } from './config'
import { authHeader, currentAuthHeader, login } from './session'

type Kit = typeof import('../../src/index')
type FaceSandbox = typeof import('../../sim/verify_mpsdk/sandbox')
type EidSandbox = typeof import('../../sim/mp_ecard_sdk/sandbox')
type MegviiSandbox = typeof import('../../sim/faceid-components/sandbox')

// Paths as they are in the built demo (demo/dist).
const kit = require('./faceid-kit/index') as Kit

kit.configure({
  baseUrl: SERVER_URL,
  header: authHeader,
  // Tencent's SDKs are loaded on first use; a real app points these at the console downloads.
  loadFaceSdk: () => require('./verify_mpsdk/main'),
  loadEidSdk: () => require('./mp_ecard_sdk/main'),
})

// Sandbox only: the simulated SDKs finish verifications through the server's /sandbox/complete.
;(require('./verify_mpsdk/sandbox') as FaceSandbox).configureSandbox({ baseUrl: SERVER_URL, header: currentAuthHeader })
;(require('./mp_ecard_sdk/sandbox') as EidSandbox).configureSandbox({
  baseUrl: SERVER_URL,
  header: currentAuthHeader,
  emulateEidApp: true,
})
// Megvii's component (simulated) ends its biz_token through /sandbox/megvii/complete.
;(require('./faceid-components/sandbox') as MegviiSandbox).configureSandbox({ baseUrl: SERVER_URL, header: currentAuthHeader })

App(
  kit.withEidReturnGuard({
    globalData: { lastShowScene: 0 },
    onLaunch() {
      login().catch((error: Error) => {
        wx.showModal({ title: '无法登录沙箱服务器', content: error.message, showCancel: false })
      })
    },
    // Never runs for the return from E证通 (scene 1038): the guard skips it, the kit handles it.
    onShow(options: WechatMiniprogram.App.LaunchShowOption) {
      this.globalData.lastShowScene = options.scene
    },
  }),
)
