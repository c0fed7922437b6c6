import { describe, expect, it } from 'vitest'
import { TestClock, start } from '../support/emulator.js'

const form = (body: string) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })

describe('the sandbox H5 page (the Url of DetectAuth / GetEidToken)', () => {
  it('shows the outcomes in Chinese and sends the browser to RedirectUrl as Tencent does', async () => {
    const { client, emulator } = await start()
    const face = await client().DetectAuth({ RuleId: '1', RedirectUrl: 'https://partner.example/back?from=tencent' })
    expect(face.Url).toMatch(new RegExp(`/sandbox/h5/${face.BizToken}$`))
    const page = await fetch(face.Url!)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    for (const text of ['人脸核身（沙箱）', '核身通过', '核身失败', '放弃核身']) expect(html).toContain(text)

    const res = await fetch(face.Url!, form('outcome=failed&code=2006'))
    expect(res.status).toBe(302)
    const back = new URL(res.headers.get('location')!)
    expect(`${back.origin}${back.pathname}`).toBe('https://partner.example/back')
    expect(back.searchParams.get('from')).toBe('tencent')
    expect(back.searchParams.get('BizToken')).toBe(face.BizToken)
    expect(emulator.token(face.BizToken!)?.status).toBe('failed')
    expect((await client().GetDetectInfoEnhanced({ BizToken: face.BizToken!, RuleId: '1' })).Text?.ErrCode).toBe(2006)

    const eid = await client().GetEidToken({ MerchantId: '0NSJ2106141714', RedirectUrl: 'https://partner.example/eid' })
    expect(await (await fetch(eid.Url!)).text()).toContain('E证通（沙箱）')
    const eidBack = await fetch(eid.Url!, form('outcome=abandoned'))
    expect(new URL(eidBack.headers.get('location')!).searchParams.get('token')).toBe(eid.EidToken)
    expect(emulator.token(eid.EidToken!)?.status).toBe('abandoned')
  })

  it('without RedirectUrl ends on its own page; refuses bad outcomes, unknown, passed and expired tokens', async () => {
    const clock = new TestClock()
    const { client, address } = await start({ now: clock.now, maxSkewSeconds: Infinity })
    const face = await client().DetectAuth({ RuleId: '1' })
    expect((await fetch(face.Url!, form('outcome=maybe'))).status).toBe(400)
    expect((await fetch(face.Url!, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(415)
    const done = await fetch(face.Url!, form('outcome=passed'))
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('核身结束')
    expect((await fetch(face.Url!, form('outcome=passed'))).status).toBe(409)
    expect((await fetch(`${address.url}/sandbox/h5/NOPE`)).status).toBe(404)
    expect((await fetch(`${address.url}/sandbox/h5/%E0%A4%A`)).status).toBe(404)

    const eid = await client().GetEidToken({ MerchantId: '0NSJ2106141714', RedirectUrl: 'https://partner.example/eid' })
    clock.advance(601)
    const late = await fetch(eid.Url!, form('outcome=passed'))
    expect(late.status).toBe(410)
    expect(late.headers.get('location')).toBeNull()
  })
})
