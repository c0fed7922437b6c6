/**
 * <eid-verify>: E证通 in one tap. WeChat only opens another mini-program from a tap, and an
 * `await` before the jump breaks that, so the EidToken is fetched ahead (attached / page show)
 * and renewed before its 600 s lifetime ends; the tap starts the SDK synchronously.
 * Events: start {token}, result (VerificationResult), cancel {token, reason}, error {code, message, retryable}.
 */
import { kit, toErrorInfo, type PreparedEid } from '../index'
import { serverOverrides } from '../shared/component-helpers'

/** Renew this long before the token expires. */
const RENEW_MARGIN_MS = 60_000
/** Do not start with a token that expires sooner than this. */
const MIN_REMAINING_MS = 10_000

interface Internal {
  prepared?: PreparedEid
  renewTimer?: ReturnType<typeof setTimeout>
  preparing: boolean
  alive: boolean
}

// Instance state that must not go through setData (timers, the prepared token's closure).
const internals = new WeakMap<object, Internal>()

function stateOf(component: object): Internal {
  let state = internals.get(component)
  if (!state) {
    state = { preparing: false, alive: true }
    internals.set(component, state)
  }
  return state
}

Component({
  externalClasses: ['custom-class'],
  properties: {
    baseUrl: { type: String, value: '' },
    header: { type: Object, value: {} },
    text: { type: String, value: '开始 E证通核验' },
    busyText: { type: String, value: '核验中…' },
    preparingText: { type: String, value: '准备中…' },
    retryText: { type: String, value: '重新获取，请再点一次' },
    disabled: { type: Boolean, value: false },
    /** Open eID half-screen (needs base library ≥ 2.20.1 and admin-console approval). */
    embedded: { type: Boolean, value: false },
    allowFullScreen: { type: Boolean, value: true },
    /** Show the SDK's own confirm page before the jump. */
    needJumpPage: { type: Boolean, value: false },
  },
  data: {
    busy: false,
    preparing: false,
    ready: false,
    label: '准备中…',
  },
  lifetimes: {
    attached() {
      stateOf(this).alive = true
      this.prepare()
    },
    detached() {
      const state = stateOf(this)
      state.alive = false
      if (state.renewTimer !== undefined) clearTimeout(state.renewTimer)
      state.renewTimer = undefined
    },
  },
  pageLifetimes: {
    show() {
      kit.notifyShow()
      const state = stateOf(this)
      if (!this.data.busy && !isFresh(state.prepared)) this.prepare()
    },
  },
  methods: {
    /** Fetches (or renews) the EidToken ahead of the tap. */
    prepare() {
      const state = stateOf(this)
      if (state.preparing || !state.alive) return
      state.preparing = true
      this.setData({ preparing: true, ready: false, label: this.data.preparingText })
      kit
        .prepareEid(serverOverrides(this.data))
        .then((prepared) => {
          state.preparing = false
          if (!state.alive) return
          state.prepared = prepared
          this.scheduleRenewal(prepared)
          this.setData({ preparing: false, ready: true, label: this.data.text })
        })
        .catch((error: unknown) => {
          state.preparing = false
          state.prepared = undefined
          if (!state.alive) return
          this.setData({ preparing: false, ready: false, label: this.data.retryText })
          this.triggerEvent('error', toErrorInfo(error))
        })
    },

    scheduleRenewal(prepared: PreparedEid) {
      const state = stateOf(this)
      if (state.renewTimer !== undefined) clearTimeout(state.renewTimer)
      const remaining = prepared.expiresAt - Date.now()
      const delay = Math.max(remaining - RENEW_MARGIN_MS, remaining / 2, 0)
      state.renewTimer = setTimeout(() => {
        state.renewTimer = undefined
        if (!this.data.busy) this.prepare()
      }, delay)
    },

    onTap() {
      if (this.data.disabled || this.data.busy) return
      const state = stateOf(this)
      const prepared = state.prepared
      if (!isFresh(prepared)) {
        // No usable token: fetching one now means an await, and the jump would no longer be
        // inside the tap. Fetch it and let the user tap again.
        this.prepare()
        return
      }
      state.prepared = undefined
      if (state.renewTimer !== undefined) clearTimeout(state.renewTimer)
      state.renewTimer = undefined
      this.setData({ busy: true, label: this.data.busyText })
      this.triggerEvent('start', { token: prepared.token })
      // Synchronous up to wx.navigateToMiniProgram / openEmbeddedMiniProgram.
      prepared
        .start({ embedded: this.data.embedded, allowFullScreen: this.data.allowFullScreen, needJumpPage: this.data.needJumpPage })
        .then((outcome) => {
          if (outcome.status === 'result') this.triggerEvent('result', outcome.result)
          else this.triggerEvent('cancel', { token: outcome.token, reason: outcome.reason })
        })
        .catch((error: unknown) => this.triggerEvent('error', toErrorInfo(error)))
        .then(() => {
          if (!state.alive) return
          this.setData({ busy: false })
          // A token is single-use: get the next one ready.
          this.prepare()
        })
    },
  },
})

function isFresh(prepared: PreparedEid | undefined): prepared is PreparedEid {
  return prepared !== undefined && prepared.expiresAt - Date.now() > MIN_REMAINING_MS
}
