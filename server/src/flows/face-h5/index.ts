/**
 * 人脸核身 in a web page (WeChat H5 or a mobile browser): DetectAuth with `RedirectUrl` gives a
 * BizToken and a `Url` the user opens; Tencent sends the browser back to `RedirectUrl` with the
 * BizToken in the query. The result comes from GetDetectInfoEnhanced, as for the mini-program.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import { tencentIdentity } from '../../providers/tencent/identity.js'
import { faceFlow } from '../face/index.js'
import type { Flow } from '../flow.js'

export const faceH5Flow: Flow<'face-h5'> = {
  kind: 'face-h5',
  ...FLOWS['face-h5'],
  provider: 'tencent',
  issueAction: 'DetectAuth',
  // Tencent's guides say only that the BizToken is "in the query"; `token` is accepted too.
  web: { returnParams: ['BizToken', 'token'] },

  partnerOptions: faceFlow.partnerOptions,
  reuseScope: faceFlow.reuseScope,

  async issue(clients, request, settings) {
    const ruleId = request.bizTokenOptions?.RuleId ?? settings.ruleId
    if (!ruleId) throw new ConfigurationError('No RuleId: set FACEID_RULE_ID or pass RuleId in the BizToken options')
    if (!request.redirectUrl) throw new ConfigurationError('The H5 face flow needs the return URL (the kit\'s `h5` option)')
    // The kit's return route, never the partner's RedirectUrl: the return must pass through the ledger.
    const res = await clients.tencent.call('DetectAuth', { ...request.bizTokenOptions, ...tencentIdentity(request.identity), RuleId: ruleId, RedirectUrl: request.redirectUrl })
    return { token: res.BizToken, requestId: res.RequestId, ruleId, url: res.Url }
  },

  fetch: faceFlow.fetch,
}
