/**
 * E证通 in a web page: GetEidToken with `RedirectUrl` gives an EidToken and a `Url`; E证通 sends
 * the browser back to `RedirectUrl` with `token={EidToken}` in the query. The result comes from
 * GetEidResult, as for the mini-program.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import { tencentIdentity } from '../../providers/tencent/identity.js'
import { eidFlow } from '../eid/index.js'
import type { Flow } from '../flow.js'

export const eidH5Flow: Flow<'eid-h5'> = {
  kind: 'eid-h5',
  ...FLOWS['eid-h5'],
  provider: 'tencent',
  issueAction: 'GetEidToken',
  web: { returnParams: ['token'] },

  partnerOptions: eidFlow.partnerOptions,
  reuseScope: eidFlow.reuseScope,

  async issue(clients, request, settings) {
    const merchantId = request.eidTokenOptions?.MerchantId ?? settings.merchantId
    if (!merchantId) throw new ConfigurationError('No MerchantId: set FACEID_EID_MERCHANT_ID or pass MerchantId in the EidToken options')
    if (!request.redirectUrl) throw new ConfigurationError('The H5 E证通 flow needs the return URL (the kit\'s `h5` option)')
    const res = await clients.tencent.call('GetEidToken', { ...request.eidTokenOptions, ...tencentIdentity(request.identity), MerchantId: merchantId, RedirectUrl: request.redirectUrl })
    return { token: res.EidToken, requestId: res.RequestId, merchantId, url: res.Url }
  },

  fetch: eidFlow.fetch,
}
