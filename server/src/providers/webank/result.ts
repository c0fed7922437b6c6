/**
 * How a WeBank result query reads. The verdict comes from this answer only, never from the H5
 * callback's `code` or the native SDK's callback: `code` 0 is passed, 66660011 is "not finished
 * (or no longer kept)", any other code is a failure with the catalog's message and billing (the
 * App SDK / H5 tables). WeBank returns no name or ID number here; photos and videos, when asked
 * for, are stored sealed and never shown.
 */
import { lookupReturnCode, type NormalizeContext, type ReturnCodeProduct, type UpstreamResult, type VerificationResult } from '@faceid-kit/shared'
import type { FaceRecordResponse } from './actions.js'

/** The stored raw answer of a WeBank flow: the query's answer, marked with its provider. */
export interface WebankResult extends UpstreamResult, Omit<FaceRecordResponse, 'code'> {
  provider: 'webank'
  code: string
}

/** WeBank's "no result (yet)": the user has not finished, or WeBank no longer keeps it. */
export const WEBANK_NOT_FINISHED_CODE = 66660011

/** The catalog tables a WeBank code is read from, first match wins. */
export const WEBANK_CODE_TABLES: readonly ReturnCodeProduct[] = ['plus-app-h5', 'enhanced-app-h5', 'basic-app-h5']

export function isWebankResult(raw: UpstreamResult): raw is WebankResult {
  return (raw as { provider?: unknown }).provider === 'webank'
}

function lookup(code: number) {
  for (const table of WEBANK_CODE_TABLES) {
    const entry = lookupReturnCode(code, table)
    if (entry) return entry
  }
  return undefined
}

function codeOf(raw: UpstreamResult): number | undefined {
  const value = (raw as { code?: unknown }).code
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  return /^-?\d{1,9}$/.test(text) ? Number(text) : undefined
}

/** A query answer as the masked outcome a client may see. */
export function normalizeWebankResult(raw: UpstreamResult, ctx: NormalizeContext): VerificationResult {
  const code = codeOf(raw)
  const base = { token: ctx.token, kind: ctx.kind, updatedAt: ctx.fetchedAt.toISOString() }
  if (code === undefined || code === WEBANK_NOT_FINISHED_CODE) {
    return { ...base, status: ctx.fetchedAt.getTime() > ctx.expiresAt.getTime() ? 'expired' : 'pending' }
  }
  const entry = lookup(code)
  return {
    ...base,
    status: code === 0 ? 'passed' : 'failed',
    code,
    message: entry?.zh ?? (code === 0 ? '认证通过' : '核身未通过'),
    billable: entry?.billable ?? false,
  }
}

/** The flows' result reader (`Flow.results`). */
export const webankResultReader = {
  normalize: (raw: UpstreamResult, ctx: NormalizeContext): VerificationResult => normalizeWebankResult(raw, ctx),
  billableCount: (raw: UpstreamResult): number => {
    const code = codeOf(raw)
    return code !== undefined && code !== WEBANK_NOT_FINISHED_CODE && lookup(code)?.billable === true ? 1 : 0
  },
  // A failure the catalog says no retry can fix (attempts exhausted, name and ID mismatch) will not change.
  isFinal: (result: VerificationResult): boolean => result.status === 'failed' && result.code !== undefined && lookup(result.code)?.retryable === false,
  goneCodes: new Set<string>(),
}

/** The non-personal part of a result, kept in clear: codes and scores, never the photo, the video or WeBank's free text. */
export function webankClearPart(raw: WebankResult): UpstreamResult {
  const result = raw.result
  const clear: Record<string, unknown> = { provider: 'webank', code: raw.code }
  for (const key of ['bizSeqNo', 'transactionTime'] as const) if (typeof raw[key] === 'string') clear[key] = raw[key]
  if (result && typeof result === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of ['orderNo', 'liveRate', 'similarity', 'occurredTime', 'appId', 'bizSeqNo', 'sdkVersion', 'trtcFlag'] as const) {
      if (typeof result[key] === 'string') out[key] = result[key]
    }
    clear['result'] = out
  } else if (result === null) clear['result'] = null
  return clear as UpstreamResult
}
