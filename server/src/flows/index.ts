/**
 * The registered flows. A new flow is a folder next to face/ and eid/ plus an entry here (and its
 * kind, path and lifetime in the shared `FLOWS`); the routes, the verifier and the sweeper follow.
 */
import type { TokenKind } from '@faceid-kit/shared'
import { eidFlow } from './eid/index.js'
import { eidH5Flow } from './eid-h5/index.js'
import { faceFlow } from './face/index.js'
import { faceH5Flow } from './face-h5/index.js'
import type { Flow } from './flow.js'
import { megviiFlow } from './megvii/index.js'
import { megviiH5Flow } from './megvii-h5/index.js'
import { webankAppFlow } from './webank-app/index.js'
import { webankH5Flow } from './webank-h5/index.js'

/** Every kind of the shared `FLOWS` has its flow here (the type says so). */
export const FLOW_REGISTRY: { readonly [K in TokenKind]: Flow<K> } = {
  face: faceFlow,
  eid: eidFlow,
  'face-h5': faceH5Flow,
  'eid-h5': eidH5Flow,
  'megvii-h5': megviiH5Flow,
  megvii: megviiFlow,
  'webank-app': webankAppFlow,
  'webank-h5': webankH5Flow,
}

/** The flows in registration order (the order of their routes). */
export const FLOW_LIST: readonly Flow[] = Object.values(FLOW_REGISTRY)

/** The flow of `kind`. */
export function flowOf(kind: TokenKind): Flow {
  return FLOW_REGISTRY[kind]
}

/**
 * How long the provider of `kind`'s flow answers for a result, s, when the flow says (Megvii);
 * undefined for Tencent's flows, whose retention the caller knows (3 days unless configured),
 * and for a kind of no flow here.
 */
export function resultKeptSeconds(kind: string): number | undefined {
  return FLOW_LIST.find((flow) => flow.kind === kind)?.results?.keptSeconds
}

export type { Flow, FlowSettings, IssuedToken, PartnerOptions, ResultReader, ReuseScope, WebFlow } from './flow.js'
