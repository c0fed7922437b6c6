/**
 * Megvii FaceID lite's API (sold through the Aliyun API market), as far as the kit uses it: the
 * two calls, their requests and answers. Field names are Megvii's.
 */
import type { UpstreamResult } from '@faceid-kit/shared'
import type { ProviderClient } from '../provider.js'

/** `POST /lite/v1/get_biz_token` (form-encoded). */
export interface GetBizTokenRequest {
  /** Where Megvii's page sends the user when the flow ends (the kit's return route). */
  return_url: string
  /** Where Megvii POSTs `data={biz_token, error_code, error_msg}` when the flow ends (the kit's notify route). */
  notify_url: string
  /** Only `video_number` (read four digits aloud) exists today. */
  liveness_type: 'video_number'
  /** `1`: compare with the authority's photo of `idcard_name`/`idcard_number`. */
  comparison_type?: '1'
  /** `0`: the identity comes from `idcard_name`/`idcard_number`; `1`: from an ID card OCR in the flow. */
  group?: '0' | '1'
  idcard_name?: string
  idcard_number?: string
  /** The partner's reference for the verification, at most 128 bytes. */
  biz_no?: string
  /** `1` lenient, `2` normal (default), `3` strict. */
  security_level?: '1' | '2' | '3'
  /** `1` lenient (3 of 4 digits), `2` strict. */
  liveness_preferences?: '1' | '2'
  liveness_retry_count?: string
  idcard_retry_time?: string
  idcard_side?: '0' | '1'
  idcard_threshold?: string
}

export interface GetBizTokenResponse {
  biz_token?: string
  request_id?: string
  time_used?: number
  /** Ours, not Megvii's: the H5 page of this biz_token under the client's `pageBase`. */
  url?: string
}

/** `GET /lite/v1/get_result?biz_token=…`. */
export interface GetResultRequest {
  biz_token: string
}

/** One comparison: the live photo against the authority's (`idcard`) or a reference photo. */
export interface MegviiComparison {
  /** 0-100: the higher, the likelier the same person. */
  confidence?: number
  /** The confidence at which the false-accept rate is 1e-3, 1e-4, 1e-5, 1e-6. */
  thresholds?: Partial<Record<MegviiThresholdKey, number>>
}

export type MegviiThresholdKey = '1e-3' | '1e-4' | '1e-5' | '1e-6'

/**
 * A get_result answer. It extends the kit's `UpstreamResult` (all of whose Tencent fields it
 * leaves unset) so that the ledger stores and seals it like any result.
 */
export interface GetResultResponse extends UpstreamResult {
  request_id?: string
  time_used?: number
  biz_token?: string
  biz_no?: string
  /** A string such as `"1000"`. */
  result_code?: string | number
  /** Megvii's reason, e.g. `PASS_LIVING_NOT_THE_SAME`. */
  result_message?: string
  action?: unknown[]
  /** Best frame and ID card photos, base64 (personal: sealed, never in clear). */
  images?: Record<string, string> | null
  /** What the ID card OCR read: name, number, address… (personal: sealed, never in clear). */
  idcard_result?: Record<string, unknown> | null
  verification?: { idcard?: MegviiComparison; ref1?: MegviiComparison; ref2?: MegviiComparison } | null
}

export type MegviiActions = {
  get_biz_token: [GetBizTokenRequest, GetBizTokenResponse]
  get_result: [GetResultRequest, GetResultResponse]
}

export type MegviiAction = 'get_biz_token' | 'get_result'

/** A Megvii client: `megvii.call('get_result', { biz_token })`, like the Tencent gateway. */
export type MegviiClient = ProviderClient<MegviiActions>
