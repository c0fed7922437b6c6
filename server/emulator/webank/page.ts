/**
 * The sandbox's stand-in for WeBank's H5 face page. `GET /api/web/login` (WeBank's own path)
 * checks the NONCE-signed login and shows a page where the user picks how the verification
 * ends; `POST /sandbox/webank/h5/:orderNo` plays that outcome and sends the browser to the
 * login's `url` with `code`, `orderNo`, `h5faceId`, `newSignature` (over the WBappid, the order
 * number and the code, with the current SIGN ticket) and `liveRate`, as WeBank does. Leaving
 * half-way sends code 3003 and leaves the order unfinished.
 */
import crypto from 'node:crypto'
import { emulatorSign, WebankRefusal, type WebankOrder, type WebankStore } from './store.js'
import { escapeHtml, sandboxPage, type PageReply } from '../sandbox-page.js'

const FAILURE_CODES: ReadonlyArray<readonly [string, string]> = [
  ['66660004', '无法确认为同一人'],
  ['66660010', '姓名和身份证不一致，请确认'],
  ['66660023', '疑似非真人，请确保本人操作且正脸对框'],
  ['66660017', '验证次数超限'],
]

/** WeBank's front-end code for a verification left half-way. */
const INTERRUPTED_CODE = '3003'

export function errorPage(status: number, message: string): PageReply {
  return sandboxPage(status, '人脸核身', `<h1>无法继续核身</h1><p>${escapeHtml(message)}</p>`)
}

/** `GET /api/web/login`: WeBank checks the signature (NONCE ticket, used up here) and the faceId, then shows the face page. */
export function loginPage(query: URLSearchParams, store: WebankStore): PageReply {
  const get = (name: string): string => query.get(name) ?? ''
  const appId = get('appId')
  const userId = get('userId')
  const orderNo = get('orderNo')
  const faceId = get('faceId')
  const version = get('version')
  const nonce = get('nonce')
  const url = get('url')
  if (!appId || !userId || !orderNo || !faceId || version !== '1.0.0' || !/^[A-Za-z0-9]{32}$/.test(nonce) || !isHttpUrl(url)) return errorPage(400, '请求参数异常。')
  let order: WebankOrder
  try {
    store.useNonceTicket(appId, userId, [appId, userId, orderNo, version, faceId, nonce], query.get('sign'))
    order = store.login(orderNo, faceId, userId, url)
  } catch (e) {
    if (e instanceof WebankRefusal) return errorPage(e.reason === 'badSign' ? 403 : 400, e.reason === 'badSign' ? '签名不合法。' : e.message)
    throw e
  }
  const action = `/sandbox/webank/h5/${encodeURIComponent(order.orderNo)}`
  const session = `<input type="hidden" name="session" value="${escapeHtml(order.pageSession ?? '')}">`
  const options = FAILURE_CODES.map(([code, text]) => `<option value="${code}">${code} ${escapeHtml(text)}</option>`).join('')
  return sandboxPage(
    200,
    '人脸核身（沙箱）',
    `<h1>人脸核身（沙箱）</h1>
<p>这是模拟器的刷脸页面，代替微众银行的 H5 页面。请选择本次核身的结果：</p>
<form method="post" action="${action}">${session}
  <button class="pass" type="submit" name="outcome" value="passed">核身通过</button>
</form>
<form method="post" action="${action}">${session}
  <label>失败原因 <select name="code">${options}</select></label>
  <button class="fail" type="submit" name="outcome" value="failed">核身失败</button>
</form>
<form method="post" action="${action}">${session}
  <button class="abandon" type="submit" name="outcome" value="abandoned">中途退出</button>
</form>
<p class="note">结果以合作方服务端查询为准。</p>`,
  )
}

/** `POST /sandbox/webank/h5/:orderNo`: the user's choice, then the redirect to the login's `url`. */
export function finishPage(orderNo: string, form: URLSearchParams, store: WebankStore): PageReply {
  const order = store.order(orderNo)
  const session = form.get('session') ?? ''
  if (!order || !order.callbackUrl || !order.pageSession || !sameText(order.pageSession, session)) return errorPage(403, '页面已失效，请返回重新发起。')
  const outcome = form.get('outcome')
  // One page, one ending: the session is spent whatever the choice.
  order.pageSession = undefined
  let code: string
  if (outcome === 'passed') code = store.complete(orderNo, { outcome: 'passed' }).code!
  else if (outcome === 'failed') code = store.complete(orderNo, { outcome: 'failed', code: FAILURE_CODES.some(([c]) => c === form.get('code')) ? form.get('code')! : '66660004' }).code!
  else code = INTERRUPTED_CODE
  const ticket = store.currentSignTicket(order.appId)
  const target = new URL(order.callbackUrl)
  target.searchParams.set('code', code)
  target.searchParams.set('orderNo', order.orderNo)
  target.searchParams.set('h5faceId', order.faceId)
  target.searchParams.set('newSignature', ticket ? emulatorSign([order.appId, order.orderNo, code], ticket) : '')
  if (code === '0') target.searchParams.set('liveRate', '99')
  return { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }, body: '' }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}
