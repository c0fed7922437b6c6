/**
 * The sandbox's demo of the web (H5) flows, served by the standalone server at `/demo/h5`: it
 * signs in as a demo user, asks the server for an H5 token, opens the emulator's page (`url`),
 * and — as the partner page the return route sends the browser back to — confirms the outcome
 * with the server. The status in the address is only a hint; the verdict shown is the server's.
 */
import crypto from 'node:crypto'
import { FLOWS } from '@faceid-kit/shared'

export const DEMO_H5_PATH = '/demo/h5'

/** The page, with a fresh nonce for its one script. */
export function demoH5Page(prefix: string, options: { megvii?: boolean; webank?: boolean } = {}): { html: string; csp: string } {
  const nonce = crypto.randomBytes(16).toString('base64')
  const paths = { face: `${prefix}${FLOWS['face-h5'].path}`, eid: `${prefix}${FLOWS['eid-h5'].path}`, megvii: `${prefix}${FLOWS['megvii-h5'].path}`, webank: `${prefix}${FLOWS['webank-h5'].path}` }
  const html = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faceid-kit H5 演示（沙箱）</title>
<style nonce="${nonce}">
body { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; padding: 24px; background: #f5f6f7; color: #222; }
main { max-width: 460px; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; }
h1 { font-size: 20px; margin: 0 0 12px; }
button { display: block; width: 100%; padding: 12px; margin: 12px 0 0; font-size: 16px; border: 0; border-radius: 8px; background: #07c160; color: #fff; }
button.secondary { background: #eee; color: #222; }
input { font-size: 15px; padding: 6px; width: 60%; }
.box { margin-top: 16px; padding: 12px; border-radius: 8px; background: #f7f7f7; }
.hint { color: #888; font-size: 13px; }
[hidden] { display: none; }
</style>
</head>
<body><main>
<h1>faceid-kit H5 核身演示（沙箱）</h1>
<section id="start">
  <label>演示用户 <input id="userId" value="demo-user" maxlength="128"></label>
  <button id="start-face" type="button">开始人脸核身（H5）</button>
  <button id="start-eid" type="button">开始 E证通核身（H5）</button>
  ${options.megvii ? '<button id="start-megvii" type="button">开始人脸核身（旷视 FaceID，H5）</button>' : ''}
  ${options.webank ? '<button id="start-webank" type="button">开始人脸核身（移动端 H5，微众协议）</button>' : ''}
  <p class="hint">沙箱模式：核身页面由内置模拟器提供，可选择通过、失败或放弃。</p>
</section>
<section id="result" class="box" hidden>
  <p>跳转携带的状态（仅供参考，未经确认）：<span id="redirect-status"></span></p>
  <p>服务端结论：<strong id="verdict" data-status="">查询中…</strong></p>
  <p id="detail" class="hint"></p>
  <button id="refresh" class="secondary" type="button">重新查询</button>
  <button id="again" class="secondary" type="button">再来一次</button>
</section>
<section id="refused" class="box" hidden>
  <p>本次返回未被接受：<strong id="error"></strong></p>
  <button id="back" class="secondary" type="button">返回</button>
</section>
<p id="problem" class="hint" role="alert"></p>
</main>
<script nonce="${nonce}">
const PATHS = ${JSON.stringify(paths)}
const LABELS = { passed: '核身通过', failed: '核身未通过', pending: '尚无结果', expired: '已过期' }
const REFUSALS = { malformed: '返回地址不完整', unknown: '无法识别的核身令牌', expired: '核身令牌已过期', unavailable: '服务暂时不可用', replayed: '该返回已处理过' }
const $ = (id) => document.getElementById(id)
const problem = (text) => { $('problem').textContent = text }

async function call(method, path, body) {
  const session = sessionStorage.getItem('faceid-demo-session')
  const headers = { 'Content-Type': 'application/json' }
  if (session) headers.Authorization = 'Bearer ' + session
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const json = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error((json.error && json.error.message) || ('HTTP ' + res.status))
  return json
}

async function start(kind) {
  problem('')
  try {
    // Megvii compares the user with the authority's photo of an identity the partner holds: the sandbox's stands in.
    // WeBank's too: the identity always comes from the partner's side, never from this page's user.
    const identity = kind === 'megvii' || kind === 'webank' ? { identity: { name: '张小宝', idCard: '11204416541220243X' } } : {}
    const login = await call('POST', '/auth/dev-login', { userId: $('userId').value.trim(), ...identity })
    sessionStorage.setItem('faceid-demo-session', login.token)
    const issued = await call('POST', PATHS[kind], {})
    // The partner page knows what it started: the return carries only the token and a status.
    sessionStorage.setItem('faceid-demo-kind:' + issued.token, kind)
    location.assign(issued.url)
  } catch (error) {
    problem('无法开始核身：' + error.message)
  }
}

async function confirmResult(token) {
  const kind = sessionStorage.getItem('faceid-demo-kind:' + token)
  const verdict = $('verdict')
  if (!kind) {
    verdict.textContent = '无法确认：这个令牌不是本页面发起的'
    verdict.dataset.status = 'unconfirmed'
    return
  }
  try {
    const result = await call('GET', PATHS[kind] + '/' + encodeURIComponent(token))
    verdict.textContent = LABELS[result.status] || result.status
    verdict.dataset.status = result.status
    $('detail').textContent = [result.code !== undefined ? '返回码 ' + result.code : '', result.message || ''].filter(Boolean).join('：')
  } catch (error) {
    verdict.textContent = '无法确认：' + error.message
    verdict.dataset.status = 'unconfirmed'
  }
}

const query = new URLSearchParams(location.search)
$('start-face').addEventListener('click', () => start('face'))
$('start-eid').addEventListener('click', () => start('eid'))
if ($('start-megvii')) $('start-megvii').addEventListener('click', () => start('megvii'))
if ($('start-webank')) $('start-webank').addEventListener('click', () => start('webank'))
$('again').addEventListener('click', () => location.assign(location.pathname))
$('back').addEventListener('click', () => location.assign(location.pathname))
if (query.has('error')) {
  $('start').hidden = true
  $('refused').hidden = false
  $('error').textContent = REFUSALS[query.get('error')] || query.get('error')
  $('error').dataset.error = query.get('error')
} else if (query.has('token')) {
  const token = query.get('token')
  $('start').hidden = true
  $('result').hidden = false
  $('redirect-status').textContent = query.get('status') || ''
  $('refresh').addEventListener('click', () => confirmResult(token))
  confirmResult(token)
}
</script>
</body>
</html>
`
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
  return { html, csp }
}
