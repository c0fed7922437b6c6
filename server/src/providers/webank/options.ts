/**
 * The kit's `webank` option: the WBappid, its secret and the App SDK licence, checked eagerly.
 * Live mode refuses a missing part, the sandbox app, and a WeBank endpoint that is not https.
 */
import { ConfigurationError } from '../../errors/index.js'
import { webankOrigin } from './transport.js'

export interface WebankOptions {
  /** WBappid, from the 人脸核身 console (letters and digits). */
  appId: string
  /** The WBappid's secret. WeBank ends every token and ticket when it changes. */
  secret: string
  /**
   * The App SDK's licence (keyLicence) issued with the WBappid: handed to the native SDK with
   * each App SDK start. Required in live mode.
   */
  licence?: string | undefined
  /** WeBank's API origin. Default `https://kyc1.qcloud.com`; the sandbox points it at the emulator. */
  endpoint?: string | undefined
  /** Deadline of one HTTP attempt to WeBank, in seconds. Default 10. */
  timeoutSeconds?: number | undefined
}

/** The WBappid of the emulator's sandbox app: never accepted in live mode. */
export const SANDBOX_WEBANK_APP_ID = 'IDAsandbox'

export function validateWebankOptions(options: unknown, mode: 'live' | 'sandbox', owner = 'createFaceidKit'): asserts options is WebankOptions {
  const fail = (message: string): never => {
    throw new ConfigurationError(`${owner}: ${message}`)
  }
  if (typeof options !== 'object' || options === null) return fail('`webank` must be an object { appId, secret, licence? }')
  const o = options as Partial<Record<keyof WebankOptions, unknown>>
  if (typeof o.appId !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(o.appId)) fail('`webank.appId` (WBappid) is required: letters and digits')
  if (typeof o.secret !== 'string' || o.secret === '') fail('`webank.secret` (the WBappid\'s secret) is required')
  if (o.licence !== undefined && (typeof o.licence !== 'string' || o.licence === '')) fail('`webank.licence` must be a non-empty string')
  if (o.endpoint !== undefined && typeof o.endpoint !== 'string') fail('`webank.endpoint` must be a URL')
  if (o.timeoutSeconds !== undefined && !(typeof o.timeoutSeconds === 'number' && o.timeoutSeconds > 0)) fail('`webank.timeoutSeconds` must be a number > 0')
  const origin = webankOrigin(o.endpoint as string | undefined)
  if (mode === 'live') {
    if (o.appId === SANDBOX_WEBANK_APP_ID) fail('`webank.appId` is the sandbox app; live mode needs your own WBappid')
    if (o.licence === undefined) fail('`webank.licence` is required in live mode: the App SDK cannot log in without it')
    if (origin.protocol !== 'https:') fail('`webank.endpoint` must be https in live mode')
  }
}
