/**
 * Tencent's identity-factor checks as a server API: `createIdentityChecks(options)` (or
 * `kit.checks`). Each check validates its input before anything else, writes its ledger row,
 * calls Tencent once, completes the row (inputs and answer sealed) and answers a typed result
 * with Tencent's `Result` code and the catalog's message. Logs carry the kind and outcome only.
 */
import { randomUUID } from 'node:crypto'
import { lookupCheckCode, type IdentityCheckKind } from '@faceid-kit/shared'
import { UpstreamError } from '../errors/index.js'
import { wrapClient, type CallOptions } from '../providers/provider.js'
import type { Gateway, TencentActions } from '../providers/tencent/client.js'
import { retrying, type RetryOptions } from '../resilience/retry.js'
import type { Database } from '../store/database.js'
import type { Keyring } from '../privacy/data-keys.js'
import { CheckStore } from './store.js'
import type {
  BankCardCheckInput,
  BankCardCheckKind,
  BankCardCheckResult,
  CheckCallOptions,
  IdCardCheckInput,
  IdentityCheckResult,
  IdentityChecks,
  PhoneCheckInput,
  PhoneCheckResult,
  PhoneLookupInput,
  PhoneStatusLabel,
  PhoneStatusResult,
  PhoneTenureResult,
} from './types.js'
import { CheckInputError, checkBankCard, checkIdCard, checkInputObject, checkName, checkPhone, checkUserId } from './validate.js'

export type * from './types.js'
export { CheckInputError, type CheckField } from './validate.js'

/** The part of a logger the checks use. */
export interface CheckLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface IdentityChecksOptions {
  /** The Tencent client, bare: the checks retry on their own terms (below). */
  gateway: Gateway
  /** The ledger's database (migrated: `Ledger.open` or `migrate`). */
  database: Database
  /** Seals what each check sent and got (the ledger's keyring). */
  keyring: Keyring
  /**
   * Retries of a call Tencent refused with `RequestLimitExceeded` only: a check is billed, and a
   * call lost on the way back (timeout, dropped connection, HTTP 5xx) may have been answered and
   * charged, so it is not repeated. Default 3 attempts.
   */
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'budgetMs' | 'sleep' | 'random'>
  logger?: CheckLogger | undefined
  /** Clock, for tests. */
  now?: () => Date
}

type CheckAction = 'IdCardVerification' | 'PhoneVerification' | 'BankCard2EVerification' | 'BankCardVerification' | 'BankCard4EVerification' | 'MobileStatus' | 'MobileNetworkTimeVerification'

/** The Tencent action of each check. */
export const CHECK_ACTIONS: Readonly<Record<IdentityCheckKind, CheckAction>> = {
  'id-card': 'IdCardVerification',
  phone: 'PhoneVerification',
  'bank-card-2e': 'BankCard2EVerification',
  'bank-card-3e': 'BankCardVerification',
  'bank-card-4e': 'BankCard4EVerification',
  'phone-status': 'MobileStatus',
  'phone-tenure': 'MobileNetworkTimeVerification',
}

const STATUS_LABELS: Readonly<Record<number, PhoneStatusLabel>> = { 0: 'normal', 1: 'suspended', 2: 'cancelled', 4: 'not_in_service', 5: 'unusable', 99: 'unknown' }

/** A retryable failure made final: only `RequestLimitExceeded` is safe to repeat for a billed call. */
function onlyRateLimitsRetried(error: unknown, action: string): unknown {
  if (!(error instanceof UpstreamError) || !error.retryable || error.tencentCode === 'RequestLimitExceeded') return error
  return new UpstreamError(
    { action, tencentCode: error.tencentCode, requestId: error.requestId, retryable: false, status: error.status, code: error.code, message: error.message },
    error,
  )
}

/** A model object as a plain record, for sealing. */
const plain = (o: object): Record<string, unknown> => ({ ...o })

/** `[12,24)` → 12 and 24; `[24,+)` → 24 and null. */
function parseTenure(range: string | undefined): PhoneTenureResult['tenure'] {
  const match = range === undefined ? null : /^\[(\d+),(\d+|\+)\)$/.exec(range.trim())
  if (!match) return undefined
  return { range: range!.trim(), minMonths: Number(match[1]), maxMonths: match[2] === '+' ? null : Number(match[2]) }
}

export function createIdentityChecks(options: IdentityChecksOptions): IdentityChecks {
  const store = new CheckStore(options.database, options.keyring)
  const now = options.now ?? (() => new Date())
  const log = options.logger
  const retry = options.retry ?? {}
  const gateway = wrapClient(options.gateway, (action, next, callOptions) =>
    retrying(
      action,
      async (o) => {
        try {
          return await next(o)
        } catch (error) {
          throw onlyRateLimitsRetried(error, action)
        }
      },
      retry,
      callOptions,
    ),
  )

  /**
   * One check: ledger row first, one Tencent call, row completed, typed result. The request is
   * what gets sealed as the input.
   */
  async function run<K extends IdentityCheckKind, A extends CheckAction>(
    kind: K,
    action: A,
    userId: string | undefined,
    request: TencentActions[A][0],
    callOptions: CheckCallOptions | undefined,
  ): Promise<{ result: IdentityCheckResult<K>; response: TencentActions[A][1] }> {
    const id = randomUUID()
    const input = plain(request)
    await store.begin({ id, kind, userId, requestedAt: now(), input })
    let response: TencentActions[A][1]
    try {
      const call: CallOptions = callOptions?.signal ? { signal: callOptions.signal } : {}
      response = await gateway.call(action, request, call)
      if (typeof response.Result !== 'string') {
        throw new UpstreamError({ action, tencentCode: 'MalformedResponse', requestId: response.RequestId, retryable: false, status: 502, code: 'upstream_error', message: `Tencent ${action} answered without a Result` })
      }
    } catch (error) {
      const upstream = error instanceof UpstreamError ? error : undefined
      // The row says the call failed; a ledger failure here must not hide Tencent's error.
      await store.fail(id, upstream?.tencentCode ?? 'Unknown', now(), upstream?.requestId).catch(() => undefined)
      log?.warn({ check: kind, outcome: 'upstream_error' }, 'identity check failed')
      throw error
    }
    const code = response.Result!
    const entry = lookupCheckCode(kind, code)
    const description = typeof response.Description === 'string' ? response.Description : ''
    const answeredAt = now()
    const result: IdentityCheckResult<K> = {
      id,
      kind,
      outcome: entry?.outcome ?? 'error',
      code,
      description,
      message: entry ? { zh: entry.zh, en: entry.en } : { zh: description, en: `Result code ${code} is not in Tencent's documentation` },
      billable: entry?.billable ?? false,
      retryable: entry?.retryable ?? false,
      documented: entry !== undefined,
      requestId: response.RequestId,
      checkedAt: answeredAt.toISOString(),
    }
    await store.complete(id, input, {
      outcome: result.outcome,
      code,
      billable: result.billable,
      answeredAt,
      requestId: response.RequestId,
      response: plain(response),
    })
    log?.info({ check: kind, outcome: result.outcome }, 'identity check')
    return { result, response }
  }

  return {
    async idCard(raw: IdCardCheckInput, callOptions?: CheckCallOptions) {
      const input = checkInputObject(raw)
      const userId = checkUserId(input['userId'])
      const request = { Name: checkName(input['name']), IdCard: checkIdCard(input['idCard'], now()) }
      return (await run('id-card', 'IdCardVerification', userId, request, callOptions)).result
    },

    async phone(raw: PhoneCheckInput, callOptions?: CheckCallOptions): Promise<PhoneCheckResult> {
      const input = checkInputObject(raw)
      const userId = checkUserId(input['userId'])
      const request = {
        Name: checkName(input['name']),
        IdCard: checkIdCard(input['idCard'], now()),
        Phone: checkPhone(input['phone']),
        ...(input['detailed'] === true ? { VerifyMode: '1' } : {}),
      }
      const { result, response } = await run('phone', 'PhoneVerification', userId, request, callOptions)
      return { ...result, ...(response.Isp !== undefined && { isp: response.Isp }), ...(response.ResultDetail ? { detail: response.ResultDetail } : {}) }
    },

    async bankCard(raw: BankCardCheckInput, callOptions?: CheckCallOptions): Promise<BankCardCheckResult> {
      const input = checkInputObject(raw)
      const userId = checkUserId(input['userId'])
      const name = checkName(input['name'])
      const bankCard = checkBankCard(input['bankCard'])
      const hasId = input['idCard'] !== undefined
      const hasPhone = input['phone'] !== undefined
      if (hasPhone && !hasId) throw new CheckInputError('idCard', 'a four-factor bank card check (with phone) needs idCard too')
      if (hasPhone) {
        const request = { Name: name, BankCard: bankCard, IdCard: checkIdCard(input['idCard'], now()), Phone: checkPhone(input['phone']) }
        return (await run<BankCardCheckKind, 'BankCard4EVerification'>('bank-card-4e', 'BankCard4EVerification', userId, request, callOptions)).result
      }
      if (hasId) {
        const request = { Name: name, BankCard: bankCard, IdCard: checkIdCard(input['idCard'], now()) }
        return (await run<BankCardCheckKind, 'BankCardVerification'>('bank-card-3e', 'BankCardVerification', userId, request, callOptions)).result
      }
      return (await run<BankCardCheckKind, 'BankCard2EVerification'>('bank-card-2e', 'BankCard2EVerification', userId, { Name: name, BankCard: bankCard }, callOptions)).result
    },

    async phoneStatus(raw: PhoneLookupInput, callOptions?: CheckCallOptions): Promise<PhoneStatusResult> {
      const input = checkInputObject(raw)
      const userId = checkUserId(input['userId'])
      const { result, response } = await run('phone-status', 'MobileStatus', userId, { Mobile: checkPhone(input['phone']) }, callOptions)
      const code = response.StatusCode
      const status = result.outcome === 'found' && typeof code === 'number' ? { code, label: STATUS_LABELS[code] ?? 'unknown' } : undefined
      return { ...result, ...(status && { status }) }
    },

    async phoneTenure(raw: PhoneLookupInput, callOptions?: CheckCallOptions): Promise<PhoneTenureResult> {
      const input = checkInputObject(raw)
      const userId = checkUserId(input['userId'])
      const { result, response } = await run('phone-tenure', 'MobileNetworkTimeVerification', userId, { Mobile: checkPhone(input['phone']) }, callOptions)
      const tenure = result.code === '0' ? parseTenure(response.Range) : undefined
      return { ...result, ...(tenure && { tenure }) }
    },

    read: (id) => store.read(id),
  }
}
