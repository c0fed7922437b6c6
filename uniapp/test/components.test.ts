import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as faceSdk from '../../miniprogram/sim/verify_mpsdk/main'
import { finish } from '../../miniprogram/sim/verify_mpsdk/sandbox'
import * as eidSdk from '../../miniprogram/sim/mp_ecard_sdk/main'
import { finishEmulated } from '../../miniprogram/sim/mp_ecard_sdk/sandbox'
import FaceidVerify from '../uni_modules/faceid-kit/components/faceid-verify/faceid-verify.vue'
import EidVerify from '../uni_modules/faceid-kit/components/eid-verify/eid-verify.vue'
import { configureFaceidKit } from '../uni_modules/faceid-kit/js_sdk/kit'
import { BASE_URL, installPlatform, type Harness } from './helpers/platform'

let env: Harness

beforeEach(() => {
  env = installPlatform()
  // The components use the shared kit; each test has a fresh `wx`, so install the SDK on it.
  configureFaceidKit({ baseUrl: BASE_URL, loadFaceSdk: () => faceSdk, loadEidSdk: () => eidSdk })
  faceSdk.init()
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('<faceid-verify>', () => {
  it('one tap: start, then the server’s result; busy label meanwhile', async () => {
    const wrapper = mount(FaceidVerify, { props: { header: { Authorization: 'Bearer u2' } } })
    expect(wrapper.text()).toBe('开始人脸核身')
    await wrapper.find('button').trigger('click')
    await env.advance()
    const token = env.server.tokens[0] as string
    expect(wrapper.emitted('start')).toEqual([[{ token }]])
    expect(wrapper.text()).toBe('核验中…')
    expect(env.server.lastHeader?.Authorization).toBe('Bearer u2')

    env.server.results.set(token, { status: 'passed', code: 0 })
    await finish('passed')
    await env.advance(3000)
    expect(wrapper.emitted('result')).toEqual([[expect.objectContaining({ token, status: 'passed' })]])
    expect(wrapper.text()).toBe('开始人脸核身')
  })

  it('emits cancel on a cancel and error on a server error', async () => {
    const wrapper = mount(FaceidVerify, { props: { text: '刷脸' } })
    await wrapper.find('button').trigger('click')
    await env.advance()
    await finish('cancel')
    await env.advance(3000)
    expect(wrapper.emitted('cancel')).toEqual([[{ token: env.server.tokens[0], reason: 'user-cancel' }]])

    env.server.failNext = { status: 401, code: 'UNAUTHORIZED' }
    await wrapper.find('button').trigger('click')
    await env.advance()
    expect(wrapper.emitted('error')).toEqual([[expect.objectContaining({ code: 'UNAUTHORIZED' })]])
    expect(wrapper.text()).toBe('刷脸')
  })

  it('does nothing while disabled', async () => {
    const wrapper = mount(FaceidVerify, { props: { disabled: true } })
    await wrapper.find('button').trigger('click')
    await env.advance()
    expect(env.server.calls).toEqual([])
  })
})

describe('<eid-verify>', () => {
  it('prepares the token, jumps inside the click, and emits the result', async () => {
    const wrapper = mount(EidVerify, { props: { embedded: false } })
    expect(wrapper.text()).toBe('准备中…')
    await env.advance()
    expect(wrapper.text()).toBe('开始 E证通核验')
    const token = env.server.tokens[0] as string

    const navigate = env.wx.navigateToMiniProgram
    await wrapper.find('button').trigger('click')
    expect(navigate).toHaveBeenCalledTimes(1)
    expect(wrapper.emitted('start')).toEqual([[{ token }]])
    expect(wrapper.text()).toBe('核验中…')

    env.server.results.set(token, { status: 'failed', code: -3, message: '人脸比对不通过' })
    await finishEmulated(token, 'failed')
    await env.advance(3000)
    expect(wrapper.emitted('result')).toEqual([[expect.objectContaining({ token, status: 'failed' })]])
    expect(wrapper.text()).toBe('开始 E证通核验')
  })

  it('reports a failed token fetch at once and offers a retry', async () => {
    env.server.failNext = { status: 503, code: 'UPSTREAM_UNAVAILABLE' }
    const wrapper = mount(EidVerify)
    await env.advance()
    expect(wrapper.emitted('error')).toEqual([[expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]])
    expect(wrapper.text()).toBe('重新获取，请再点一次')
    await wrapper.find('button').trigger('click')
    await env.advance()
    expect(wrapper.text()).toBe('开始 E证通核验')
    // The retry tap only fetched a token; it did not jump nor report NOT_READY as an error.
    expect(env.wx.navigateToMiniProgram).not.toHaveBeenCalled()
    expect(wrapper.emitted('error')).toHaveLength(1)
  })
})
