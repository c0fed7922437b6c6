import { FLOWS } from '@faceid-kit/shared'
import { FaceIdKitError, kitError } from './errors'
import type { HeaderSource, Platform, TokenKind, TokenResponse, VerificationResult } from './types'

export interface ApiClientOptions {
  baseUrl: string
  routePrefix?: string
  header?: HeaderSource
  timeout?: number
}

/** The routes of each flow (`FLOWS` in @faceid-kit/shared) over the platform's `request`. */
export interface ApiClient {
  createToken(kind: TokenKind): Promise<TokenResponse>
  getResult(kind: TokenKind, token: string): Promise<VerificationResult>
}

export function createApiClient(platform: Platform, options: ApiClientOptions): ApiClient {
  const base = options.baseUrl.replace(/\/+$/, '') + normalisePrefix(options.routePrefix ?? '/faceid')

  async function call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const header: Record<string, string> = { 'content-type': 'application/json' }
    Object.assign(header, await resolveHeader(options.header))
    return new Promise<T>((resolve, reject) => {
      platform.request({
        url: base + path,
        method,
        header,
        timeout: options.timeout ?? 15000,
        ...(method === 'POST' ? { data: {} } : {}),
        success(res) {
          if (res.statusCode >= 200 && res.statusCode < 300) {
            const data = parseBody(res.data)
            if (data && typeof data === 'object') resolve(data as T)
            else reject(kitError('BAD_RESPONSE', '服务器返回了无法识别的内容', true))
            return
          }
          reject(httpError(res.statusCode, parseBody(res.data)))
        },
        fail(err) {
          const msg = (err && err.errMsg) || ''
          if (/timeout|超时/i.test(msg)) reject(kitError('TIMEOUT', '网络请求超时，请稍后重试', true))
          else reject(kitError('NETWORK', '网络连接失败，请检查网络后重试', true))
        },
      })
    })
  }

  return {
    async createToken(kind) {
      const res = await call<TokenResponse>('POST', FLOWS[kind].path)
      if (typeof res.token !== 'string') throw kitError('BAD_RESPONSE', '服务器没有返回 token', true)
      return res
    },
    async getResult(kind, token) {
      const res = await call<VerificationResult>('GET', `${FLOWS[kind].path}/${encodeURIComponent(token)}`)
      if (typeof res.status !== 'string') throw kitError('BAD_RESPONSE', '服务器返回的核验结果无法识别', true)
      return res
    },
  }
}

function normalisePrefix(prefix: string): string {
  if (!prefix) return ''
  const p = prefix.startsWith('/') ? prefix : `/${prefix}`
  return p.replace(/\/+$/, '')
}

async function resolveHeader(source: HeaderSource | undefined): Promise<Record<string, string>> {
  if (!source) return {}
  return typeof source === 'function' ? await source() : source
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch {
    return data
  }
}

function httpError(status: number, body: unknown): FaceIdKitError {
  const error = body && typeof body === 'object' ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined
  const code = error && typeof error.code === 'string' ? error.code : `HTTP_${status}`
  const message = error && typeof error.message === 'string' ? error.message : `服务器错误（${status}）`
  return new FaceIdKitError({ code, message, retryable: status >= 500 || status === 429 || status === 408, status })
}
