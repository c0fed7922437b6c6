/**
 * The verification flows of the HTTP contract: each kind's route path (under the router's prefix)
 * and its token's lifetime. The server builds its routes from these and the clients take their
 * paths from them, so a new flow is declared here once. Standalone (no imports, `as const` without
 * `satisfies`): the uni-app packer copies it as is and the mini-program's type build emits its
 * declarations on their own.
 */

/** One flow of the HTTP contract. */
export interface FlowDefinition {
  /** `POST <prefix><path>` issues a token; `GET <prefix><path>/:token` reads its result. */
  readonly path: string
  /** How long Tencent accepts the token, in seconds (as Tencent's DetectAuth / GetEidToken docs say). */
  readonly lifetimeSeconds: number
}

export const FLOWS = {
  /** 人脸核身 (verify_mpsdk): a BizToken from DetectAuth, valid 7200 s. */
  face: { path: '/biz-token', lifetimeSeconds: 7200 },
  /** E证通 (mp_ecard_sdk): an EidToken from GetEidToken, valid 600 s. */
  eid: { path: '/eid-token', lifetimeSeconds: 600 },
  /** 人脸核身 in a web page (WeChat or mobile-browser H5): DetectAuth's `Url`, back through `RedirectUrl`. */
  'face-h5': { path: '/h5/biz-token', lifetimeSeconds: 7200 },
  /** E证通 in a web page: GetEidToken's `Url`, back through `RedirectUrl` with `token=`. */
  'eid-h5': { path: '/h5/eid-token', lifetimeSeconds: 600 },
  /**
   * Megvii FaceID lite in a web page: a biz_token from get_biz_token (valid 3600 s, its result
   * queryable for a month), Megvii's page `…/lite/v1/do/<biz_token>`, back through `return_url`.
   */
  'megvii-h5': { path: '/megvii/h5/biz-token', lifetimeSeconds: 3600 },
  /** Megvii FaceID lite in a mini-program (Megvii's faceid-components `faceid-verify`): the same biz_token. */
  megvii: { path: '/megvii/biz-token', lifetimeSeconds: 3600 },
  /**
   * 人脸核身 in a partner's Android/iOS app (Tencent's App SDK on the WeBank login-auth protocol):
   * an order number (ours, 32 letters and digits) registered with getAdvFaceId; its faceId lives
   * 300 s, the order is open 600 s. Issuance answers what the SDK's login takes.
   */
  'webank-app': { path: '/webank/app/order', lifetimeSeconds: 600 },
  /** 人脸核身 in a mobile browser on WeBank's H5: the same order, the login URL on `optimalDomain`, back through the kit's return route. */
  'webank-h5': { path: '/webank/h5/order', lifetimeSeconds: 600 },
} as const

/** `FLOWS` as a type; fails to compile when a flow is not a `FlowDefinition`. */
export type FlowTable = Definitions<typeof FLOWS>
type Definitions<T extends { readonly [kind: string]: FlowDefinition }> = T

/** The kinds of token the kit issues: one per flow. */
export type TokenKind = keyof typeof FLOWS
