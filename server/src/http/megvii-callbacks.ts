/**
 * Megvii's callbacks to the kit. `POST <prefix>/megvii/notify` receives Megvii's end-of-flow
 * notice (form field `data`, a JSON string with `biz_token`, `error_code`, `error_msg`). The
 * notice is unsigned, so it is only a hint: it names a biz_token the ledger must already know,
 * and the kit then asks get_result itself, in the background, after answering. The notice's own
 * fields decide nothing, so a forged or replayed notice can at most cause one more get_result of
 * a real open token, and not more often than once per `minIntervalMs`.
 * `GET <prefix>/megvii/done` is the mini-program flow's `return_url`, which Megvii requires
 * but no browser of that flow visits.
 */
import { bodyParser } from '@koa/bodyparser'
import type Router from '@koa/router'
import { isValidToken } from '@faceid-kit/shared'
import type { Context } from 'koa'
import { MEGVII_DONE_PATH, MEGVII_NOTIFY_PATH } from '../flows/megvii/index.js'
import { flowOf } from '../flows/index.js'
import type { Verifier } from '../verification/verifier.js'

export interface MegviiRouteDeps {
  verifier: Verifier
  onError?: ((error: unknown, ctx: Context) => void) | undefined
  /** Least time between two notice-triggered fetches of one token. Default 5 s. */
  minIntervalMs?: number
}

/** The biz_token a notice names, if the notice is well formed. */
function bizTokenOf(body: unknown): string | undefined {
  const data = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['data'] : undefined
  if (typeof data !== 'string' || data.length > 4096) return undefined
  try {
    const parsed: unknown = JSON.parse(data)
    const token = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['biz_token'] : undefined
    return typeof token === 'string' ? token : undefined
  } catch {
    return undefined
  }
}

export function mountMegviiRoutes(router: Router, deps: MegviiRouteDeps): void {
  const { verifier } = deps
  const minIntervalMs = deps.minIntervalMs ?? 5000
  /** Tokens being fetched now, and when each was last fetched on a notice (pruned as it grows). */
  const inFlight = new Set<string>()
  const lastFetch = new Map<string, number>()

  router.post(MEGVII_NOTIFY_PATH, bodyParser({ enableTypes: ['form'], formLimit: '8kb' }), async function megviiNotify(ctx) {
    ctx.set('Cache-Control', 'no-store')
    const token = bizTokenOf(ctx.request.body)
    if (token === undefined) {
      ctx.status = 400
      ctx.body = 'bad notice'
      return
    }
    const record = isValidToken(token, 'megvii-h5') ? await verifier.ledger.get(token) : undefined
    if (!record || flowOf(record.kind).provider !== 'megvii') {
      // Not a biz_token of ours: nothing is fetched or written.
      ctx.status = 404
      ctx.body = 'unknown biz_token'
      return
    }
    ctx.status = 200
    ctx.body = 'OK'
    const now = Date.now()
    if (record.final || inFlight.has(token) || now - (lastFetch.get(token) ?? -Infinity) < minIntervalMs) return
    inFlight.add(token)
    lastFetch.set(token, now)
    if (lastFetch.size > 10_000) for (const [t, at] of lastFetch) if (now - at >= minIntervalMs) lastFetch.delete(t)
    // After the answer: Megvii is not kept waiting on get_result. The sweeper covers a failure.
    void verifier
      .refresh(record)
      .catch((error: unknown) => deps.onError?.(error, ctx))
      .finally(() => inFlight.delete(token))
  })

  router.get(MEGVII_DONE_PATH, function megviiDone(ctx) {
    ctx.set('Cache-Control', 'no-store')
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>验证结束</title><p>验证流程已结束，请返回。</p>'
  })
}
