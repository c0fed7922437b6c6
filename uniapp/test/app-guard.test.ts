import { describe, expect, it, vi } from 'vitest'
import { EID_APP_ID, guardEidReturn, isEidReturn } from '../uni_modules/faceid-kit/js_sdk/app-guard'

describe('guardEidReturn (App.vue onShow)', () => {
  it('skips only the return from the eID mini-program', () => {
    const handler = vi.fn()
    const onShow = guardEidReturn(handler)
    onShow({ scene: 1038, referrerInfo: { appId: EID_APP_ID, extraData: { verifyDone: true } } })
    expect(handler).not.toHaveBeenCalled()

    const fromOther = { scene: 1038, referrerInfo: { appId: 'wx1234567890abcdef' } }
    onShow(fromOther)
    onShow({ scene: 1001 })
    expect(handler.mock.calls).toEqual([[fromOther], [{ scene: 1001 }]])
  })

  it('copes with a missing referrerInfo or no options at all', () => {
    const handler = vi.fn()
    const onShow = guardEidReturn(handler)
    onShow({ scene: 1038 })
    onShow(undefined)
    expect(handler).toHaveBeenCalledTimes(2)
    expect(isEidReturn({ scene: 1038 })).toBe(false)
    expect(isEidReturn({ scene: 1037, referrerInfo: { appId: EID_APP_ID } })).toBe(false)
    expect(isEidReturn(null)).toBe(false)
  })
})
