import { afterEach, describe, expect, it, vi } from 'vitest'
import { createUniPlatform } from '../uni_modules/faceid-kit/js_sdk/uni-platform'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('createUniPlatform', () => {
  it('reads the WeChat versions uni-app reports as host*, and passes request/app-show through uni', () => {
    const request = vi.fn()
    const onAppShow = vi.fn()
    const offAppShow = vi.fn()
    const fakeUni = {
      request,
      onAppShow,
      offAppShow,
      canIUse: (schema: string) => schema !== 'openEmbeddedMiniProgram',
      getSystemInfoSync: () => ({ hostVersion: '8.0.50', hostSDKVersion: '2.19.0', platform: 'android', SDKVersion: '4.0' }),
    }
    const platform = createUniPlatform({ uni: () => fakeUni as unknown as UniApp.Uni })
    expect(platform.getSystemInfo?.()).toEqual({ version: '8.0.50', SDKVersion: '2.19.0', platform: 'android' })
    expect(platform.canIUse?.('openEmbeddedMiniProgram')).toBe(false)
    const listener = (): void => undefined
    platform.onAppShow(listener)
    platform.offAppShow(listener)
    expect(onAppShow).toHaveBeenCalledWith(listener)
    expect(offAppShow).toHaveBeenCalledWith(listener)
    platform.request({ url: 'https://x.test/faceid/biz-token', method: 'POST' })
    expect(request).toHaveBeenCalledWith({ url: 'https://x.test/faceid/biz-token', method: 'POST' })
  })

  it('uses wx as the SDK host when it exists (verify_mpsdk installs wx.startVerify), else uni', () => {
    const fakeUni = { marker: 'uni' }
    vi.stubGlobal('uni', fakeUni)
    expect(createUniPlatform().host).toBe(fakeUni)
    const fakeWx = { marker: 'wx' }
    vi.stubGlobal('wx', fakeWx)
    expect(createUniPlatform().host).toBe(fakeWx)
  })

  it('survives a getSystemInfoSync that throws', () => {
    const fakeUni = {
      getSystemInfoSync: () => {
        throw new Error('not here')
      },
    }
    expect(createUniPlatform({ uni: () => fakeUni as unknown as UniApp.Uni }).getSystemInfo?.()).toEqual({})
  })
})
