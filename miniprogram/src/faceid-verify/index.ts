/**
 * <faceid-verify>: one tap runs the whole face verification — BizToken from the server,
 * verify_mpsdk, then the server's verdict. Events: start {token}, result (VerificationResult),
 * cancel {token, reason}, error {code, message, retryable}.
 */
import { kit, toErrorInfo } from '../index'
import { serverOverrides } from '../shared/component-helpers'

Component({
  externalClasses: ['custom-class'],
  properties: {
    /** Server origin; defaults to `configure({ baseUrl })`. */
    baseUrl: { type: String, value: '' },
    /** Request headers (e.g. Authorization); defaults to `configure({ header })`. */
    header: { type: Object, value: {} },
    text: { type: String, value: '开始人脸核身' },
    busyText: { type: String, value: '核验中…' },
    disabled: { type: Boolean, value: false },
    /** uni-app / custom host page for the SDK's `indexCom`. */
    startPath: { type: String, value: '' },
  },
  data: {
    busy: false,
  },
  pageLifetimes: {
    show() {
      // The SDK may come back without calling back (-999): the kit needs to know we are back.
      kit.notifyShow()
    },
  },
  methods: {
    onTap() {
      if (this.data.disabled || this.data.busy) return
      this.setData({ busy: true })
      const startPath = this.data.startPath
      kit
        .verifyFace({
          ...serverOverrides(this.data),
          ...(startPath ? { startPath } : {}),
          onStart: (token) => this.triggerEvent('start', { token }),
        })
        .then((outcome) => {
          if (outcome.status === 'result') this.triggerEvent('result', outcome.result)
          else this.triggerEvent('cancel', { token: outcome.token, reason: outcome.reason })
        })
        .catch((error: unknown) => this.triggerEvent('error', toErrorInfo(error)))
        .then(() => this.setData({ busy: false }))
    },
  },
})
