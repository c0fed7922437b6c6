import { getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, readonly, ref, toValue } from 'vue'
import type { KitErrorInfo, PreparedEid } from './core'
import { kit as sharedKit } from './kit'
import { onShow } from '@dcloudio/uni-app'
import type { UseEidVerifyOptions, UseEidVerifyReturn, UseVerifyOutcome } from './types'
import { createVerifyState, serverOverrides } from './verify-state'

/** Renew this long before the EidToken (600 s) expires, by default. */
export const DEFAULT_RENEW_MARGIN_MS = 60_000
/** A token closer than this to its end is not used for a new start. */
const MIN_REMAINING_MS = 10_000

const NOT_READY: KitErrorInfo = { code: 'NOT_READY', message: '正在准备 E证通，请稍后再点一次', retryable: true }
const BUSY: KitErrorInfo = { code: 'BUSY', message: '已有一个核验正在进行，请等待它结束后再试', retryable: true }

/**
 * E证通 (mp_ecard_sdk). WeChat opens another mini-program only from a tap, and an `await` before
 * the jump breaks that: so the EidToken is fetched ahead (on mount and page show), renewed before
 * it expires, and `start()` — called directly from the tap — opens eID synchronously.
 */
export function useEidVerify(options: UseEidVerifyOptions = {}): UseEidVerifyReturn {
  const kit = options.kit ?? sharedKit
  const renewMargin = options.renewMargin ?? DEFAULT_RENEW_MARGIN_MS
  const { state, token, error, begin, settle, fail } = createVerifyState()
  const ready = ref(false)
  const preparing = ref(false)
  let prepared: PreparedEid | undefined
  let renewTimer: ReturnType<typeof setTimeout> | undefined
  let inflight: Promise<boolean> | undefined
  let alive = true

  const isFresh = (p: PreparedEid | undefined): p is PreparedEid => p !== undefined && p.expiresAt - Date.now() > MIN_REMAINING_MS

  function clearRenewal(): void {
    if (renewTimer !== undefined) clearTimeout(renewTimer)
    renewTimer = undefined
  }

  function scheduleRenewal(p: PreparedEid): void {
    clearRenewal()
    const remaining = p.expiresAt - Date.now()
    const delay = Math.max(remaining - renewMargin, remaining / 2, 0)
    renewTimer = setTimeout(() => {
      renewTimer = undefined
      if (!state.busy.value) void prepare()
    }, delay)
  }

  function prepare(): Promise<boolean> {
    if (inflight) return inflight
    preparing.value = true
    ready.value = false
    inflight = kit
      .prepareEid(serverOverrides(options))
      .then((next) => {
        if (!alive) return false
        prepared = next
        ready.value = true
        scheduleRenewal(next)
        return true
      })
      .catch((cause: unknown) => {
        if (!alive) return false
        prepared = undefined
        // Shown as the composable's error only when no verification is running.
        if (!state.busy.value) {
          const outcome = fail(cause)
          if (outcome.status === 'error') options.onPrepareError?.(outcome.error)
        }
        return false
      })
      .finally(() => {
        preparing.value = false
        inflight = undefined
      })
    return inflight
  }

  function start(): Promise<UseVerifyOutcome> {
    if (state.busy.value) return Promise.resolve({ status: 'error', error: BUSY })
    const current = prepared
    if (!isFresh(current)) {
      // Fetching now would put an await before the jump: fetch, and let the user tap again.
      void prepare()
      error.value = NOT_READY
      return Promise.resolve({ status: 'error', error: NOT_READY })
    }
    prepared = undefined
    ready.value = false
    clearRenewal()
    begin()
    token.value = current.token
    // Synchronous up to navigateToMiniProgram / openEmbeddedMiniProgram.
    const run = current.start({
      embedded: toValue(options.embedded) === true,
      allowFullScreen: toValue(options.allowFullScreen) ?? true,
      needJumpPage: toValue(options.needJumpPage) === true,
    })
    return run.then(settle, fail).then((outcome) => {
      // A token is single use: have the next one ready.
      if (alive) void prepare()
      return outcome
    })
  }

  onShow(() => {
    kit.notifyShow()
    if (!state.busy.value && !isFresh(prepared)) void prepare()
  })

  if (getCurrentInstance()) {
    if (options.immediate !== false) onMounted(() => void prepare())
  } else if (options.immediate !== false) {
    void prepare()
  }
  if (getCurrentScope()) {
    onScopeDispose(() => {
      alive = false
      clearRenewal()
    })
  }

  return { ...state, ready: readonly(ready), preparing: readonly(preparing), prepare, start }
}
