/** Turns a component event into a log line for the demo pages (values are already masked). */
export interface LogEntry {
  id: number
  at: string
  name: string
  text: string
  status?: string
}

let counter = 0

const NAMES: Record<string, string> = { start: '开始', result: '结果', pending: '待定', error: '出错', cancel: '取消' }

export function describeEvent(event: WechatMiniprogram.CustomEvent): LogEntry {
  const detail = (event.detail ?? {}) as Record<string, unknown>
  const at = new Date().toTimeString().slice(0, 8)
  const entry: LogEntry = { id: ++counter, at, name: NAMES[event.type] ?? event.type, text: JSON.stringify(detail) }
  if (event.type === 'result' && typeof detail.status === 'string') entry.status = detail.status
  if (event.type === 'cancel') entry.status = 'cancelled'
  if (event.type === 'pending') entry.status = 'pending'
  return entry
}
