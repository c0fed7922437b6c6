import type { KitErrorCode, KitErrorInfo } from './types'

/** Every rejection of the kit is one of these; `toJSON()` gives the plain `KitErrorInfo`. */
export class FaceIdKitError extends Error implements KitErrorInfo {
  readonly code: KitErrorCode | string | number
  readonly retryable: boolean
  readonly status?: number
  readonly token?: string

  constructor(info: KitErrorInfo) {
    super(info.message)
    this.name = 'FaceIdKitError'
    this.code = info.code
    this.retryable = info.retryable
    if (info.status !== undefined) this.status = info.status
    if (info.token !== undefined) this.token = info.token
  }

  toJSON(): KitErrorInfo {
    const info: KitErrorInfo = { code: this.code, message: this.message, retryable: this.retryable }
    if (this.status !== undefined) info.status = this.status
    if (this.token !== undefined) info.token = this.token
    return info
  }
}

export function kitError(code: KitErrorCode, message: string, retryable = false, token?: string): FaceIdKitError {
  return new FaceIdKitError(token === undefined ? { code, message, retryable } : { code, message, retryable, token })
}

/**
 * verify_mpsdk's client-side codes that a new attempt cannot fix. Anything else (network,
 * recording, liveness, expired token) is worth another try.
 */
const FINAL_SDK_CODES = new Set([-100, 14, 2002, 2003, 2006])

/** The intention build's 意愿核身 failures: -9999 worth another try, -99999 not. */
const INTENTION: Record<number, 'INTENTION_RETRY' | 'INTENTION_REFUSED'> = { [-9999]: 'INTENTION_RETRY', [-99999]: 'INTENTION_REFUSED' }

export function sdkError(code: number, message: string | undefined, token: string): FaceIdKitError {
  const intention = INTENTION[code]
  return new FaceIdKitError({
    code: intention ?? code,
    message: message || `人脸核身失败（${code}）`,
    retryable: intention ? code === -9999 : !FINAL_SDK_CODES.has(code),
    token,
  })
}

/** No loader for an SDK, or it failed: names the folder to copy, the page to add and the loader to set. */
export function sdkMissing(name: string, folder: string, loader: string): FaceIdKitError {
  return kitError(
    'SDK_MISSING',
    `未找到${name} SDK（${folder}）：请从腾讯云控制台下载 ${folder} 文件夹放到小程序根目录，` +
      `在 app.json 的 pages 中加入 "${folder}/index/index"，并通过 ` +
      `configure({ ${loader}: () => require('<相对路径>/${folder}/main') }) 告诉本组件库它的位置`,
  )
}

/** The SDK threw (init or start): not retryable, the app or the SDK files need fixing. */
export function sdkThrew(what: string, error: unknown, token?: string): FaceIdKitError {
  return kitError('SDK_ERROR', `${what}：${error instanceof Error ? error.message : String(error)}`, false, token)
}

/** Normalises anything thrown into a `KitErrorInfo` for component events. */
export function toErrorInfo(error: unknown): KitErrorInfo {
  if (error instanceof FaceIdKitError) return error.toJSON()
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'SDK_ERROR', message, retryable: false }
}
