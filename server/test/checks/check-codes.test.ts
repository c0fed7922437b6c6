/**
 * Checks the identity-check catalog (shared/src/check-codes.ts) against Tencent's own text: the
 * `Result` documentation of each action's response model in the installed tencentcloud-sdk-nodejs
 * (code, message, 收费/不收费). A mistyped code, message or billing flag fails here.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { CHECK_RESULT_CODES, lookupCheckCode, type CheckResultCode, type IdentityCheckKind } from '@faceid-kit/shared'
import { describe, expect, it } from 'vitest'
import { CHECK_ACTIONS } from '../../src/checks/index.js'

const require = createRequire(import.meta.url)
const MODELS = path.join(path.dirname(require.resolve('tencentcloud-sdk-nodejs/package.json')), 'tencentcloud/services/faceid/v20180301/faceid_models.d.ts')

interface DocRow {
  code: string
  zh: string
  billable: boolean
}

/** The JSDoc of `Result` in `<action>Response`. */
function resultDoc(models: string, action: string): string {
  const start = models.indexOf(`export interface ${action}Response {`)
  if (start < 0) throw new Error(`${action}Response not found in the SDK models`)
  const body = models.slice(start, models.indexOf('\n}', start))
  const field = body.indexOf('Result?: string;')
  if (field < 0) throw new Error(`${action}Response has no Result field`)
  const doc = body.lastIndexOf('/**', field)
  return body.slice(doc, field)
}

/**
 * Reads `code: message` lines under the 收费/计费 and 不收费/不计费 headings, in the model's several
 * spellings (`0: …`, `'0': '…'。`, `-13：…`, HTML lists, `-0:` for 0).
 */
export function parseResultDoc(doc: string): DocRow[] {
  const rows: DocRow[] = []
  let billable: boolean | undefined
  const lines = doc
    .replace(/<[^>]+>/g, '\n')
    .split('\n')
    .map((l) => l.replace(/^\s*\*?\s*/, '').trim())
  for (const line of lines) {
    if (/不(收|计)费/.test(line)) billable = false
    else if (/(收|计)费/.test(line)) billable = true
    const m = /^'?(-?\d+)'?\s*[:：]\s*'?(.+?)'?。?$/.exec(line)
    if (!m) continue
    if (billable === undefined) throw new Error(`code before any billing heading: ${line}`)
    const code = m[1] === '-0' ? '0' : m[1]!
    rows.push({ code, zh: m[2]!, billable })
  }
  return rows
}

const models = readFileSync(MODELS, 'utf8')
const kinds = Object.keys(CHECK_ACTIONS) as IdentityCheckKind[]
const documented = new Map(kinds.map((kind) => [kind, parseResultDoc(resultDoc(models, CHECK_ACTIONS[kind]))]))

function diff(kind: IdentityCheckKind, catalog: readonly CheckResultCode[]): string[] {
  const problems: string[] = []
  const rows = documented.get(kind)!
  const mine = catalog.filter((e) => e.check === kind)
  for (const row of rows) {
    const entry = mine.find((e) => e.code === row.code)
    if (!entry) problems.push(`${kind}/${row.code} missing`)
    else {
      if (entry.zh !== row.zh) problems.push(`${kind}/${row.code}: zh "${entry.zh}" ≠ "${row.zh}"`)
      if (entry.billable !== row.billable) problems.push(`${kind}/${row.code}: billable ${entry.billable} ≠ ${row.billable}`)
    }
  }
  for (const entry of mine) if (!rows.some((r) => r.code === entry.code)) problems.push(`${kind}/${entry.code} not in the SDK model`)
  return problems
}

describe('the SDK models (parser sanity)', () => {
  it('finds every documented code of every check', () => {
    const counts = Object.fromEntries(kinds.map((k) => [k, documented.get(k)!.length]))
    expect(counts).toEqual({ 'id-card': 8, phone: 9, 'bank-card-2e': 19, 'bank-card-3e': 21, 'bank-card-4e': 22, 'phone-status': 6, 'phone-tenure': 7 })
  })

  it('reads each spelling, and billing from its heading', () => {
    expect(parseResultDoc("/**\n * - 计费结果码：\n   '0': '认证通过'。\n  - 不计费结果码：\n   '-2': '姓名校验不通过'。\n */")).toEqual([
      { code: '0', zh: '认证通过', billable: true },
      { code: '-2', zh: '姓名校验不通过', billable: false },
    ])
    expect(parseResultDoc('<ul><li>收费结果码：<br>-0: 成功。</li><li>不收费结果码：<br>-13：该号段不支持验证</li></ul>')).toEqual([
      { code: '0', zh: '成功', billable: true },
      { code: '-13', zh: '该号段不支持验证', billable: false },
    ])
  })
})

describe('CHECK_RESULT_CODES', () => {
  it.each(kinds)('%s matches the SDK model exactly (codes, Chinese messages, billing)', (kind) => {
    expect(diff(kind, CHECK_RESULT_CODES)).toEqual([])
  })

  it('would catch a flipped billing flag, a changed message, a wrong code or an extra entry', () => {
    const first = CHECK_RESULT_CODES.find((e) => e.check === 'id-card' && e.code === '-1')!
    const swap = (change: Partial<CheckResultCode>): CheckResultCode[] => CHECK_RESULT_CODES.map((e) => (e === first ? { ...e, ...change } : e))
    expect(diff('id-card', swap({ billable: false }))).toHaveLength(1)
    expect(diff('id-card', swap({ zh: '不一致' }))).toHaveLength(1)
    expect(diff('id-card', swap({ code: '-9' }))).toHaveLength(2)
    expect(diff('phone', [...CHECK_RESULT_CODES, { ...first, check: 'phone', code: '-99' }])).toEqual(['phone/-99 not in the SDK model'])
  })

  it('has an English message without Chinese characters, one entry per (check, code), and billable verdicts only where Tencent bills', () => {
    const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/
    expect(CHECK_RESULT_CODES.filter((e) => !e.en.trim() || cjk.test(e.en))).toEqual([])
    const keys = CHECK_RESULT_CODES.map((e) => `${e.check}/${e.code}`)
    expect(new Set(keys).size).toBe(keys.length)
    // A verdict about the person (match, mismatch) is always a billed answer; an error never is.
    expect(CHECK_RESULT_CODES.filter((e) => (e.outcome === 'match' || e.outcome === 'mismatch' || e.outcome === 'unverifiable') && !e.billable)).toEqual([])
    expect(CHECK_RESULT_CODES.filter((e) => e.outcome === 'error' && e.billable)).toEqual([])
    expect(CHECK_RESULT_CODES.filter((e) => e.code === '0' && e.outcome !== 'match' && e.outcome !== 'found')).toEqual([])
  })

  it('lookupCheckCode finds by check and code, and nothing else', () => {
    expect(lookupCheckCode('id-card', '-5')).toMatchObject({ outcome: 'not_found', billable: false, zh: '证件库中无此身份证记录' })
    expect(lookupCheckCode('bank-card-4e', '-13')).toMatchObject({ outcome: 'unverifiable', billable: true, zh: '此卡已挂失' })
    expect(lookupCheckCode('bank-card-2e', '-13')).toMatchObject({ zh: '受限制的卡' })
    expect(lookupCheckCode('phone', '-1')).toBeUndefined()
  })
})
