/** SIMULATED verify_mpsdk `indexCom`: the SDK UI as a component (uni-app hosts it on its own page). */
import { current, finish, refuseRelease, type Choice } from './sandbox'

Component({
  properties: {
    /** The host page's `onLoad` query (the real SDK's page URL carries no token). */
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
      const choice = event.currentTarget.dataset.choice
      this.setData({ busy: true })
      // After a cancel (90100) the real SDK keeps its page open: the user may try again.
      void finish(choice).then(() => {
        if (choice === 'cancel') this.setData({ busy: false })
      })
    },
  },
})
