/// <reference types="miniprogram-api-typings" />
/** SIMULATED faceid-components `faceid-verify` (see ../../sandbox.ts). */
import { finish, register, sandboxConfig } from '../../sandbox'

const MEGVII_TOKEN = /^\d{1,12},[0-9A-Za-z]{16,64}$/

Component({
  properties: {
    token: { type: String, value: '' },
  },
  lifetimes: {
    attached() {
      const token = String(this.data.token)
      // Megvii's component ends its flow once; after that, and after the user has gone, it is silent.
      let over = false
      const fire = (status: 'complete' | 'tokenError'): boolean => {
        if (over) return false
        over = true
        this.triggerEvent('onFinish', { token, status })
        return true
      }
      const instance = {
        token,
        finish: fire,
        abandon: () => {
          over = true
        },
      }
      register(instance)
      // Megvii's component refuses a token it cannot use at once.
      if (!MEGVII_TOKEN.test(token) || sandboxConfig().refuseToken?.(token)) setTimeout(() => fire('tokenError'), 0)
    },
    detached() {
      register(undefined)
    },
  },
  methods: {
    /** By hand (DevTools): the end of Megvii's flow, as the sandbox's `finish` plays it. */
    onChoose(event: { currentTarget: { dataset: { status?: string } } }) {
      const status = event.currentTarget.dataset.status === 'tokenError' ? 'tokenError' : 'complete'
      finish(status).catch((error: unknown) => console.warn('[faceid-components sim]', error))
    },
  },
})
