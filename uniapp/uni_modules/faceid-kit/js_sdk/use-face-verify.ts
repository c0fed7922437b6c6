import { toValue } from 'vue'
import { kit as sharedKit, defaultStartPath } from './kit'
import { onShow } from '@dcloudio/uni-app'
import type { UseFaceVerifyOptions, UseFaceVerifyReturn, UseVerifyOutcome } from './types'
import { createVerifyState, serverOverrides } from './verify-state'

/**
 * Face verification (verify_mpsdk): `verify()` gets a BizToken from the server, runs the SDK on
 * the uni-app host page (`startPath`), then asks the server for the verdict. It settles on every
 * path the SDK takes, including "back to home" with no callback (status `cancelled`,
 * reason `no-callback`), which the page's `onShow` reveals.
 */
export function useFaceVerify(options: UseFaceVerifyOptions = {}): UseFaceVerifyReturn {
  const kit = options.kit ?? sharedKit
  const { state, token, begin, settle, fail } = createVerifyState()

  // verify_mpsdk's page pops back to ours; when the SDK stays silent this is the only sign.
  onShow(() => kit.notifyShow())

  async function verify(): Promise<UseVerifyOutcome> {
    // A second tap while running: answer it without touching the running verification's state.
    if (state.busy.value) return { status: 'error', error: BUSY }
    begin()
    token.value = undefined
    try {
      const startPath = toValue(options.startPath) || defaultStartPath()
      const outcome = await kit.verifyFace({
        ...serverOverrides(options),
        startPath,
        onStart: (started) => {
          token.value = started
        },
      })
      return settle(outcome)
    } catch (cause) {
      return fail(cause)
    }
  }

  return { ...state, verify }
}

const BUSY = { code: 'BUSY', message: '已有一个核验正在进行，请等待它结束后再试', retryable: true } as const
