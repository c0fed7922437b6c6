/**
 * Public types of the identity-factor checks (`kit.checks`, `createIdentityChecks`): what each
 * check takes and what it answers. Checks run on the partner's server, for its own back office;
 * the end-user client never sends identity data to the kit.
 */
import type { IdentityCheckKind, IdentityCheckOutcome } from '@faceid-kit/shared'

/** Who a check is about, for the ledger. Optional: a back-office check may concern no user of the partner's. */
interface CheckSubject {
  /** The partner's user id the check is recorded under (at most 128 characters). */
  userId?: string | undefined
}

export interface IdCardCheckInput extends CheckSubject {
  name: string
  /** 18-character resident ID number; a lowercase x is taken as X. */
  idCard: string
}

export interface PhoneCheckInput extends CheckSubject {
  name: string
  idCard: string
  /** Mainland mobile number, 11 digits. */
  phone: string
  /** Ask Tencent which factor disagrees on a mismatch (详版, priced differently). Default false (简版). */
  detailed?: boolean | undefined
}

/**
 * Two factors (name + card), three (+ ID number) or four (+ the phone number the bank holds):
 * the fields given choose the check. A phone number needs the ID number too.
 */
export interface BankCardCheckInput extends CheckSubject {
  name: string
  /** 12 to 19 digits; spaces are ignored. */
  bankCard: string
  idCard?: string | undefined
  phone?: string | undefined
}

export interface PhoneLookupInput extends CheckSubject {
  phone: string
}

/** Tencent's wording and ours. */
export interface CheckMessage {
  zh: string
  en: string
}

/** What every check answers. */
export interface IdentityCheckResult<K extends IdentityCheckKind = IdentityCheckKind> {
  /** The ledger row of this check. */
  id: string
  kind: K
  outcome: IdentityCheckOutcome
  /** Tencent's `Result` code, e.g. `'0'`, `'-1'`. */
  code: string
  /** Tencent's `Description` as it answered it. */
  description: string
  /** The catalog's message for the code (Tencent's text when the code is not documented). */
  message: CheckMessage
  /** Tencent charges for this call. */
  billable: boolean
  /** The same check later may answer otherwise (service busy, upgrading). */
  retryable: boolean
  /** False when Tencent answered a code its documentation does not list (then `outcome` is `error`). */
  documented: boolean
  requestId: string | undefined
  /** ISO time of the answer. */
  checkedAt: string
}

export interface PhoneCheckResult extends IdentityCheckResult<'phone'> {
  /** The operator: `移动`, `联通`, `电信`, or empty. */
  isp?: string | undefined
  /** With `detailed`, on a mismatch: `PhoneIdCardMismatch`, `PhoneNameMismatch`, `PhoneNameIdCardMismatch`, `NameIdCardMismatch`, `OtherMismatch`. */
  detail?: string | undefined
}

export type BankCardCheckKind = 'bank-card-2e' | 'bank-card-3e' | 'bank-card-4e'
export type BankCardCheckResult = IdentityCheckResult<BankCardCheckKind>

/** MobileStatus `StatusCode`. */
export type PhoneStatusLabel = 'normal' | 'suspended' | 'cancelled' | 'not_in_service' | 'unusable' | 'unknown'

export interface PhoneStatusResult extends IdentityCheckResult<'phone-status'> {
  /** On `found`: Tencent's `StatusCode` (0 normal, 1 suspended, 2 cancelled, 4 not in service, 5 in service but unusable, 99 unknown). */
  status?: { code: number; label: PhoneStatusLabel } | undefined
}

export interface PhoneTenureResult extends IdentityCheckResult<'phone-tenure'> {
  /** On `found` with code 0: the interval `[a,b)` in months Tencent answered; `maxMonths` null for `[a,+)`. */
  tenure?: { range: string; minMonths: number; maxMonths: number | null } | undefined
}

/** Per-call options. */
export interface CheckCallOptions {
  /** Abandons the call (the Tencent request is aborted). */
  signal?: AbortSignal | undefined
}

/** The checks, each validated eagerly, recorded in the ledger (sealed) and logged by kind and outcome only. */
export interface IdentityChecks {
  /** 身份信息认证 (`IdCardVerification`): name and ID number. */
  idCard(input: IdCardCheckInput, options?: CheckCallOptions): Promise<IdentityCheckResult<'id-card'>>
  /** 手机号三要素 (`PhoneVerification`): phone number, name and ID number. */
  phone(input: PhoneCheckInput, options?: CheckCallOptions): Promise<PhoneCheckResult>
  /** 银行卡二/三/四要素 (`BankCard2EVerification` / `BankCardVerification` / `BankCard4EVerification`). */
  bankCard(input: BankCardCheckInput, options?: CheckCallOptions): Promise<BankCardCheckResult>
  /** 手机号状态 (`MobileStatus`). */
  phoneStatus(input: PhoneLookupInput, options?: CheckCallOptions): Promise<PhoneStatusResult>
  /** 手机号在网时长 (`MobileNetworkTimeVerification`). */
  phoneTenure(input: PhoneLookupInput, options?: CheckCallOptions): Promise<PhoneTenureResult>
  /** A recorded check with its sealed inputs and Tencent's answer opened: for the partner's server only. */
  read(id: string): Promise<IdentityCheckRecord | undefined>
}

/** A ledger row of a check, opened. */
export interface IdentityCheckRecord {
  id: string
  kind: IdentityCheckKind
  userId: string | null
  /** `pending` while the call is out (or when it was interrupted); `upstream_error` when Tencent was not reached or refused the call. */
  outcome: IdentityCheckOutcome | 'pending' | 'upstream_error'
  code: string | null
  billable: boolean
  requestedAt: Date
  answeredAt: Date | null
  requestId: string | null
  /** The error code of a failed call (`RequestLimitExceeded`, `NetworkError`…). */
  error: string | null
  /** What was sent (names, numbers) and Tencent's answer; null once purged. */
  sealed: { input: Record<string, unknown>; response: Record<string, unknown> | null } | null
}
