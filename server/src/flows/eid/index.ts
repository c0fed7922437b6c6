/**
 * E证通 in a mini-program (mp_ecard_sdk): an EidToken from GetEidToken under a MerchantId, its
 * result from GetEidResult.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import { tencentIdentity } from '../../providers/tencent/identity.js'
import type { Flow } from '../flow.js'
import { checkEidIntention, hasIntentionScript, withIntentionParts } from '../intention.js'

export const eidFlow: Flow<'eid'> = {
  kind: 'eid',
  ...FLOWS.eid,
  provider: 'tencent',
  issueAction: 'GetEidToken',

  async partnerOptions(hooks, userId, ctx) {
    const eidTokenOptions = await hooks.eidTokenOptions?.(userId, ctx)
    checkEidIntention(eidTokenOptions)
    return { eidTokenOptions }
  },

  reuseScope(options) {
    return { merchantId: options.eidTokenOptions?.MerchantId, perVerification: hasIntentionScript(options) }
  },

  async issue(clients, request, settings) {
    const merchantId = request.eidTokenOptions?.MerchantId ?? settings.merchantId
    if (!merchantId) throw new ConfigurationError('No MerchantId: set FACEID_EID_MERCHANT_ID or pass MerchantId in the EidToken options')
    const res = await clients.tencent.call('GetEidToken', { ...request.eidTokenOptions, ...tencentIdentity(request.identity), MerchantId: merchantId })
    return { token: res.EidToken, requestId: res.RequestId, merchantId }
  },

  fetch(clients, record, settings) {
    // GetEidResult has no video part (4).
    return clients.tencent.call('GetEidResult', { EidToken: record.token, InfoType: withIntentionParts(settings.infoType.replace('4', '') || '1') })
  },
}
