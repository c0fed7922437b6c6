/**
 * The mini-program kit's core in Node: a `Platform` whose `request` is `fetch`, and whose
 * `startVerify` stands in for verify_mpsdk — it finishes the verification in the emulator (the
 * user passing the liveness check) and then calls `success`, as the SDK does when the user is back.
 */
import { createKit, type Kit, type Platform, type RequestOptions } from '../../miniprogram/src/core/index.js'

function request(options: RequestOptions): void {
  const init: RequestInit = { method: options.method, headers: options.header ?? {}, signal: AbortSignal.timeout(options.timeout ?? 15_000) }
  if (options.method === 'POST') init.body = JSON.stringify(options.data ?? {})
  fetch(options.url, init).then(
    async (res) => {
      const text = await res.text()
      let data: unknown = text
      try {
        data = JSON.parse(text)
      } catch {
        // wx.request hands over non-JSON bodies as strings too.
      }
      options.success?.({ statusCode: res.status, data })
    },
    (error: unknown) => {
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      options.fail?.({ errMsg: timedOut ? 'request:fail timeout' : `request:fail ${error instanceof Error ? error.message : String(error)}` })
    },
  )
}

/** The user finished in the SDK: completes `token` upstream, resolving with when it happened. */
export type CompleteUpstream = (token: string) => Promise<void>

export function createNodeKit(options: { baseUrl: string; bearer: string; completeUpstream: CompleteUpstream }): Kit {
  const platform: Platform = {
    request,
    onAppShow: () => undefined,
    offAppShow: () => undefined,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    host: {
      startVerify({ data, success, fail }) {
        options.completeUpstream(data.token).then(
          () => success({ BizToken: data.token, ErrorCode: 0, ErrorMsg: '' }),
          (error: unknown) => fail({ ErrorCode: -1, ErrorMsg: error instanceof Error ? error.message : String(error) }),
        )
      },
    },
  }
  const kit = createKit(platform)
  kit.configure({ baseUrl: options.baseUrl, header: { authorization: `Bearer ${options.bearer}` } })
  return kit
}
