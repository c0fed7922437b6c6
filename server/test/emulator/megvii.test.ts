/**
 * The emulator's Megvii mode on its own: lifetimes (an hour to start, a month to read), one flow
 * per biz_token, the request size limit, the notice's shape, and the production refusal.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createMegviiEmulator, MEGVII_BIZ_TOKEN_LIFETIME_MS, MEGVII_PRESETS, MEGVII_RESULT_RETENTION_MS, MEGVII_SANDBOX_APPCODE, type MegviiEmulator } from '../../emulator/index.js'
import { EmulatorError } from '../../emulator/errors.js'
import { TestClock } from '../support/harness.js'

let emulator: MegviiEmulator | undefined
let receiver: http.Server | undefined
afterEach(async () => {
  await emulator?.close()
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()))
  emulator = undefined
  receiver = undefined
})

const auth = { Authorization: `APPCODE ${MEGVII_SANDBOX_APPCODE}` }
const form = (notifyUrl = 'https://partner.example/notify') =>
  new URLSearchParams({ return_url: 'https://partner.example/back', notify_url: notifyUrl, liveness_type: 'video_number', comparison_type: '1', group: '0', idcard_name: '张小宝', idcard_number: '11204416541220243X' })

async function issue(url: string, notifyUrl?: string): Promise<string> {
  const res = await fetch(`${url}/lite/v1/get_biz_token`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: form(notifyUrl).toString() })
  expect(res.status).toBe(200)
  return ((await res.json()) as { biz_token: string }).biz_token
}

const result = async (url: string, token: string) => {
  const res = await fetch(`${url}/lite/v1/get_result?biz_token=${encodeURIComponent(token)}`, { headers: auth })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('Megvii emulator', () => {
  it('gives a biz_token an hour to start and its result a month', async () => {
    const clock = new TestClock()
    emulator = createMegviiEmulator({ now: clock.now, logger: false })
    const { url } = await emulator.listen()
    const late = await issue(url)
    const used = await issue(url)
    await emulator.complete(used, MEGVII_PRESETS['pass']!, { notify: false })
    clock.advance(MEGVII_BIZ_TOKEN_LIFETIME_MS / 1000 + 1)
    expect(await (await fetch(`${url}/lite/v1/do/${encodeURIComponent(late)}`)).text()).toContain('无效请求，或当前请求已过期')
    await expect(emulator.complete(late, MEGVII_PRESETS['pass']!)).rejects.toBeInstanceOf(EmulatorError)
    expect((await result(url, late)).body).toMatchObject({ result_code: '9000', result_message: 'LIVING_NOT_START' })
    expect((await result(url, used)).body).toMatchObject({ result_code: '1000', verification: { idcard: { confidence: 86.4735 } } })
    clock.advance(MEGVII_RESULT_RETENTION_MS / 1000)
    expect(await result(url, used)).toMatchObject({ status: 400, body: { error: 'BAD_ARGUMENTS:biz_token' } })
  })

  it('serves one flow per biz_token, refuses oversized requests, and posts the notice as a form', async () => {
    const notices: string[] = []
    receiver = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString('utf8')))
      req.on('end', () => {
        notices.push(`${req.headers['content-type']}|${body}`)
        res.end('ok')
      })
    })
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve))
    emulator = createMegviiEmulator({ logger: false, notify: 'before-return' })
    const { url } = await emulator.listen()
    const token = await issue(url, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`)
    expect(await (await fetch(`${url}/lite/v1/do/${encodeURIComponent(token)}`)).text()).toContain('FaceID 身份验证')
    // A second opening of the same biz_token is refused.
    expect(await (await fetch(`${url}/lite/v1/do/${encodeURIComponent(token)}`)).text()).toContain('无效请求')
    const finish = await fetch(`${url}/lite/v1/do/${encodeURIComponent(token)}`, { method: 'POST', body: new URLSearchParams({ outcome: 'no-audio' }), redirect: 'manual' })
    expect(finish.status).toBe(303)
    expect(finish.headers.get('location')).toBe('https://partner.example/back')
    expect(notices).toHaveLength(1)
    const [type, body] = notices[0]!.split('|')
    expect(type).toContain('application/x-www-form-urlencoded')
    expect(JSON.parse(new URLSearchParams(body).get('data')!)).toEqual({ biz_token: token, error_code: 4200, error_msg: 'NO_AUDIO' })
    const big = await fetch(`${url}/lite/v1/get_biz_token`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'x'.repeat(20 * 1024 * 1024 + 1) })
    expect(big.status).toBe(413)
  })

  it('refuses to run with NODE_ENV=production', () => {
    const before = process.env['NODE_ENV']
    process.env['NODE_ENV'] = ' Production '
    try {
      expect(() => createMegviiEmulator({ logger: false })).toThrow(/production/)
    } finally {
      if (before === undefined) delete process.env['NODE_ENV']
      else process.env['NODE_ENV'] = before
    }
  })
})
