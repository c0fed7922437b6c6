/**
 * Megvii FaceID lite in a web page: get_biz_token with the kit's return route as `return_url`,
 * the user opens Megvii's page `…/lite/v1/do/<biz_token>`, and Megvii sends the browser back.
 * Megvii's redirect is not documented to carry the biz_token, so the return route finds the
 * token from its signed state (see `web.tokenFromState`). The verdict comes from get_result.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import { clientOf } from '../../providers/registry.js'
import { megviiResultReader } from '../../providers/megvii/result.js'
import type { Flow } from '../flow.js'
import { issueMegviiToken, megviiFlow } from '../megvii/index.js'

export const megviiH5Flow: Flow<'megvii-h5'> = {
  kind: 'megvii-h5',
  ...FLOWS['megvii-h5'],
  provider: 'megvii',
  issueAction: 'get_biz_token',
  web: { returnParams: ['biz_token'], tokenFromState: true },
  results: megviiResultReader(),

  partnerOptions: megviiFlow.partnerOptions,
  reuseScope: megviiFlow.reuseScope,

  issue(clients, request) {
    if (!request.redirectUrl) throw new ConfigurationError('The Megvii H5 flow needs the return URL (the kit\'s `h5` option)')
    return issueMegviiToken(clients, 'megvii-h5', request, request.redirectUrl)
  },

  fetch(clients, record) {
    return clientOf(clients, 'megvii', 'megvii-h5').call('get_result', { biz_token: record.token })
  },
}
