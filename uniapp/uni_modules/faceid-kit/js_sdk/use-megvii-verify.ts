import { onUnmounted, readonly, ref, toValue } from 'vue'
import { onShow } from '@dcloudio/uni-app'
import { kit as sharedKit } from './kit'
import { startMegviiRun, type MegviiRun } from './core'
import type { UseMegviiVerifyOptions, UseMegviiVerifyReturn, UseVerifyOutcome } from './types'
import { createVerifyState, serverOverrides } from './verify-state'

/**
 * Megvii FaceID lite (the server's `megvii` provider) with Megvii's own `faceid-verify`
 * component (faceid-components) on the page: `verify()` gets a biz_token, `showing` and `token`
 * put Megvii's component on screen, `onFinish` hears it, and the verdict comes from the server.
 * The page showing again asks the server (a verdict ends the run); the page unloading settles
 * it: Megvii's component sends nothing when the user backs out.
 */
export function useMegviiVerify(options: UseMegviiVerifyOptions = {}): UseMegviiVerifyReturn {
  const kit = options.kit ?? sharedKit
  const { state, token, begin, settle, fail } = createVerifyState()
  const showing = ref(false)
  let run: MegviiRun | undefined

  onShow(() => run?.shown())
  // A page's components unmount when the page unloads (the user went back): no run outlives it.
  onUnmounted(() => run?.unloaded())

  async function verify(): Promise<UseVerifyOutcome> {
    if (state.busy.value) return { status: 'error', error: BUSY }
    begin()
    token.value = undefined
    try {
      const api = kit.api(serverOverrides(options))
      const verdictTimeout = toValue(options.verdictTimeout)
      // Options are checked before the server is asked for a biz_token.
      run = await startMegviiRun(verdictTimeout === undefined ? { api } : { api, verdictTimeout })
      token.value = run.token
      showing.value = true
      return settle(await run.outcome)
    } catch (cause) {
      return fail(cause)
    } finally {
      showing.value = false
      run = undefined
    }
  }

  return {
    ...state,
    showing: readonly(showing),
    verify,
    onFinish(event) {
      run?.finished(event?.detail)
    },
    leave() {
      run?.leave()
    },
  }
}

const BUSY = { code: 'BUSY', message: '已有一个核验正在进行，请等待它结束后再试', retryable: true } as const
