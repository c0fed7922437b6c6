/** Plumbing both components share: their server options from props, and outcome → event. */
import type { KitErrorInfo } from './core'
import type { UseVerifyOutcome, VerifyButtonEmits, VerifyButtonProps } from './types'

type Emit = <E extends keyof VerifyButtonEmits>(event: E, ...args: VerifyButtonEmits[E]) => void

/** The composables' server options, read from the component's props on each call. */
export function serverOptionsOf(props: Readonly<VerifyButtonProps>): {
  baseUrl: () => string | undefined
  header: () => Record<string, string> | undefined
} {
  return {
    baseUrl: () => props.baseUrl || undefined,
    header: () => (props.header && Object.keys(props.header).length > 0 ? props.header : undefined),
  }
}

/** Emits `result`, `cancel` or `error` for an outcome; `silent` says which errors to keep quiet. */
export function emitOutcome(emit: Emit, outcome: UseVerifyOutcome, silent: (error: KitErrorInfo) => boolean = () => false): void {
  if (outcome.status === 'result') emit('result', outcome.result)
  else if (outcome.status === 'cancelled') emit('cancel', { token: outcome.token, reason: outcome.reason })
  else if (!silent(outcome.error)) emit('error', outcome.error)
}
