/// <reference types="miniprogram-api-typings" />
import type { AppShowListener, FaceSdkStartOptions, Platform, RequestOptions, SdkHost, SystemInfo } from './core/types'

declare global {
  namespace WechatMiniprogram {
    interface Wx {
      /** Installed by verify_mpsdk's `init()`. */
      startVerify?: (options: FaceSdkStartOptions) => void
    }
  }
}

/** The core's platform over `wx`. Reads `wx` at call time so tests and hosts can swap it. */
export const wxPlatform: Platform = {
  request(options: RequestOptions) {
    return wx.request(options as unknown as WechatMiniprogram.RequestOption)
  },
  onAppShow(listener: AppShowListener) {
    wx.onAppShow(listener as unknown as WechatMiniprogram.OnAppShowCallback)
  },
  offAppShow(listener: AppShowListener) {
    wx.offAppShow(listener as unknown as WechatMiniprogram.OffAppShowCallback)
  },
  setTimeout(fn, ms) {
    return setTimeout(fn, ms)
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
  getSystemInfo(): SystemInfo {
    try {
      return wx.getSystemInfoSync() as SystemInfo
    } catch {
      return {}
    }
  },
  canIUse(schema: string) {
    return typeof wx.canIUse === 'function' ? wx.canIUse(schema) : true
  },
  getCurrentPages() {
    return typeof getCurrentPages === 'function' ? getCurrentPages() : []
  },
  get host(): SdkHost {
    return wx as unknown as SdkHost
  },
  warn(message: string) {
    console.warn(message)
  },
}
