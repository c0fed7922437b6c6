/**
 * The sandbox stand-in for Megvii's H5 page (`/lite/v1/do/<biz_token>`): the user picks how the
 * flow ends; the page then POSTs the notice to notify_url and sends the browser to return_url,
 * as Megvii does. Nothing is appended to return_url: Megvii documents no parameters there.
 */
import { escapeHtml } from '../sandbox-page.js'
import type { MegviiOutcome } from './store.js'

/** The endings the sandbox page offers, by name (also accepted by the control surface). */
export const MEGVII_PRESETS: Readonly<Record<string, MegviiOutcome & { label: string }>> = {
  pass: { resultCode: 1000, resultMessage: 'SUCCESS', confidence: 86.4735, label: '比对通过' },
  'low-confidence': { resultCode: 1000, resultMessage: 'SUCCESS', confidence: 65.2, label: '比对通过（置信度低于 1e-4 阈值）' },
  'not-same': { resultCode: 2000, resultMessage: 'PASS_LIVING_NOT_THE_SAME', confidence: 30.5, label: '不是同一人' },
  'id-mismatch': { resultCode: 3000, resultMessage: 'ID_NUMBER_NAME_NOT_MATCH', label: '身份证号和姓名不符' },
  'liveness-fail': { resultCode: 4100, resultMessage: 'FAIL_LIVING_FACE_ATTACK', label: '活体验证失败' },
  'no-audio': { resultCode: 4200, resultMessage: 'NO_AUDIO', label: '视频无声音' },
  'user-cancel': { resultCode: 6000, resultMessage: 'USER_CANCEL', label: '用户退出' },
}

/** The page of a usable biz_token. */
export function flowPage(token: string): string {
  const buttons = Object.entries(MEGVII_PRESETS)
    .map(([name, p]) => `<button type="submit" name="outcome" value="${name}" id="megvii-${name}">${escapeHtml(p.label)}</button>`)
    .join('\n')
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>FaceID 沙箱</title></head>
<body><h1>FaceID 身份验证（沙箱）</h1><p>请朗读数字：<b>3 8 1 6</b></p>
<form method="post" action="/lite/v1/do/${encodeURIComponent(token)}">${buttons}</form></body></html>`
}

/** Megvii's page for an unknown, expired or spent biz_token. */
export function invalidPage(): string {
  return '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>FaceID</title></head><body><p id="megvii-invalid">无效请求，或当前请求已过期</p></body></html>'
}
