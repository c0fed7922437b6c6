/** The kit's `megvii` option, checked eagerly. */
import { ConfigurationError } from '../../errors/index.js'
import type { MegviiThresholdKey } from './actions.js'
import type { MegviiClientOptions } from './client.js'
import { isMegviiThresholdKey } from './result.js'

/** The AppCode the emulator accepts by default: refused in live mode. */
export const MEGVII_SANDBOX_APPCODE = 'sandbox-megvii-appcode-0000000000'

export interface MegviiOptions extends MegviiClientOptions {
  /**
   * The false-accept rate whose confidence a face comparison must exceed to pass: `'1e-3'`,
   * `'1e-4'`, `'1e-5'` or `'1e-6'` (stricter). Default `'1e-4'` (one false accept in 10,000).
   */
  threshold?: MegviiThresholdKey
}

export function validateMegviiOptions(options: MegviiOptions, mode: 'live' | 'sandbox', owner: string): void {
  const fail = (message: string): never => {
    throw new ConfigurationError(`${owner}: ${message}`)
  }
  if (typeof options !== 'object' || options === null) fail('`megvii` must be an object { appCode, endpoint?, pageBase?, threshold? }')
  if (typeof options.appCode !== 'string' || options.appCode === '') fail('`megvii.appCode` is required (the AppCode of the Aliyun API market purchase)')
  if (mode === 'live' && options.appCode === MEGVII_SANDBOX_APPCODE) fail('the emulator\'s sandbox AppCode cannot run live verifications')
  if (options.threshold !== undefined && !isMegviiThresholdKey(options.threshold)) fail("`megvii.threshold` must be '1e-3', '1e-4', '1e-5' or '1e-6'")
}
