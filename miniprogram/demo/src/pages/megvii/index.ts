import { describeEvent, type LogEntry } from '../../event-log'

Page({
  data: { log: [] as LogEntry[], status: '' },
  onEvent(event: WechatMiniprogram.CustomEvent) {
    const entry = describeEvent(event)
    this.setData({ log: [entry, ...this.data.log].slice(0, 20), status: entry.status ?? this.data.status })
  },
})
