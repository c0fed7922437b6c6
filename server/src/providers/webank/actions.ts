/**
 * WeBank's login-auth endpoints (the `kyc1` host) the kit calls, each name to its
 * `[request, response]`. Requests hold exactly what is sent; the transport adds nothing but the
 * `orderNo` WeBank asks to see in the URL of the order calls.
 */

/** Every answer carries WeBank's `code` (`'0'` is success) and `msg`. */
export interface WebankAnswer {
  code: string
  msg?: string
  bizSeqNo?: string
  transactionTime?: string
}

export interface AccessTokenRequest {
  appId: string
  secret: string
}
export interface AccessTokenResponse extends WebankAnswer {
  access_token?: string
  /** Seconds the token lives: the only figure to trust (`expire_time` is WeBank's clock). */
  expire_in?: string | number
  expire_time?: string
}

export interface TicketRequest {
  appId: string
  access_token: string
  type: 'SIGN' | 'NONCE'
  /** NONCE tickets only: the user the ticket is for. */
  user_id?: string
}
export interface TicketResponse extends WebankAnswer {
  tickets?: Array<{ value?: string; expire_in?: string | number; expire_time?: string }>
}

export interface FaceIdRequest {
  appId: string
  orderNo: string
  name?: string
  idNo?: string
  userId: string
  sourcePhotoStr?: string
  sourcePhotoType?: string
  liveInterType?: string
  version: string
  sign: string
  nonce: string
}
export interface FaceIdResponse extends WebankAnswer {
  result?: { bizSeqNo?: string; transactionTime?: string; orderNo?: string; faceId?: string; optimalDomain?: string; success?: boolean }
}

export interface FaceRecordRequest {
  appId: string
  version: string
  nonce: string
  orderNo: string
  sign: string
  /** `'1'` video and photo, `'2'` photo, `'3'` video; anything else neither. */
  getFile?: string
}
/** A verification's result. A non-zero `code` is the outcome (or "not finished": 66660011), not a failed call. */
export interface FaceRecordResponse extends WebankAnswer {
  result?: {
    orderNo?: string
    liveRate?: string
    similarity?: string
    occurredTime?: string
    appId?: string
    photo?: string
    video?: string
    bizSeqNo?: string
    sdkVersion?: string
    trtcFlag?: string
  } | null
}

/** The endpoints as a provider action map (see `providers/provider.ts`). */
export type WebankActions = {
  accessToken: readonly [AccessTokenRequest, AccessTokenResponse]
  ticket: readonly [TicketRequest, TicketResponse]
  getAdvFaceId: readonly [FaceIdRequest, FaceIdResponse]
  queryFaceRecord: readonly [FaceRecordRequest, FaceRecordResponse]
}
export type WebankAction = keyof WebankActions

/** Method and path of each action on the `kyc1` host. */
export const WEBANK_ENDPOINTS: Readonly<Record<WebankAction, { method: 'GET' | 'POST'; path: string }>> = {
  accessToken: { method: 'GET', path: '/api/oauth2/access_token' },
  ticket: { method: 'GET', path: '/api/oauth2/api_ticket' },
  getAdvFaceId: { method: 'POST', path: '/api/server/getAdvFaceId' },
  queryFaceRecord: { method: 'POST', path: '/api/v2/base/queryfacerecord' },
}

/** The `version` every signed request carries. */
export const WEBANK_API_VERSION = '1.0.0'
