/**
 * <megvii-verify>: Megvii FaceID lite in a mini-program, a separate entry (it does not load
 * Tencent's SDK wrappers, so it adds nothing to the face + eID footprint). One tap asks the
 * server for a biz_token and hosts Megvii's `faceid-verify` (faceid-components) with it; the run
 * (core/megvii) settles on Megvii's `onFinish`, the user leaving, or the page going away, always
 * with the server's verdict.
 * Events: start {token}, result (VerificationResult), pending {token}, cancel {token, reason},
 * error {code, message, retryable, token?}.
 */
import { kit } from '../index'
import { kitErrorInfo, startMegviiRun, type MegviiFinishDetail, type MegviiRun } from '../core/megvii'
import { serverOverrides } from '../shared/component-helpers'

/** The run on screen, per component instance (not in `data`: setData would copy it). */
const runs = new WeakMap<object, MegviiRun>()
/** Instances already detached: nothing to draw any more. */
const gone = new WeakSet<object>()

Component({
  externalClasses: ['custom-class'],
  properties: {
    /** Server origin; defaults to `configure({ baseUrl })`. */
    baseUrl: { type: String, value: '' },
    /** Request headers (e.g. Authorization); defaults to `configure({ header })`. */
    header: { type: Object, value: {} },
    text: { type: String, value: '开始人脸核身' },
    busyText: { type: String, value: '核验中…' },
    backText: { type: String, value: '退出核身' },
    disabled: { type: Boolean, value: false },
    /** After `complete`: how long (ms) the server may take to hold the verdict. */
    verdictTimeout: { type: Number, value: 6000 },
  },
  data: {
    busy: false,
    /** The biz_token Megvii's component runs with; empty while it is not shown. */
    token: '',
  },
  lifetimes: {
    detached() {
      gone.add(this)
      // The page is unloading (the user went back) with Megvii's component still open.
      runs.get(this)?.unloaded()
    },
  },
  pageLifetimes: {
    show() {
      runs.get(this)?.shown()
    },
  },
  methods: {
    onTap() {
      if (this.data.disabled || this.data.busy) return
      this.setData({ busy: true })
      const api = kit.api(serverOverrides(this.data))
      Promise.resolve()
        .then(() => startMegviiRun({ api, verdictTimeout: this.data.verdictTimeout }))
        .then((run) => {
          runs.set(this, run)
          this.setData({ token: run.token })
          this.triggerEvent('start', { token: run.token })
          return run.outcome.then((outcome) => {
            this.end(run)
            if (outcome.status === 'cancelled') this.triggerEvent('cancel', { token: outcome.token, reason: outcome.reason })
            else if (outcome.result.status === 'pending') this.triggerEvent('pending', { token: outcome.result.token })
            else this.triggerEvent('result', outcome.result)
          })
        })
        .catch((error: unknown) => {
          const run = runs.get(this)
          if (run) this.end(run)
          else if (!gone.has(this)) this.setData({ busy: false })
          this.triggerEvent('error', kitErrorInfo(error))
        })
    },
    /** Megvii's component finished: only says when to ask the server. */
    onFinish(event: { detail?: MegviiFinishDetail }) {
      runs.get(this)?.finished(event.detail)
    },
    /** The user leaves Megvii's component without finishing. */
    onBack() {
      runs.get(this)?.leave()
    },
    end(run: MegviiRun) {
      if (runs.get(this) !== run) return
      runs.delete(this)
      if (!gone.has(this)) this.setData({ busy: false, token: '' })
    },
  },
})
