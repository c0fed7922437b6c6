/**
 * The return-code catalog: what a Tencent FaceID code means, whether Tencent bills it and whether
 * a fresh attempt can succeed. Entries are keyed by (product, code) because the same code can
 * mean or cost different things in different products.
 */
import { RETURN_CODE_DATA } from './catalog-data.js'
import type { ReturnCode, ReturnCodeProduct, TokenKind } from './types.js'

export const RETURN_CODES: readonly ReturnCode[] = RETURN_CODE_DATA

/** A table, or a token kind standing for the tables that token's results can come from. */
export type ReturnCodeScope = ReturnCodeProduct | TokenKind

/**
 * Tables searched for each token kind, first match wins. A BizToken may come from any face
 * product; the WeChat tables go first because the kit's flows run inside WeChat. E证通 results
 * use the E证通 table, whose codes Plus documents as well.
 */
const SEARCH_ORDER: Readonly<Record<TokenKind, readonly ReturnCodeProduct[]>> = {
  face: ['plus', 'enhanced', 'basic', 'intention', 'plus-app-h5', 'enhanced-app-h5', 'basic-app-h5', 'intention-app-h5'],
  eid: ['eid', 'plus'],
  // The web flows end in the same products as their mini-program twins.
  'face-h5': ['plus', 'enhanced', 'basic', 'intention', 'plus-app-h5', 'enhanced-app-h5', 'basic-app-h5', 'intention-app-h5'],
  'eid-h5': ['eid', 'plus'],
  // Megvii's result codes are their own table (megvii-codes.ts), not Tencent's.
  'megvii-h5': [],
  megvii: [],
  // The App SDK / H5 tables: WeBank's login-auth flows end in those products.
  'webank-app': ['plus-app-h5', 'enhanced-app-h5', 'basic-app-h5'],
  'webank-h5': ['plus-app-h5', 'enhanced-app-h5', 'basic-app-h5'],
}

/** Every table, for lookups that name no product. */
const ALL_PRODUCTS: readonly ReturnCodeProduct[] = [...SEARCH_ORDER.face, 'eid']

const byProduct = new Map<ReturnCodeProduct, Map<number, ReturnCode>>()
for (const entry of RETURN_CODES) {
  let table = byProduct.get(entry.product)
  if (!table) {
    table = new Map()
    byProduct.set(entry.product, table)
  }
  table.set(entry.code, entry)
}

function isTokenKind(scope: ReturnCodeScope): scope is TokenKind {
  return Object.prototype.hasOwnProperty.call(SEARCH_ORDER, scope)
}

function productsFor(scope: ReturnCodeScope | undefined): readonly ReturnCodeProduct[] {
  if (scope === undefined) return ALL_PRODUCTS
  if (isTokenKind(scope)) return SEARCH_ORDER[scope]
  return [scope]
}

/**
 * The catalog entry for `code`. A product name searches only that table; `'face'` searches
 * plus, enhanced, basic, intention, then the App SDK/H5 tables; `'eid'` searches eid then plus;
 * no product searches every table.
 */
export function lookupReturnCode(code: number, product?: ReturnCodeScope): ReturnCode | undefined {
  for (const p of productsFor(product)) {
    const entry = byProduct.get(p)?.get(code)
    if (entry) return entry
  }
  return undefined
}

/** Whether Tencent bills a verification ending with `code`; undefined when the code is unknown. */
export function isBillableCode(code: number, product?: ReturnCodeScope): boolean | undefined {
  return lookupReturnCode(code, product)?.billable
}

/** Whether a fresh attempt (new token, same person) can succeed; undefined when unknown. */
export function isRetryableCode(code: number, product?: ReturnCodeScope): boolean | undefined {
  return lookupReturnCode(code, product)?.retryable
}

/** The message for `code` in Chinese (default, as Tencent words it) or English. */
export function messageFor(code: number, product?: ReturnCodeScope, lang: 'zh' | 'en' = 'zh'): string | undefined {
  const entry = lookupReturnCode(code, product)
  return entry && entry[lang]
}
