/**
 * The sandbox's stand-in for Tencent's H5 pages (the `Url` of DetectAuth and GetEidToken):
 * `GET /sandbox/h5/:token` shows a small page where the user picks how the verification ends, and
 * `POST /sandbox/h5/:token` plays that outcome and sends the browser to `RedirectUrl` as Tencent
 * does — the BizToken as `BizToken=` (人脸核身), the EidToken as `token=` (E证通). Without a
 * `RedirectUrl` Tencent shows its own page; so does this one. An expired or unknown token gets an
 * error page and no redirect.
 */
import { EmulatorError } from './errors.js'
import { DEFAULT_FAILURE_CODE, resultMessage } from './codes.js'
import type { StoredToken } from './store.js'
import type { SandboxDeps } from './sandbox.js'
import type { SandboxOutcome } from './types.js'
import { escapeHtml, sandboxPage, type PageReply } from './sandbox-page.js'

/** Failure codes offered on the page (any positive code can be typed in). */
const FAILURE_CODES = [2016, 2006, 1002, 1001, 2004, 2005] as const

const PAGE_PATH = /^\/sandbox\/h5\/([^/]+)$/

export function isH5PagePath(path: string): boolean {
  return PAGE_PATH.test(path)
}

function productName(stored: StoredToken): string {
  return stored.kind === 'face' ? '人脸核身' : 'E证通'
}

function choicePage(stored: StoredToken): PageReply {
  const action = `/sandbox/h5/${encodeURIComponent(stored.token)}`
  const options = FAILURE_CODES.map((code) => `<option value="${code}"${code === DEFAULT_FAILURE_CODE ? ' selected' : ''}>${code} ${escapeHtml(resultMessage(code))}</option>`).join('')
  return sandboxPage(
    200,
    `${productName(stored)}（沙箱）`,
    `<h1>${productName(stored)}（沙箱）</h1>
<p>这是模拟器的核身页面，代替腾讯云的 H5 页面。请选择本次核身的结果：</p>
<form method="post" action="${action}">
  <button class="pass" type="submit" name="outcome" value="passed">核身通过</button>
</form>
<form method="post" action="${action}">
  <label>失败原因 <select name="code">${options}</select></label>
  <button class="fail" type="submit" name="outcome" value="failed">核身失败</button>
</form>
<form method="post" action="${action}">
  <button class="abandon" type="submit" name="outcome" value="abandoned">放弃核身</button>
</form>
<p class="note">令牌有效期至 ${escapeHtml(new Date(stored.expiresAt).toISOString())}。结果以服务端查询为准。</p>`,
  )
}

function errorPage(status: number, message: string): PageReply {
  return sandboxPage(status, '核身失败', `<h1>无法继续核身</h1><p>${escapeHtml(message)}</p>`)
}

/** Where Tencent sends the browser: `RedirectUrl` with the token added to its query. */
function redirectTarget(stored: StoredToken): string | undefined {
  if (!stored.redirectUrl) return undefined
  let url: URL
  try {
    url = new URL(stored.redirectUrl)
  } catch {
    return undefined
  }
  url.searchParams.set(stored.kind === 'face' ? 'BizToken' : 'token', stored.token)
  return url.toString()
}

function outcomeOf(form: URLSearchParams): SandboxOutcome | undefined {
  const outcome = form.get('outcome')
  if (outcome === 'passed' || outcome === 'abandoned') return { outcome }
  if (outcome !== 'failed') return undefined
  const text = form.get('code')
  if (text === null || text === '') return { outcome }
  if (!/^\d{1,9}$/.test(text)) return undefined
  return { outcome, code: Number(text) }
}

export function handleH5Page(method: string, path: string, contentType: string, body: Buffer, deps: SandboxDeps): PageReply {
  let token: string
  try {
    token = decodeURIComponent(PAGE_PATH.exec(path)?.[1] ?? '')
  } catch {
    return errorPage(404, '核身链接无效。')
  }
  const stored = deps.store.get(token)
  if (!stored) return errorPage(404, '核身链接无效。')
  if (deps.now() > stored.expiresAt) return errorPage(410, '核身链接已过期，请返回重新发起。')
  if (method === 'GET') return choicePage(stored)
  if (method !== 'POST') return errorPage(405, '不支持的请求。')
  if (contentType !== 'application/x-www-form-urlencoded') return errorPage(415, '请求格式不正确。')
  const outcome = outcomeOf(new URLSearchParams(body.toString('utf8')))
  if (!outcome) return errorPage(400, '请选择核身结果。')
  try {
    deps.complete(token, outcome)
  } catch (e) {
    if (e instanceof EmulatorError) return errorPage(e.code === 'TOKEN_EXPIRED' ? 410 : 409, e.code === 'TOKEN_FINAL' ? '本次核身已完成。' : '无法完成本次核身。')
    throw e
  }
  const target = redirectTarget(stored)
  if (!target) return sandboxPage(200, '核身结束', '<h1>核身结束</h1><p>未设置回跳地址（RedirectUrl），腾讯云此时会打开人脸核身产品介绍页。</p>')
  return { status: 302, headers: { Location: target, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'Content-Length': '0' }, body: '' }
}
