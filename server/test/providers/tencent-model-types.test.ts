/**
 * @faceid-kit/shared keeps its own copies of the Tencent request and result fields it uses, so the
 * front-end packages ship no Tencent SDK. These checks fail to compile (npm test type-checks first)
 * when a copy drifts from the SDK's models; the runtime assertions keep them in the suite.
 */
import type {
  BizTokenOptions,
  EidTokenOptions,
  UpstreamResult,
} from '@faceid-kit/shared'
import type {
  DetectAuthRequest,
  GetDetectInfoEnhancedResponse,
  GetEidResultResponse,
  GetEidTokenRequest,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import { describe, expect, it } from 'vitest'

/** true when A and B accept exactly the same values (assignable both ways). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** true when every A is a B. */
type Fits<A, B> = [A] extends [B] ? true : false

type SdkBizOptions = Partial<
  Pick<
    DetectAuthRequest,
    'RuleId' | 'TerminalType' | 'RedirectUrl' | 'Extra' | 'ImageBase64' | 'IntentionVerifyText' | 'IntentionQuestions' | 'IntentionActions' | 'Config'
  >
>
type SdkEidOptions = Partial<Pick<GetEidTokenRequest, 'MerchantId' | 'Extra' | 'Config' | 'RedirectUrl'>>

describe('shared Tencent types match the SDK models', () => {
  it('BizTokenOptions is exactly the partner-settable part of DetectAuthRequest', () => {
    const same: Same<BizTokenOptions, SdkBizOptions> = true
    expect(same).toBe(true)
  })

  it('EidTokenOptions is exactly the partner-settable part of GetEidTokenRequest', () => {
    const same: Same<EidTokenOptions, SdkEidOptions> = true
    expect(same).toBe(true)
  })

  it('both result responses fit UpstreamResult', () => {
    const face: Fits<GetDetectInfoEnhancedResponse, UpstreamResult> = true
    const eid: Fits<GetEidResultResponse, UpstreamResult> = true
    expect([face, eid]).toEqual([true, true])
  })

  it('would notice a field of the wrong type', () => {
    type Drifted = Omit<BizTokenOptions, 'Config'> & { Config?: { Speed?: string } }
    const same: Same<Drifted, SdkBizOptions> = false
    expect(same).toBe(false)
  })
})
