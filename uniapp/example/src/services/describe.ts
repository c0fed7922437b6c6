import type { CancelReason, KitErrorInfo, VerificationResult } from '@/uni_modules/faceid-kit/js_sdk'

const STATUS: Record<VerificationResult['status'], string> = {
  passed: '核验通过',
  failed: '核验未通过',
  pending: '结果处理中',
  expired: '已过期',
}

const CANCEL: Record<CancelReason, string> = {
  'user-cancel': '已取消核验',
  'jump-cancel': '已取消打开 E证通',
  'no-callback': '已返回，未完成核验',
}

/** The server's verdict, as the page shows it (identity values are already masked). */
export function describeResult(result: VerificationResult): string {
  const who = result.identity ? `（${result.identity.name}）` : ''
  return `${STATUS[result.status]}${who}`
}

export function describeCancel(reason: CancelReason): string {
  return CANCEL[reason]
}

export function describeError(error: KitErrorInfo): string {
  return `出错了：${error.message}`
}
