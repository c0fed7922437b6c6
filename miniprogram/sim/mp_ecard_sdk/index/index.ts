/**
 * SIMULATED mp_ecard_sdk page: the `needJumpPage` confirm page ("确认进入"), and — in the
 * sandbox — a stand-in for the eID mini-program where the demo user picks the outcome.
 */
import { jumpToEid } from '../main'
import { finishEmulated, refuseRelease, type Choice } from '../sandbox'

Page({
  data: { token: '', emulate: false, busy: false },
  onLoad(query: Record<string, string | undefined>) {
    refuseRelease()
    this.setData({ token: query.token ?? '', emulate: query.emulate === 'true' })
  },
  onConfirm() {
    jumpToEid()
  },
  onChoose(event: WechatMiniprogram.TouchEvent<Record<string, never>, Record<string, never>, { choice: Choice }>) {
    if (this.data.busy) return
    this.setData({ busy: true })
    void finishEmulated(this.data.token, event.currentTarget.dataset.choice)
  },
})
