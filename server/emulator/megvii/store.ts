/**
 * The Megvii emulator's biz_tokens: issued by get_biz_token, usable for one flow within an hour,
 * their result readable for a month, then gone.
 */
import { randomBytes } from 'node:crypto'
import { EmulatorError } from '../errors.js'

/** A biz_token can start a flow for one hour. */
export const MEGVII_BIZ_TOKEN_LIFETIME_MS = 3600 * 1000
/** Its result can be read for a month. */
export const MEGVII_RESULT_RETENTION_MS = 30 * 24 * 3600 * 1000

/** How a flow ends, as the user (or the test) decides it. */
export interface MegviiOutcome {
  /** Megvii's result_code, e.g. 1000, 4200. */
  resultCode: number
  /** Megvii's result_message, e.g. `SUCCESS`, `NO_AUDIO`. */
  resultMessage: string
  /** The live-vs-authority confidence (0-100). Default 86.47 on 1000, 40 on 2000, none otherwise. */
  confidence?: number
}

/** The thresholds Megvii reports with every comparison (Megvii's example values). */
export const MEGVII_THRESHOLDS = { '1e-3': 62.168713, '1e-4': 69.31534, '1e-5': 74.39926, '1e-6': 78.038055 } as const

export interface MegviiBizToken {
  token: string
  appCode: string
  issuedAt: number
  returnUrl: string
  notifyUrl: string
  bizNo: string
  idcardName: string
  idcardNumber: string
  /** When the user opened the page (the token is then spent). */
  startedAt?: number
  outcome?: MegviiOutcome
  finishedAt?: number
  /** Notices posted to notify_url (attempts). */
  notices: number
}

export class MegviiStore {
  private readonly tokens = new Map<string, MegviiBizToken>()
  issued = 0

  constructor(private readonly now: () => number) {}

  issue(init: Omit<MegviiBizToken, 'token' | 'issuedAt' | 'notices'>): MegviiBizToken {
    const at = this.now()
    // Megvii's shape: seconds, a comma, 32 hex digits.
    const token = `${Math.floor(at / 1000)},${randomBytes(16).toString('hex')}`
    const record: MegviiBizToken = { ...init, token, issuedAt: at, notices: 0 }
    this.tokens.set(token, record)
    this.issued += 1
    return record
  }

  /** The token while its result may be read; undefined once unknown or past retention. */
  get(token: string): MegviiBizToken | undefined {
    const record = this.tokens.get(token)
    if (!record) return undefined
    if (this.now() > record.issuedAt + MEGVII_RESULT_RETENTION_MS) {
      this.tokens.delete(token)
      return undefined
    }
    return record
  }

  /** The token if a flow can run on it now: known, within its hour, not finished. */
  usable(token: string): MegviiBizToken | undefined {
    const record = this.get(token)
    if (!record || record.outcome || this.now() > record.issuedAt + MEGVII_BIZ_TOKEN_LIFETIME_MS) return undefined
    return record
  }

  start(token: string): void {
    const record = this.usable(token)
    if (record && record.startedAt === undefined) record.startedAt = this.now()
  }

  complete(token: string, outcome: MegviiOutcome): MegviiBizToken {
    const record = this.get(token)
    if (!record) throw new EmulatorError('TOKEN_NOT_FOUND', `No biz_token ${token}`)
    if (record.outcome) throw new EmulatorError('TOKEN_FINAL', `biz_token ${token} has finished already`)
    if (this.now() > record.issuedAt + MEGVII_BIZ_TOKEN_LIFETIME_MS) throw new EmulatorError('TOKEN_EXPIRED', `biz_token ${token} has expired`)
    if (!Number.isInteger(outcome.resultCode) || typeof outcome.resultMessage !== 'string') throw new EmulatorError('INVALID_OUTCOME', 'An outcome needs resultCode and resultMessage')
    record.startedAt ??= this.now()
    record.outcome = { ...outcome }
    record.finishedAt = this.now()
    return record
  }

  /** get_result's answer for a known token. */
  result(record: MegviiBizToken, requestId: string): Record<string, unknown> {
    const base = { request_id: requestId, time_used: 3, biz_token: record.token, biz_no: record.bizNo, action: [] as unknown[] }
    const outcome = record.outcome
    if (!outcome) return { ...base, result_code: '9000', result_message: 'LIVING_NOT_START' }
    const compared = outcome.resultCode === 1000 || outcome.resultCode === 2000
    const confidence = outcome.confidence ?? (outcome.resultCode === 1000 ? 86.4735 : 40.1)
    return {
      ...base,
      result_code: String(outcome.resultCode),
      result_message: outcome.resultMessage,
      ...(record.startedAt !== undefined
        ? {
            // Stand-ins for the photos Megvii returns (base64); personal data in the real thing.
            images: { image_best: Buffer.from(`best frame of ${record.idcardName}`).toString('base64') },
            idcard_result: { name: record.idcardName, idcard_number: record.idcardNumber },
          }
        : {}),
      ...(compared ? { verification: { idcard: { confidence, thresholds: { ...MEGVII_THRESHOLDS } } } } : {}),
    }
  }

  snapshot(token: string): MegviiBizToken | undefined {
    const record = this.tokens.get(token)
    return record && { ...record }
  }
}
