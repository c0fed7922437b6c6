import { computed, readonly, ref, toValue } from 'vue'
import { toErrorInfo, type FlowOutcome, type ServerOverrides } from './core'
import type { UseVerifyOutcome, UseVerifyServerOptions, UseVerifyState, UseVerifyStatus } from './types'
import type { CancelReason, KitErrorInfo, VerificationResult } from './core'

/** The refs both composables expose, and how an outcome lands in them. */
export function createVerifyState() {
  const status = ref<UseVerifyStatus>('idle')
  const token = ref<string>()
  const result = ref<VerificationResult>()
  const cancelReason = ref<CancelReason>()
  const error = ref<KitErrorInfo>()

  function begin(): void {
    status.value = 'verifying'
    result.value = undefined
    cancelReason.value = undefined
    error.value = undefined
  }

  function settle(outcome: FlowOutcome): UseVerifyOutcome {
    if (outcome.status === 'result') {
      result.value = outcome.result
      status.value = outcome.result.status
    } else {
      cancelReason.value = outcome.reason
      status.value = 'cancelled'
    }
    return outcome
  }

  function fail(cause: unknown): UseVerifyOutcome {
    const info = toErrorInfo(cause)
    error.value = info
    status.value = 'error'
    return { status: 'error', error: info }
  }

  const state: UseVerifyState = {
    status: readonly(status),
    busy: computed(() => status.value === 'verifying'),
    token: readonly(token),
    result: readonly(result) as UseVerifyState['result'],
    cancelReason: readonly(cancelReason),
    error: readonly(error) as UseVerifyState['error'],
    reset() {
      if (status.value === 'verifying') return
      status.value = 'idle'
      result.value = undefined
      cancelReason.value = undefined
      error.value = undefined
    },
  }
  return { state, status, token, error, begin, settle, fail }
}

/** Per-call server overrides from the composable's options (empty values fall back to the kit). */
export function serverOverrides(options: UseVerifyServerOptions): ServerOverrides {
  const overrides: ServerOverrides = {}
  const baseUrl = toValue(options.baseUrl)
  const header = toValue(options.header)
  if (baseUrl) overrides.baseUrl = baseUrl
  if (header) overrides.header = header
  return overrides
}
