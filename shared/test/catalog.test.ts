/**
 * Checks the return-code catalog against Tencent's own tables (kept as data in
 * vendor/tencent-return-codes.txt, source named there), so a mistyped code, message or billing
 * flag fails here.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  RETURN_CODES,
  isBillableCode,
  isRetryableCode,
  lookupReturnCode,
  messageFor,
} from '../src/catalog.js'
import type { ReturnCode, ReturnCodeProduct } from '../src/types.js'

const SEED = new URL('./vendor/tencent-return-codes.txt', import.meta.url)

interface TableRow {
  product: ReturnCodeProduct
  code: number
  zh: string
  billable: boolean
  line: number
}

/** Section headings of the "计费错误码" pages; null = a section outside the catalog. */
const SECTIONS: Readonly<Record<string, ReturnCodeProduct | null>> = {
  'Plus 版人脸核身服务错误码': 'plus',
  '增强版人脸核身服务错误码': 'enhanced',
  '基础版人脸核身服务错误码': 'basic',
  'E 证通服务错误码': 'eid',
  '意愿核身服务错误码': 'intention',
  '实证 NFC 服务错误码': null,
  '核身及要素 API 服务错误码': null,
}

const APP_TABLES: Partial<Record<ReturnCodeProduct, ReturnCodeProduct>> = {
  plus: 'plus-app-h5',
  enhanced: 'enhanced-app-h5',
  basic: 'basic-app-h5',
  intention: 'intention-app-h5',
}

/**
 * Reads every row `code<TAB>message[<TAB>measure]<TAB>是|否` of the in-scope sections. Inside a
 * section, an "App SDK … 返回码" heading switches to that product's App SDK/H5 table; the
 * WeChat heading and "意愿核身返回码" (intention's own codes) switch back.
 */
function parseTables(text: string): TableRow[] {
  const rows: TableRow[] = []
  let product: ReturnCodeProduct | null | undefined
  let app = false
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (Object.hasOwn(SECTIONS, line)) {
      product = SECTIONS[line]
      app = false
      return
    }
    if (!product) return
    if (/^App SDK.*返回码$/.test(line)) {
      app = true
      return
    }
    if (line === '意愿核身返回码' || /^(微信小程序.*|小程序)返回码$/.test(line)) {
      app = false
      return
    }
    const cols = raw.split('\t').map((c) => c.trim())
    if (!/^-?\d+$/.test(cols[0] ?? '')) return
    const billing = cols.at(-1)
    if (cols.length < 3 || (billing !== '是' && billing !== '否') || !cols[1]) {
      throw new Error(`unparsable table row at line ${index + 1}: ${raw}`)
    }
    const table = app ? APP_TABLES[product] : product
    if (!table) throw new Error(`App SDK table without a catalog product at line ${index + 1}`)
    rows.push({ product: table, code: Number(cols[0]), zh: cols[1], billable: billing === '是', line: index + 1 })
  })
  return rows
}

const key = (product: string, code: number): string => `${product}/${code}`

/** Every difference between the vendor tables and a catalog, as readable lines. */
function diffCatalog(rows: readonly TableRow[], catalog: readonly ReturnCode[]): string[] {
  const problems: string[] = []
  const byKey = new Map<string, ReturnCode>()
  for (const entry of catalog) byKey.set(key(entry.product, entry.code), entry)
  const seen = new Set<string>()
  for (const row of rows) {
    const k = key(row.product, row.code)
    seen.add(k)
    const entry = byKey.get(k)
    if (!entry) problems.push(`missing ${k} (vendor table line ${row.line})`)
    else {
      if (entry.zh !== row.zh) problems.push(`${k}: zh "${entry.zh}" ≠ "${row.zh}"`)
      if (entry.billable !== row.billable) problems.push(`${k}: billable ${entry.billable} ≠ ${row.billable}`)
    }
  }
  for (const k of byKey.keys()) if (!seen.has(k)) problems.push(`not in the tables: ${k}`)
  return problems
}

function readSeed(): string {
  try {
    return readFileSync(fileURLToPath(SEED), 'utf8')
  } catch (cause) {
    // The check is only worth something against the vendor text: never skip silently.
    throw new Error(`vendor return-code tables not found at ${fileURLToPath(SEED)}`, { cause })
  }
}

const rows = parseTables(readSeed())

describe('vendor tables (parser sanity)', () => {
  it('finds every table of every product in scope', () => {
    const counts: Record<string, number> = {}
    for (const row of rows) counts[row.product] = (counts[row.product] ?? 0) + 1
    // Per product: 13 system + 7 WeChat + 7 liveness + 18 comparison codes; 基础版 adds 22
    // digital/action/silent liveness codes, 意愿核身 its 3 own codes; App SDK/H5 tables have 30.
    expect(counts).toEqual({
      plus: 45,
      enhanced: 45,
      basic: 67,
      eid: 45,
      intention: 48,
      'plus-app-h5': 30,
      'enhanced-app-h5': 30,
      'basic-app-h5': 30,
      'intention-app-h5': 30,
    })
  })

  it('rejects a numeric row it cannot read instead of dropping it', () => {
    expect(() => parseTables('Plus 版人脸核身服务错误码\n1001\t引擎超时\t可能')).toThrow(/unparsable/)
    expect(() => parseTables('Plus 版人脸核身服务错误码\n1001\t引擎超时')).toThrow(/unparsable/)
  })

  it('ignores sections outside the catalog', () => {
    expect(parseTables('实证 NFC 服务错误码\n600100\t该设备不支持 NFC 功能\t说明\t否')).toEqual([])
  })
})

describe('RETURN_CODES', () => {
  it('matches the vendor tables exactly (codes, Chinese messages, billing)', () => {
    expect(diffCatalog(rows, RETURN_CODES)).toEqual([])
  })

  it('would catch a mistyped code, a flipped billing flag, a changed message or an extra entry', () => {
    const [first, second, third] = RETURN_CODES
    if (!first || !second || !third) throw new Error('catalog is empty')
    const mutate = (i: number, change: Partial<ReturnCode>): ReturnCode[] =>
      RETURN_CODES.map((e, j) => (j === i ? { ...e, ...change } : e))
    expect(diffCatalog(rows, mutate(0, { billable: !first.billable }))).toHaveLength(1)
    expect(diffCatalog(rows, mutate(1, { code: second.code + 100000 }))).toHaveLength(2)
    expect(diffCatalog(rows, mutate(2, { zh: `${third.zh}。` }))).toHaveLength(1)
    expect(diffCatalog(rows, [...RETURN_CODES, { ...first, product: 'eid', code: 424242 }])).toEqual([
      'not in the tables: eid/424242',
    ])
    expect(diffCatalog(rows, RETURN_CODES.slice(1))).toHaveLength(1)
  })

  it('has one entry per (product, code)', () => {
    const keys = RETURN_CODES.map((e) => key(e.product, e.code))
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('has an English message without Chinese characters for every entry', () => {
    const cjk = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/
    const bad = RETURN_CODES.filter((e) => !e.en.trim() || cjk.test(e.en)).map((e) => key(e.product, e.code))
    expect(bad).toEqual([])
  })

  it('gives the same meaning the same English text and retry advice', () => {
    const byZh = new Map<string, ReturnCode>()
    const inconsistent: string[] = []
    for (const e of RETURN_CODES) {
      const other = byZh.get(e.zh)
      if (!other) byZh.set(e.zh, e)
      else if (other.en !== e.en || other.retryable !== e.retryable) inconsistent.push(key(e.product, e.code))
    }
    expect(inconsistent).toEqual([])
  })

  it('never marks success as retryable', () => {
    expect(RETURN_CODES.filter((e) => e.code === 0 && e.retryable)).toEqual([])
  })
})

describe('lookupReturnCode', () => {
  const FACE_ORDER: ReturnCodeProduct[] = [
    'plus',
    'enhanced',
    'basic',
    'intention',
    'plus-app-h5',
    'enhanced-app-h5',
    'basic-app-h5',
    'intention-app-h5',
  ]
  const firstIn = (order: readonly ReturnCodeProduct[], code: number): ReturnCode | undefined => {
    for (const product of order) {
      const hit = RETURN_CODES.find((e) => e.product === product && e.code === code)
      if (hit) return hit
    }
    return undefined
  }
  const allCodes = [...new Set(RETURN_CODES.map((e) => e.code))]

  it("'face' prefers plus, then enhanced, basic, intention, then the App SDK/H5 tables", () => {
    for (const code of allCodes) expect(lookupReturnCode(code, 'face')).toBe(firstIn(FACE_ORDER, code))
    expect(lookupReturnCode(1002, 'face')).toMatchObject({ product: 'plus', billable: true })
    expect(lookupReturnCode(1101, 'face')?.product).toBe('basic')
    expect(lookupReturnCode(66666006, 'face')).toMatchObject({ product: 'intention', billable: true })
    expect(lookupReturnCode(66660023, 'face')).toMatchObject({ product: 'plus-app-h5', billable: true })
  })

  it("'eid' searches the E证通 table, then plus, and nothing else", () => {
    for (const code of allCodes) expect(lookupReturnCode(code, 'eid')).toBe(firstIn(['eid', 'plus'], code))
    expect(lookupReturnCode(1002, 'eid')).toMatchObject({ product: 'eid', billable: false })
    expect(lookupReturnCode(-5008, 'eid')).toBeUndefined()
    expect(lookupReturnCode(1101, 'eid')).toBeUndefined()
  })

  it('a product name searches only that table', () => {
    for (const entry of RETURN_CODES) expect(lookupReturnCode(entry.code, entry.product)).toBe(entry)
    expect(lookupReturnCode(1002, 'enhanced')?.billable).toBe(false)
    expect(lookupReturnCode(66660023, 'basic-app-h5')?.billable).toBe(false)
    expect(lookupReturnCode(1101, 'plus')).toBeUndefined()
  })

  it('without a product finds any documented code', () => {
    for (const code of allCodes) expect(lookupReturnCode(code)?.code).toBe(code)
  })

  it('returns undefined for unknown codes', () => {
    expect(lookupReturnCode(424242)).toBeUndefined()
    expect(lookupReturnCode(424242, 'face')).toBeUndefined()
    expect(lookupReturnCode(Number.NaN, 'eid')).toBeUndefined()
  })
})

describe('isBillableCode / isRetryableCode / messageFor', () => {
  it('report billing from the table searched', () => {
    expect(isBillableCode(0, 'face')).toBe(true)
    expect(isBillableCode(2006, 'eid')).toBe(true)
    expect(isBillableCode(1001, 'face')).toBe(false)
    expect(isBillableCode(1002, 'enhanced')).toBe(false)
    expect(isBillableCode(424242, 'face')).toBeUndefined()
  })

  it('say whether trying again can help', () => {
    expect(isRetryableCode(1001, 'face')).toBe(true) // engine timeout
    expect(isRetryableCode(15, 'eid')).toBe(true) // token expired
    expect(isRetryableCode(2006, 'face')).toBe(false) // name and ID number do not match
    expect(isRetryableCode(302, 'face')).toBe(false) // ID card expired
    expect(isRetryableCode(14, 'face')).toBe(false) // already completed
    expect(isRetryableCode(203, 'eid')).toBe(false) // no permission
    expect(isRetryableCode(424242)).toBeUndefined()
  })

  it('give the Chinese message by default and the English one on request', () => {
    const zh = rows.find((r) => r.product === 'plus' && r.code === 2006)?.zh
    expect(zh).toBeTruthy()
    expect(messageFor(2006, 'face')).toBe(zh)
    expect(messageFor(2006, 'face', 'zh')).toBe(zh)
    expect(messageFor(2006, 'face', 'en')).toBe(lookupReturnCode(2006, 'plus')?.en)
    expect(messageFor(2006, 'face', 'en')).toMatch(/name/i)
    expect(messageFor(424242, 'face', 'en')).toBeUndefined()
  })
})
