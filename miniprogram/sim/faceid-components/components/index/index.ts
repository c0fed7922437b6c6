/// <reference types="miniprogram-api-typings" />
/** SIMULATED faceid-components `faceid-verify` (see ../../sandbox.ts). */
import { register } from '../../sandbox'

const MEGVII_TOKEN = /^\d{1,12},[0-9A-Za-z]{16,64}$/

Component({
  properties: {
    token: { type: String, value: '' },
  },
  lifetimes: {
    attached() {
      const token = String(this.data.token)
      const fire = (status: 'complete' | 'tokenError'): void => this.triggerEvent('onFinish', { token, status })
      register({ token, finish: fire })
      // Megvii's component refuses a token it cannot use at once.
      if (!MEGVII_TOKEN.test(token)) setTimeout(() => fire('tokenError'), 0)
    },
    detached() {
      register(undefined)
    },
  },
})
