/**
 * The core with an injected, non-wx platform (as the uni-app kit uses it with `uni`): it must
 * only touch what it is given — never the global `wx`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createKit, type AppShowListener, type EidSdkModule, type JumpOptions, type Platform, type RequestOptions } from '../src/core'
import { makeToken } from './helpers/fake-wx'

const TOKEN = makeToken(11)

function uniLike() {
  const listeners: AppShowListener[] = []
  const jumps: JumpOptions[] = []
  const requests: RequestOptions[] = []
  const host = {
    navigateToMiniProgram: (o: JumpOptions) => {
      jumps.push(o)
      o.fail?.({ errMsg: 'navigateToMiniProgram:fail cancel' })
    },
    navigateBack: vi.fn(),
  }
  const platform: Platform = {
    request: (o) => {
      requests.push(o)
      o.success?.({ statusCode: 201, data: { token: TOKEN, kind: 'eid', expiresAt: new Date(Date.now() + 600_000).toISOString() } })
    },
    onAppShow: (l) => listeners.push(l),
    offAppShow: (l) => listeners.splice(listeners.indexOf(l), 1),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    host,
  }
  return { platform, host, listeners, jumps, requests }
}

beforeEach(() => {
  vi.useFakeTimers()
  ;(globalThis as { wx?: unknown }).wx = undefined
})
afterEach(() => {
  vi.useRealTimers()
})

describe('core with an injected platform', () => {
  it('drives an eID SDK that uses the injected host, wraps that host’s jump and restores it', async () => {
    const { platform, host, listeners, jumps } = uniLike()
    const original = host.navigateToMiniProgram
    const sdk: EidSdkModule = {
      initEid: vi.fn(),
      startEid: ({ data }) => {
        host.navigateToMiniProgram({ appId: 'wx0e2cb0b052a91c92', extraData: { huiyanToken: data.token }, fail: () => host.navigateBack() })
      },
    }
    const kit = createKit(platform)
    kit.configure({ loadEidSdk: () => sdk, settleDelay: 0 })
    const outcome = kit.startEid({ token: TOKEN })
    expect(jumps).toHaveLength(1)
    await expect(outcome).resolves.toEqual({ status: 'cancelled', kind: 'eid', token: TOKEN, reason: 'jump-cancel' })
    expect(host.navigateBack).not.toHaveBeenCalled()
    expect(host.navigateToMiniProgram).toBe(original)
    expect(listeners).toHaveLength(0)
  })

  it('runs the API client over the injected request', async () => {
    const { platform, requests } = uniLike()
    const kit = createKit(platform)
    kit.configure({ baseUrl: 'https://api.test', header: { Authorization: 'Bearer u' } })
    const prepared = await kit.prepareEid()
    expect(prepared.token).toBe(TOKEN)
    expect(requests[0]).toMatchObject({ url: 'https://api.test/faceid/eid-token', method: 'POST', header: { Authorization: 'Bearer u' } })
  })

  it('keeps two kits independent (no module-level state)', async () => {
    const a = createKit(uniLike().platform)
    const b = createKit(uniLike().platform)
    const sdk: EidSdkModule = { initEid: vi.fn(), startEid: vi.fn() }
    a.configure({ loadEidSdk: () => sdk })
    b.configure({ loadEidSdk: () => sdk })
    void a.startEid({ token: TOKEN })
    expect(a.isBusy()).toBe(true)
    expect(b.isBusy()).toBe(false)
  })
})
