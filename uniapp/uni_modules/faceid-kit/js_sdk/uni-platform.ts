/// <reference types="@dcloudio/types" />
import type { AppShowListener, Platform, RequestOptions, SdkHost, SystemInfo } from './core'

/**
 * The global the closed SDKs use in a uni-app mp-weixin build: verify_mpsdk (a wxcomponent)
 * installs `wx.startVerify`, and `uni.navigateToMiniProgram` reads `wx.navigateToMiniProgram` on
 * each call, so wrapping the jump APIs on `wx` is seen by both SDK builds.
 */
declare const wx: SdkHost | undefined

export interface UniPlatformOptions {
  /** The `uni` object (default: the global). */
  uni?: () => UniApp.Uni
  /** Where the SDKs live (default: `wx` when it exists, else `uni`). */
  host?: () => SdkHost
}

/** Fields of `uni.getSystemInfoSync()` the kit reads; uni-app names the WeChat ones `host*`. */
interface UniSystemInfo {
  hostSDKVersion?: string
  hostVersion?: string
  SDKVersion?: string
  version?: string
  platform?: string
  environment?: string
}

function defaultHost(): SdkHost {
  return typeof wx !== 'undefined' && wx ? wx : (uni as unknown as SdkHost)
}

/** The core's platform over `uni`. Reads the globals at call time so tests can swap them. */
export function createUniPlatform(options: UniPlatformOptions = {}): Platform {
  const getUni = options.uni ?? (() => uni)
  const getHost = options.host ?? defaultHost
  return {
    request(request: RequestOptions) {
      return getUni().request(request as unknown as UniApp.RequestOptions)
    },
    onAppShow(listener: AppShowListener) {
      getUni().onAppShow(listener as unknown as Parameters<UniApp.Uni['onAppShow']>[0])
    },
    offAppShow(listener: AppShowListener) {
      getUni().offAppShow(listener as unknown as Parameters<UniApp.Uni['offAppShow']>[0])
    },
    setTimeout(fn, ms) {
      return setTimeout(fn, ms)
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>)
    },
    getSystemInfo(): SystemInfo {
      let info: UniSystemInfo
      try {
        info = getUni().getSystemInfoSync() as unknown as UniSystemInfo
      } catch {
        return {}
      }
      const out: SystemInfo = {}
      const sdkVersion = info.hostSDKVersion ?? info.SDKVersion
      const version = info.hostVersion ?? info.version
      if (sdkVersion) out.SDKVersion = sdkVersion
      if (version) out.version = version
      if (info.platform) out.platform = info.platform
      if (info.environment) out.environment = info.environment
      return out
    },
    canIUse(schema: string) {
      const u = getUni()
      return typeof u.canIUse === 'function' ? u.canIUse(schema) : true
    },
    getCurrentPages() {
      return typeof getCurrentPages === 'function' ? getCurrentPages() : []
    },
    get host(): SdkHost {
      return getHost()
    },
    warn(message: string) {
      console.warn(message)
    },
  }
}
