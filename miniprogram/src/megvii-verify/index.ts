/**
 * <megvii-verify>: Megvii FaceID lite in a mini-program, a separate entry (it does not load
 * Tencent's SDK wrappers, so it adds nothing to the face + eID footprint). One tap asks the
 * server for a biz_token, hosts Megvii's `faceid-verify` (faceid-components) with it, and asks
 * the server for the verdict when Megvii's component finishes or the user leaves it.
 * Events: start {token}, result (VerificationResult), cancel {token, reason}, error {code, message, retryable, token?}.
 */
import { kit, toErrorInfo } from '../index'
import { serverOverrides } from '../shared/component-helpers'

/** Megvii's onFinish detail: `complete` (the flow ran; ask the server) or `tokenError`. */
interface FinishDetail {
  token?: string
  status?: string
}

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
  },
  data: {
    busy: false,
    /** The biz_token Megvii's component runs with; empty while it is not shown. */
    token: '',
    hidden: false,
  },
  pageLifetimes: {
    hide() {
      if (this.data.token) this.setData({ hidden: true })
    },
    show() {
      // Back from wherever Megvii's component took the user without finishing: the server knows.
      if (this.data.token && this.data.hidden) {
        this.setData({ hidden: false })
        this.conclude(this.data.token, { cancelIfOpen: false })
      }
    },
  },
  methods: {
    onTap() {
      if (this.data.disabled || this.data.busy) return
      this.setData({ busy: true })
      Promise.resolve()
        .then(() => kit.api(serverOverrides(this.data)).createToken('megvii'))
        .then((issued) => {
          this.setData({ token: issued.token })
          this.triggerEvent('start', { token: issued.token })
        })
        .catch((error: unknown) => {
          this.setData({ busy: false })
          this.triggerEvent('error', toErrorInfo(error))
        })
    },
    /** Megvii's component finished: `complete` → the server's verdict; `tokenError` → retryable error. */
    onFinish(event: { detail: FinishDetail }) {
      const token = this.data.token
      if (!token) return
      if (event.detail.status === 'complete') {
        this.conclude(token, { cancelIfOpen: false })
        return
      }
      this.reset()
      this.triggerEvent('error', { code: 'TOKEN_ERROR', message: '核身凭证无效或已过期，请重新开始', retryable: true, token })
    },
    /** The user leaves Megvii's component without finishing. */
    onBack() {
      if (this.data.token) this.conclude(this.data.token, { cancelIfOpen: true })
    },
    /** Asks the server (never Megvii's callback) how the verification stands, and settles. */
    conclude(token: string, options: { cancelIfOpen: boolean }) {
      kit
        .api(serverOverrides(this.data))
        .getResult('megvii', token)
        .then((result) => {
          if (result.status === 'pending' && options.cancelIfOpen) {
            this.reset()
            this.triggerEvent('cancel', { token, reason: 'user' })
            return
          }
          if (result.status === 'pending' && !options.cancelIfOpen) {
            // Megvii said "complete" (or the page came back) but its result is not there yet: keep
            // the component for the user; the server's sweeper settles the verification anyway.
            if (this.data.token === token && !this.data.hidden) this.triggerEvent('pending', { token })
            return
          }
          this.reset()
          this.triggerEvent('result', result)
        })
        .catch((error: unknown) => {
          this.reset()
          this.triggerEvent('error', { ...toErrorInfo(error), token })
        })
    },
    reset() {
      this.setData({ busy: false, token: '', hidden: false })
    },
  },
})
