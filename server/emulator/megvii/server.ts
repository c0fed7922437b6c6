/**
 * The Megvii emulator's HTTP side: `POST /lite/v1/get_biz_token` and `GET /lite/v1/get_result`
 * behind AppCode checking (the Aliyun API market's gateway), Megvii's error strings with their
 * HTTP statuses, injected faults; the sandbox H5 page; and `/sandbox/*` controls.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { EmulatorError } from '../errors.js'
import type { FaultInjector } from '../faults.js'
import { playTransportFault } from '../transport-faults.js'
import type { EmulatorLogger } from '../types.js'
import { flowPage, invalidPage, MEGVII_PRESETS } from './page.js'
import type { MegviiBizToken, MegviiOutcome, MegviiStore } from './store.js'

/** Megvii refuses requests above 20 MB. */
const MAX_BODY_BYTES = 20 * 1024 * 1024

/** When the notice goes out relative to the browser's return. */
export type MegviiNotifyMode = 'after-return' | 'before-return' | 'never'

export interface MegviiListenerDeps {
  store: MegviiStore
  faults: FaultInjector
  appCodes: ReadonlySet<string>
  calls: Record<string, number>
  logger: EmulatorLogger | undefined
  notify: () => MegviiNotifyMode
  /** Posts the notice of a finished token (counted on the token). */
  sendNotice: (record: MegviiBizToken) => Promise<void>
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new TooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...headers })
  res.end(body)
}

const json = (res: ServerResponse, status: number, body: unknown): void => send(res, status, JSON.stringify(body), 'application/json; charset=utf-8')

/** A Megvii error answer: its HTTP status and `{request_id, time_used, error}`. */
function apiError(res: ServerResponse, status: number, error: string): void {
  json(res, status, { request_id: `${Math.floor(Date.now() / 1000)},${randomUUID()}`, time_used: 1, error })
}

const isHttpUrl = (value: string | undefined): boolean => typeof value === 'string' && /^https?:\/\/\S+$/.test(value)

function getBizToken(form: URLSearchParams, appCode: string, deps: MegviiListenerDeps, res: ServerResponse): void {
  for (const key of ['return_url', 'notify_url', 'liveness_type']) if (!form.get(key)) return apiError(res, 400, `MISSING_ARGUMENTS:${key}`)
  for (const key of ['return_url', 'notify_url']) if (!isHttpUrl(form.get(key) ?? undefined)) return apiError(res, 400, `BAD_ARGUMENTS:${key}`)
  if (form.get('liveness_type') !== 'video_number') return apiError(res, 400, 'BAD_ARGUMENTS:liveness_type')
  const group = form.get('group') ?? '0'
  if (group !== '0' && group !== '1') return apiError(res, 400, 'BAD_ARGUMENTS:group')
  const comparison = form.get('comparison_type') ?? '1'
  if (comparison === '1' && group === '0') {
    for (const key of ['idcard_name', 'idcard_number']) if (!form.get(key)) return apiError(res, 400, `MISSING_ARGUMENTS:${key}`)
    if (!/^\d{17}[\dXx]$/.test(form.get('idcard_number') ?? '')) return apiError(res, 400, 'BAD_ARGUMENTS:idcard_number')
  }
  const bizNo = form.get('biz_no') ?? ''
  if (Buffer.byteLength(bizNo) > 128) return apiError(res, 400, 'BAD_ARGUMENTS:biz_no')
  const record = deps.store.issue({
    appCode,
    returnUrl: form.get('return_url')!,
    notifyUrl: form.get('notify_url')!,
    bizNo,
    idcardName: form.get('idcard_name') ?? '',
    idcardNumber: form.get('idcard_number') ?? '',
  })
  json(res, 200, { request_id: `${Math.floor(Date.now() / 1000)},${randomUUID()}`, time_used: 5, biz_token: record.token })
}

async function serveApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, deps: MegviiListenerDeps): Promise<void> {
  const action = path === '/lite/v1/get_biz_token' ? 'get_biz_token' : 'get_result'
  deps.calls[action] = (deps.calls[action] ?? 0) + 1
  const fault = deps.faults.decide()
  if (await playTransportFault(fault, req, res, { action, stallPrefix: '{"request_id":', errorStatus: 502, logger: deps.logger })) return
  if (fault.kind === 'rateLimit') return apiError(res, 429, 'CONCURRENCY_LIMIT_EXCEEDED')
  if (fault.kind === 'internalError') return apiError(res, 500, 'INTERNAL_ERROR')

  // The API market's gateway: no AppCode, or one it does not know, never reaches Megvii.
  const match = /^APPCODE (\S+)$/.exec(req.headers.authorization ?? '')
  if (!match || !deps.appCodes.has(match[1]!)) {
    return send(res, 403, '', 'text/plain', { 'X-Ca-Error-Message': match ? 'Invalid AppCode' : 'Unauthorized' })
  }
  let body: Buffer
  try {
    body = await readBody(req)
  } catch (error) {
    if (error instanceof TooLarge) return send(res, 413, 'Request Entity Too Large', 'text/plain', { Connection: 'close' })
    throw error
  }
  if (action === 'get_biz_token') {
    if (req.method !== 'POST') return apiError(res, 400, 'BAD_ARGUMENTS:method')
    return getBizToken(new URLSearchParams(body.toString('utf8')), match[1]!, deps, res)
  }
  if (req.method !== 'GET') return apiError(res, 400, 'BAD_ARGUMENTS:method')
  const token = query.get('biz_token')
  if (!token) return apiError(res, 400, 'MISSING_ARGUMENTS:biz_token')
  const record = deps.store.get(token)
  // Another AppCode's token is as unknown as a made-up one.
  if (!record || record.appCode !== match[1]) return apiError(res, 400, 'BAD_ARGUMENTS:biz_token')
  json(res, 200, deps.store.result(record, `${Math.floor(Date.now() / 1000)},${randomUUID()}`))
}

/** The page's form post: the flow ends, the notice goes out, the browser goes back. */
async function finishFlow(token: string, body: Buffer, deps: MegviiListenerDeps, res: ServerResponse): Promise<void> {
  const preset = MEGVII_PRESETS[new URLSearchParams(body.toString('utf8')).get('outcome') ?? '']
  const record = deps.store.usable(token)
  if (!record || !preset) return send(res, 200, invalidPage(), 'text/html; charset=utf-8')
  const { label: _label, ...outcome } = preset
  deps.store.complete(token, outcome)
  const mode = deps.notify()
  if (mode === 'before-return') await deps.sendNotice(record)
  else if (mode === 'after-return') setTimeout(() => void deps.sendNotice(record), 50)
  res.writeHead(303, { Location: record.returnUrl, 'Cache-Control': 'no-store', 'Content-Length': '0' })
  res.end()
}

export function createMegviiListener(deps: MegviiListenerDeps, control: { complete(token: string, outcome: MegviiOutcome): void }): RequestListener {
  return (req, res) => {
    const handle = async (): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://emulator.invalid')
      const path = url.pathname
      if (path === '/lite/v1/get_biz_token' || path === '/lite/v1/get_result') return serveApi(req, res, path, url.searchParams, deps)
      const page = /^\/lite\/v1\/do\/([^/]+)$/.exec(path)
      if (page) {
        const token = decodeURIComponent(page[1]!)
        if (req.method === 'POST') return finishFlow(token, await readBody(req), deps, res)
        const record = deps.store.usable(token)
        if (!record || record.startedAt !== undefined) return send(res, 200, invalidPage(), 'text/html; charset=utf-8')
        // Opening the page spends the token: Megvii's biz_token serves one flow only.
        deps.store.start(token)
        return send(res, 200, flowPage(token), 'text/html; charset=utf-8', { 'Cache-Control': 'no-store' })
      }
      if (path === '/sandbox/complete' && req.method === 'POST') {
        const input = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { token?: string; outcome?: string | MegviiOutcome }
        const outcome = typeof input.outcome === 'string' ? MEGVII_PRESETS[input.outcome] : input.outcome
        if (!input.token || !outcome) return json(res, 400, { error: { code: 'INVALID_OUTCOME', message: `Send { token, outcome: one of ${Object.keys(MEGVII_PRESETS).join(', ')} }` } })
        control.complete(input.token, outcome)
        return json(res, 200, { ok: true })
      }
      json(res, 404, { error: { code: 'NOT_FOUND', message: 'Not a Megvii FaceID lite endpoint' } })
    }
    handle().catch((error: unknown) => {
      const status = error instanceof EmulatorError ? 409 : 500
      if (status === 500) deps.logger?.error({ err: error }, 'megvii emulator request failed')
      if (!res.headersSent) json(res, status, { error: { code: error instanceof EmulatorError ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : 'failure' } })
      else res.destroy()
    })
  }
}
