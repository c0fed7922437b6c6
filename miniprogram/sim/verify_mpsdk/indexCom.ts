/** SIMULATED verify_mpsdk `indexCom`: the SDK UI as a component (uni-app hosts it on its own page). */
import { current, finish, refuseRelease, type Choice } from './sandbox'

Component({
  properties: {
    /** The host page's `onLoad` query (`token`). */
    options: { type: Object, value: {} },
  },
  data: {
    token: '',
    busy: false,
  },
  lifetimes: {
    attached() {
      refuseRelease()
      const pending = current()
      this.setData({ token: pending ? `${pending.token.slice(0, 8)}…` : '' })
    },
  },
  methods: {
    onChoose(event: WechatMiniprogram.TouchEvent<Record<string, never>, Record<string, never>, { choice: Choice }>) {
      if (this.data.busy) return
      this.setData({ busy: true })
      void finish(event.currentTarget.dataset.choice)
    },
  },
})
