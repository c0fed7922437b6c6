/**
 * 人脸核身 in a mini-program (verify_mpsdk): a BizToken from DetectAuth, its result from
 * GetDetectInfoEnhanced under the same RuleId.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import { tencentIdentity } from '../../providers/tencent/identity.js'
import type { Flow } from '../flow.js'
import { checkBizIntention, hasIntentionScript, withIntentionParts } from '../intention.js'

export const faceFlow: Flow<'face'> = {
  kind: 'face',
  ...FLOWS.face,
  provider: 'tencent',
  issueAction: 'DetectAuth',

  async partnerOptions(hooks, userId, ctx) {
    const bizTokenOptions = await hooks.bizTokenOptions?.(userId, ctx)
    checkBizIntention(bizTokenOptions)
    return { bizTokenOptions }
  },

  reuseScope(options) {
    return { ruleId: options.bizTokenOptions?.RuleId, perVerification: hasIntentionScript(options) }
  },

  async issue(clients, request, settings) {
    const ruleId = request.bizTokenOptions?.RuleId ?? settings.ruleId
    if (!ruleId) throw new ConfigurationError('No RuleId: set FACEID_RULE_ID or pass RuleId in the BizToken options')
    const res = await clients.tencent.call('DetectAuth', { ...request.bizTokenOptions, ...tencentIdentity(request.identity), RuleId: ruleId })
    return { token: res.BizToken, requestId: res.RequestId, ruleId }
  },

  fetch(clients, record, settings) {
    // The RuleId the token was issued under; tokens recorded before it was kept use today's.
    return clients.tencent.call('GetDetectInfoEnhanced', { BizToken: record.token, RuleId: record.ruleId ?? settings.ruleId ?? '', InfoType: withIntentionParts(settings.infoType) })
  },
}
