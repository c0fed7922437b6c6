/**
 * The Tencent Cloud faceid actions faceid-kit uses, written once: each name to its SDK request and
 * response models. The client, the resilience wrappers and the flows all read this map.
 */
import type {
  DetectAuthRequest,
  DetectAuthResponse,
  GetDetectInfoEnhancedRequest,
  GetDetectInfoEnhancedResponse,
  GetEidResultRequest,
  GetEidResultResponse,
  GetEidTokenRequest,
  GetEidTokenResponse,
  GetWeChatBillDetailsRequest,
  GetWeChatBillDetailsResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models.js'

export type TencentActions = {
  /** 人脸核身: issues a BizToken. */
  DetectAuth: [DetectAuthRequest, DetectAuthResponse]
  /** 人脸核身: the result of a BizToken. */
  GetDetectInfoEnhanced: [GetDetectInfoEnhancedRequest, GetDetectInfoEnhancedResponse]
  /** E证通: issues an EidToken. */
  GetEidToken: [GetEidTokenRequest, GetEidTokenResponse]
  /** E证通: the result of an EidToken. */
  GetEidResult: [GetEidResultRequest, GetEidResultResponse]
  /** The day's billed verifications (reconciliation). */
  GetWeChatBillDetails: [GetWeChatBillDetailsRequest, GetWeChatBillDetailsResponse]
}

export type TencentAction = keyof TencentActions
