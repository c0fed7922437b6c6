/// <reference types="miniprogram-api-typings" />
/** SIMULATED faceid-components `faceid-verify` (see ../../sandbox.ts). */
import { finish, OUTCOMES, register, sandboxConfig, type MegviiSimOutcome } from '../../sandbox'

const MEGVII_TOKEN = /^\d{1,12},[0-9A-Za-z]{16,64}$/
const LABELS: Record<MegviiSimOutcome, string> = {
  pass: '比对通过',
  'low-confidence': '比对通过（置信度低于阈值）',
  'not-same': '不是同一人',
  'id-mismatch': '身份证号和姓名不符',
  'liveness-fail': '活体验证失败',
  'no-audio': '视频无声音',
  'user-cancel': '用户退出',
}

Component({
  properties: {
    token: { type: String, value: '' },
  },
  data: {
    choices: OUTCOMES.map((outcome) => ({ outcome, label: `完成：${LABELS[outcome]}` })),
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
    onComplete(event: { currentTarget: { dataset: { outcome?: string } } }) {
      const outcome = OUTCOMES.find((o) => o === event.currentTarget.dataset.outcome) ?? 'pass'
      finish('complete', outcome).catch((error: unknown) => console.warn('[faceid-components sim]', error))
    },
    onTokenError() {
      finish('tokenError').catch((error: unknown) => console.warn('[faceid-components sim]', error))
    },
  },
})
