import { TOKEN_PATTERN } from '@faceid-kit/shared'
import { kitError, type FaceIdKitError } from './errors'

/** Both SDKs accept exactly this; anything else makes them show a modal and never call back. */
export { TOKEN_PATTERN }

export function checkToken(token: unknown): FaceIdKitError | undefined {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    return kitError('INVALID_TOKEN', 'token 格式错误：应为 36 位字母、数字或“-”', false)
  }
  return undefined
}

export function checkStartPath(startPath: unknown): FaceIdKitError | undefined {
  if (startPath === undefined) return undefined
  if (typeof startPath !== 'string' || !startPath.startsWith('/')) {
    return kitError('INVALID_OPTIONS', 'startPath 必须是以“/”开头的页面路径', false)
  }
  return undefined
}

export function checkBooleans(options: Record<string, unknown>, keys: readonly string[]): FaceIdKitError | undefined {
  for (const key of keys) {
    const value = options[key]
    if (value !== undefined && typeof value !== 'boolean') {
      return kitError('INVALID_OPTIONS', `${key} 必须是布尔值`, false)
    }
  }
  return undefined
}

/** Compares dotted versions ("2.20.1" vs "2.3.0"); missing parts count as 0. */
export function compareVersion(a: string, b: string): number {
  const pa = a.split('.')
  const pb = b.split('.')
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (Number.parseInt(pa[i] ?? '0', 10) || 0) - (Number.parseInt(pb[i] ?? '0', 10) || 0)
    if (d !== 0) return d > 0 ? 1 : -1
  }
  return 0
}
