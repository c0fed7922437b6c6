/**
 * The HTTP side of the WeBank mode: WeBank's `kyc1` paths (JSON answers with `code`/`msg`, HTTP
 * 200 even for refusals, as WeBank answers), the H5 login page, and `/sandbox/webank/*` controls.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { FaultInjector } from '../faults.js'
import { playTransportFault } from '../transport-faults.js'
import type { QpsLimiter } from '../ratelimit.js'
import type { EmulatorLogger } from '../types.js'
import { errorPage, finishPage, loginPage } from './page.js'
import type { PageReply } from '../sandbox-page.js'
import { WEBANK_CODES, WebankRefusal, type WebankCodeName, type WebankOutcome, type WebankStore } from './store.js'

/** The endpoints QPS caps and call counts are kept under. */
export type WebankEndpoint = 'access_token' | 'api_ticket' | 'getAdvFaceId' | 'queryfacerecord' | 'web_login' | 'sdk_login'

const ROUTES: Readonly<Record<string, { method: 'GET' | 'POST'; endpoint: WebankEndpoint }>> = {
  '/api/oauth2/access_token': { method: 'GET', endpoint: 'access_token' },
  '/api/oauth2/api_ticket': { method: 'GET', endpoint: 'api_ticket' },
  '/api/server/getAdvFaceId': { method: 'POST', endpoint: 'getAdvFaceId' },
  '/api/server/getPlusFaceId': { method: 'POST', endpoint: 'getAdvFaceId' },
  '/api/v2/base/queryfacerecord': { method: 'POST', endpoint: 'queryfacerecord' },
  '/api/web/login': { method: 'GET', endpoint: 'web_login' },
  // The native SDK's own login, which the partner never calls: the sandbox's stand-in for the App SDK.
  '/sandbox/webank/sdk/login': { method: 'POST', endpoint: 'sdk_login' },
}

export interface WebankServerDeps {
  store: WebankStore
  faults: FaultInjector
  limiter: QpsLimiter<WebankEndpoint>
  calls: Record<string, number>
  now: () => number
  logger: EmulatorLogger | undefined
  /** Sandbox control: the outcome of an order, as the user's face would decide it. */
  complete(orderNo: string, outcome: WebankOutcome): void
  setFaults(input: unknown): void
  rotateSecret(appId: string, secret?: string): void
}

const MAX_BODY_BYTES = 2 * 1024 * 1024

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) })
  res.end(payload)
}

function sendPage(res: ServerResponse, page: PageReply): void {
  res.writeHead(page.status, { ...page.headers, 'Content-Length': String(Buffer.byteLength(page.body)) })
  res.end(page.body)
}

const transactionTime = (now: number): string => new Date(now + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14)
const bizSeqNo = (): string => `${Date.now()}${Math.floor(Math.random() * 1e9)}`.padEnd(32, '0').slice(0, 32)

function refusal(reason: WebankCodeName, now: number, detail?: string): Record<string, unknown> {
  const [code, msg] = WEBANK_CODES[reason]
  return { code, msg: detail ?? msg, bizSeqNo: bizSeqNo(), transactionTime: transactionTime(now), success: false }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** One API call to its JSON answer; a `WebankRefusal` becomes WeBank's refusal body. */
function runApi(endpoint: WebankEndpoint, query: URLSearchParams, body: Record<string, unknown>, host: string, deps: WebankServerDeps): Record<string, unknown> {
  const { store } = deps
  const now = deps.now()
  const ok = (extra: Record<string, unknown>) => ({ code: '0', msg: '请求成功', bizSeqNo: bizSeqNo(), transactionTime: transactionTime(now), ...extra })
  switch (endpoint) {
    case 'access_token': {
      const appId = query.get('appId') ?? query.get('appid') ?? ''
      if (!appId || !query.get('secret') || query.get('grant_type') !== 'client_credential' || !query.get('version')) throw new WebankRefusal('badParams')
      const token = store.issueAccessToken(appId, query.get('secret') ?? '')
      return ok({ access_token: token.value, expire_in: String(token.expireIn), expire_time: transactionTime(now + token.expireIn * 1000) })
    }
    case 'api_ticket': {
      const appId = query.get('appId') ?? query.get('appid') ?? ''
      const type = query.get('type')
      const accessToken = query.get('access_token') ?? ''
      if (!appId || !query.get('version') || (type !== 'SIGN' && type !== 'NONCE')) throw new WebankRefusal('badParams')
      let ticket: { value: string; expireIn: number }
      if (type === 'SIGN') ticket = store.issueSignTicket(appId, accessToken)
      else {
        const userId = query.get('user_id') ?? ''
        if (!/^[A-Za-z0-9]{1,32}$/.test(userId)) throw new WebankRefusal('badParams', '请求参数异常（user_id）')
        ticket = store.issueNonceTicket(appId, accessToken, userId)
      }
      return ok({ tickets: [{ value: ticket.value, expire_in: String(ticket.expireIn), expire_time: transactionTime(now + ticket.expireIn * 1000) }] })
    }
    case 'getAdvFaceId': {
      const appId = str(body['appId'])
      const orderNo = str(body['orderNo'])
      const userId = str(body['userId'])
      const version = str(body['version'])
      const nonce = str(body['nonce'])
      if (!appId || !/^[A-Za-z0-9]{1,32}$/.test(orderNo) || !/^[A-Za-z0-9]{1,32}$/.test(userId) || version !== '1.0.0' || !/^[A-Za-z0-9]{32}$/.test(nonce)) throw new WebankRefusal('badParams')
      if (query.get('orderNo') !== orderNo) throw new WebankRefusal('badParams', '请求参数异常（URL 中的 orderNo）')
      store.checkSignTicketSign(appId, [appId, userId, version, nonce], body['sign'])
      const name = str(body['name'])
      const idNo = str(body['idNo'])
      // Authoritative comparison needs both; a partner photo needs neither.
      if ((name === '') !== (idNo === '') || (name === '' && !body['sourcePhotoStr'])) throw new WebankRefusal('badParams', '请求参数异常（姓名和证件号）')
      const order = store.createOrder({ appId, orderNo, userId, authoritative: name !== '' })
      // The H5 login runs on this host, as WeBank names one of its own.
      return ok({ result: { bizSeqNo: bizSeqNo(), transactionTime: transactionTime(now), orderNo, faceId: order.faceId, optimalDomain: host, success: false } })
    }
    case 'queryfacerecord': {
      const appId = str(body['appId'])
      const orderNo = str(body['orderNo'])
      const version = str(body['version'])
      const nonce = str(body['nonce'])
      if (!appId || !orderNo || version !== '1.0.0' || !/^[A-Za-z0-9]{32}$/.test(nonce)) throw new WebankRefusal('badParams')
      store.checkSignTicketSign(appId, [appId, orderNo, version, nonce], body['sign'])
      const order = store.order(orderNo)
      if (!order || order.appId !== appId || order.code === undefined) return refusal('notFinished', now)
      const getFile = str(body['getFile'])
      const result: Record<string, unknown> = {
        orderNo,
        liveRate: order.code === '0' ? '99' : '42',
        similarity: order.code === '0' ? '88.01' : '31.20',
        occurredTime: transactionTime(order.finishedAt ?? now),
        appId,
        bizSeqNo: bizSeqNo(),
        sdkVersion: '1.0.0',
        trtcFlag: 'N',
      }
      // Tiny stand-ins for the evidence: enough to show they must be sealed, never sent on.
      if (getFile === '1' || getFile === '2') result['photo'] = Buffer.from(`photo:${orderNo}`).toString('base64')
      if (getFile === '1' || getFile === '3') result['video'] = Buffer.from(`video:${orderNo}`).toString('base64')
      const [, msg] = order.code === '0' ? WEBANK_CODES.ok : ['', '核身失败']
      return { code: order.code, msg, bizSeqNo: bizSeqNo(), transactionTime: transactionTime(now), result }
    }
    case 'sdk_login': {
      const appId = str(body['appId'])
      const userId = str(body['userId'])
      const version = str(body['version'])
      const nonce = str(body['nonce'])
      if (!appId || !userId || version !== '1.0.0' || !/^[A-Za-z0-9]{32}$/.test(nonce)) throw new WebankRefusal('badParams')
      store.useNonceTicket(appId, userId, [appId, userId, version, nonce], body['sign'])
      store.login(str(body['orderNo']), str(body['faceId']), userId)
      return ok({})
    }
    case 'web_login':
      throw new Error('web_login is a page')
  }
}

export function createWebankListener(deps: WebankServerDeps): RequestListener {
  return (req, res) => {
    const arrivedAt = deps.now()
    const handle = async (): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://emulator.invalid')
      const path = url.pathname
      const method = req.method ?? 'GET'
      const body = await readBody(req)
      if (body === undefined) return sendJson(res, 413, { code: '66660000', msg: '请求参数异常（报文过大）' })

      if (path.startsWith('/sandbox/webank/h5/') && method === 'POST') {
        const orderNo = decodeURIComponent(path.slice('/sandbox/webank/h5/'.length))
        return sendPage(res, finishPage(orderNo, new URLSearchParams(body.toString('utf8')), deps.store))
      }
      if (path.startsWith('/sandbox/webank/') && ROUTES[path] === undefined) return sendJson(res, ...control(path, method, body, deps))

      const route = ROUTES[path]
      if (!route) return sendJson(res, 404, { code: '404', msg: 'Not found' })
      if (method !== route.method) return sendJson(res, 405, { code: '405', msg: `Use ${route.method}` })
      deps.calls[route.endpoint] = (deps.calls[route.endpoint] ?? 0) + 1

      const fault = deps.faults.decide()
      if (await playTransportFault(fault, req, res, { action: route.endpoint, stallPrefix: '{"code":', errorStatus: 502, logger: deps.logger })) return
      const now = deps.now()
      if (fault.kind === 'rateLimit' || !deps.limiter.check(route.endpoint, 'all', arrivedAt).ok) return sendJson(res, 200, refusal('rateLimited', now))
      if (fault.kind === 'internalError') return sendJson(res, 200, refusal('internal', now))

      if (route.endpoint === 'web_login') {
        const page = loginPage(url.searchParams, deps.store)
        deps.logger?.info({ endpoint: route.endpoint, status: page.status }, 'webank page')
        return sendPage(res, page)
      }
      let parsed: Record<string, unknown> = {}
      if (method === 'POST') {
        try {
          const value: unknown = JSON.parse(body.toString('utf8') || '{}')
          if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
          parsed = value as Record<string, unknown>
        } catch {
          return sendJson(res, 200, refusal('badParams', now))
        }
      }
      let answer: Record<string, unknown>
      try {
        answer = runApi(route.endpoint, url.searchParams, parsed, req.headers.host ?? '127.0.0.1', deps)
      } catch (e) {
        if (!(e instanceof WebankRefusal)) throw e
        answer = refusal(e.reason, now, e.message)
      }
      // Endpoint and code only: bodies hold names, ID numbers and secrets.
      deps.logger?.info({ endpoint: route.endpoint, code: answer['code'] }, 'webank request')
      sendJson(res, 200, answer)
    }
    handle().catch((e: unknown) => {
      deps.logger?.error({ err: e }, 'webank emulator request failed')
      if (!res.headersSent) sendPage(res, errorPage(500, '模拟器内部错误。'))
      else res.destroy()
    })
  }
}

/** `/sandbox/webank/*`: complete an order, set faults, rotate a secret. */
function control(path: string, method: string, body: Buffer, deps: WebankServerDeps): [number, unknown] {
  if (method !== 'POST') return [405, { error: { code: 'METHOD', message: 'Use POST' } }]
  let input: Record<string, unknown>
  try {
    input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>
  } catch {
    return [400, { error: { code: 'INVALID_OPTIONS', message: 'Send JSON' } }]
  }
  try {
    if (path === '/sandbox/webank/complete') {
      const outcome = input['outcome']
      if (outcome !== 'passed' && outcome !== 'failed' && outcome !== 'abandoned') return [400, { error: { code: 'INVALID_OUTCOME', message: 'outcome: passed | failed | abandoned' } }]
      deps.complete(str(input['orderNo']), outcome === 'failed' ? { outcome, ...(typeof input['code'] === 'string' ? { code: input['code'] } : {}) } : { outcome })
      return [200, { ok: true }]
    }
    if (path === '/sandbox/webank/faults') {
      deps.setFaults(input)
      return [200, { ok: true }]
    }
    if (path === '/sandbox/webank/rotate-secret') {
      deps.rotateSecret(str(input['appId']), typeof input['secret'] === 'string' ? input['secret'] : undefined)
      return [200, { ok: true }]
    }
  } catch (e) {
    return [400, { error: { code: 'INVALID_OPTIONS', message: e instanceof Error ? e.message : 'refused' } }]
  }
  return [404, { error: { code: 'NOT_FOUND', message: 'No such sandbox control' } }]
}
