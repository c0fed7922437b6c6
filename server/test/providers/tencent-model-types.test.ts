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
  BankCard2EVerificationRequest,
  BankCard2EVerificationResponse,
  BankCard4EVerificationRequest,
  BankCard4EVerificationResponse,
  BankCardVerificationRequest,
  BankCardVerificationResponse,
  DetectAuthRequest,
  GetDetectInfoEnhancedResponse,
  GetEidResultResponse,
  GetEidTokenRequest,
  IdCardVerificationRequest,
  IdCardVerificationResponse,
  MobileNetworkTimeVerificationRequest,
  MobileNetworkTimeVerificationResponse,
  MobileStatusRequest,
  MobileStatusResponse,
  PhoneVerificationRequest,
  PhoneVerificationResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import type { CHECK_PARAMS } from '../../emulator/checks.js'

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

/** The emulator's parameters of one check action: the same names as the SDK's request, and values it accepts. */
type EmulatorParams<A extends keyof typeof CHECK_PARAMS> = z.output<(typeof CHECK_PARAMS)[A]>
type SameKeys<A, B> = Same<keyof A, keyof B>

describe('identity-factor checks: the emulator and the checks speak the SDK models', () => {
  it('the emulator accepts exactly the request fields of each SDK model, with values the SDK allows', () => {
    const keys = [
      SAME_KEYS_ID_CARD,
      SAME_KEYS_PHONE,
      SAME_KEYS_CARD2,
      SAME_KEYS_CARD3,
      SAME_KEYS_CARD4,
      SAME_KEYS_STATUS,
      SAME_KEYS_TENURE,
    ]
    const values: [
      Fits<Omit<EmulatorParams<'IdCardVerification'>, 'Encryption'>, Omit<IdCardVerificationRequest, 'Encryption'>>,
      Fits<EmulatorParams<'PhoneVerification'>, PhoneVerificationRequest>,
      Fits<Omit<EmulatorParams<'BankCard2EVerification'>, 'Encryption'>, Omit<BankCard2EVerificationRequest, 'Encryption'>>,
      Fits<Omit<EmulatorParams<'BankCardVerification'>, 'Encryption'>, Omit<BankCardVerificationRequest, 'Encryption'>>,
      Fits<Omit<EmulatorParams<'BankCard4EVerification'>, 'Encryption'>, Omit<BankCard4EVerificationRequest, 'Encryption'>>,
      Fits<Omit<EmulatorParams<'MobileStatus'>, 'Encryption'>, Omit<MobileStatusRequest, 'Encryption'>>,
      Fits<Omit<EmulatorParams<'MobileNetworkTimeVerification'>, 'Encryption'>, Omit<MobileNetworkTimeVerificationRequest, 'Encryption'>>,
    ] = [true, true, true, true, true, true, true]
    expect([...keys, ...values].every(Boolean)).toBe(true)
  })

  it('every check response carries the fields the checks read, typed as the checks read them', () => {
    type Read = { Result?: string; Description?: string; RequestId?: string }
    const fits: [
      Fits<IdCardVerificationResponse, Read>,
      Fits<PhoneVerificationResponse, Read & { Isp?: string; ResultDetail?: string }>,
      Fits<BankCard2EVerificationResponse, Read>,
      Fits<BankCardVerificationResponse, Read>,
      Fits<BankCard4EVerificationResponse, Read>,
      Fits<MobileStatusResponse, Read & { StatusCode?: number }>,
      Fits<MobileNetworkTimeVerificationResponse, Read & { Range?: string }>,
    ] = [true, true, true, true, true, true, true]
    expect(fits.every(Boolean)).toBe(true)
  })

  it('would notice a field the emulator accepts but the SDK does not send', () => {
    const drifted: SameKeys<EmulatorParams<'MobileStatus'> & { Phone?: string }, MobileStatusRequest> = false
    expect(drifted).toBe(false)
  })
})

const SAME_KEYS_ID_CARD: SameKeys<EmulatorParams<'IdCardVerification'>, IdCardVerificationRequest> = true
const SAME_KEYS_PHONE: SameKeys<EmulatorParams<'PhoneVerification'>, PhoneVerificationRequest> = true
const SAME_KEYS_CARD2: SameKeys<EmulatorParams<'BankCard2EVerification'>, BankCard2EVerificationRequest> = true
const SAME_KEYS_CARD3: SameKeys<EmulatorParams<'BankCardVerification'>, BankCardVerificationRequest> = true
const SAME_KEYS_CARD4: SameKeys<EmulatorParams<'BankCard4EVerification'>, BankCard4EVerificationRequest> = true
const SAME_KEYS_STATUS: SameKeys<EmulatorParams<'MobileStatus'>, MobileStatusRequest> = true
const SAME_KEYS_TENURE: SameKeys<EmulatorParams<'MobileNetworkTimeVerification'>, MobileNetworkTimeVerificationRequest> = true
