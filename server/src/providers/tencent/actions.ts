/**
 * The Tencent Cloud faceid actions faceid-kit uses, written once: each name to its SDK request and
 * response models. The client, the resilience wrappers and the flows all read this map.
 */
import type {
  BankCard2EVerificationRequest,
  BankCard2EVerificationResponse,
  BankCard4EVerificationRequest,
  BankCard4EVerificationResponse,
  BankCardVerificationRequest,
  BankCardVerificationResponse,
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
  IdCardVerificationRequest,
  IdCardVerificationResponse,
  MobileNetworkTimeVerificationRequest,
  MobileNetworkTimeVerificationResponse,
  MobileStatusRequest,
  MobileStatusResponse,
  PhoneVerificationRequest,
  PhoneVerificationResponse,
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
  /** 身份信息认证: name and ID number (checks/). */
  IdCardVerification: [IdCardVerificationRequest, IdCardVerificationResponse]
  /** 手机号三要素: phone number, name and ID number. */
  PhoneVerification: [PhoneVerificationRequest, PhoneVerificationResponse]
  /** 银行卡二要素: name and card number. */
  BankCard2EVerification: [BankCard2EVerificationRequest, BankCard2EVerificationResponse]
  /** 银行卡三要素: name, ID number and card number. */
  BankCardVerification: [BankCardVerificationRequest, BankCardVerificationResponse]
  /** 银行卡四要素: name, ID number, card number and phone number. */
  BankCard4EVerification: [BankCard4EVerificationRequest, BankCard4EVerificationResponse]
  /** 手机号状态: whether a number is in service. */
  MobileStatus: [MobileStatusRequest, MobileStatusResponse]
  /** 手机号在网时长: how long a number has been in service. */
  MobileNetworkTimeVerification: [MobileNetworkTimeVerificationRequest, MobileNetworkTimeVerificationResponse]
}

export type TencentAction = keyof TencentActions
