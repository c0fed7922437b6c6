import { describeEvent, type LogEntry } from '../../event-log'

Page({
  data: { log: [] as LogEntry[], status: '', embedded: false, needJumpPage: false },
  onEvent(event: WechatMiniprogram.CustomEvent) {
    const entry = describeEvent(event)
    this.setData({ log: [entry, ...this.data.log].slice(0, 20), status: entry.status ?? this.data.status })
  },
  onEmbedded(event: WechatMiniprogram.SwitchChange) {
    this.setData({ embedded: event.detail.value })
  },
  onNeedJumpPage(event: WechatMiniprogram.SwitchChange) {
    this.setData({ needJumpPage: event.detail.value })
  },
})
