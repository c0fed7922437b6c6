/**
 * 人脸核身 in a mobile browser through WeBank's H5 (the login-auth protocol): the order is
 * registered with WeBank (getAdvFaceId), and the route answers the login URL on WeBank's
 * `optimalDomain`, signed with a NONCE ticket fetched for this start alone, whose callback is the
 * kit's return route. WeBank sends the browser back with `orderNo`, `code` and `newSignature`:
 * the signature is checked, the `code` is not believed, and the verdict comes from
 * queryfacerecord. The partner's page gets the order number only.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import { clientOf } from '../../providers/registry.js'
import { webankResultReader } from '../../providers/webank/result.js'
import type { Flow } from '../flow.js'
import { fetchWebankResult, startWebankOrder, webankPartnerOptions, webankReuseScope } from '../webank.js'

export const webankH5Flow: Flow<'webank-h5'> = {
  kind: 'webank-h5',
  ...FLOWS['webank-h5'],
  provider: 'webank',
  issueAction: 'getAdvFaceId',
  results: webankResultReader,
  web: {
    returnParams: ['orderNo'],
    tokenOnly: true,
    // WeBank calls back once (redirectType=1 leaves no history entry): a second visit is a replay.
    refuseReplay: true,
    async verifyReturn(clients, query, token) {
      const code = query['code']
      if (typeof code !== 'string' || !/^-?\d{1,12}$/.test(code)) return false
      // The mobile H5 names it newSignature; WeBank's PC H5 pages name the same signature newSign.
      const newSignature = query['newSignature'] ?? query['newSign']
      const { valid } = await clientOf(clients, 'webank', 'webank-h5').call('verifyCallback', { orderNo: token, code, newSignature })
      return valid
    },
  },

  partnerOptions: webankPartnerOptions,
  reuseScope: webankReuseScope,

  async issue(clients, request) {
    if (!request.redirectUrl) throw new ConfigurationError('The WeBank H5 flow needs the return URL (the kit\'s `h5` option)')
    const order = await startWebankOrder(clients, 'webank-h5', request)
    const { url } = await clientOf(clients, 'webank', 'webank-h5').call('h5Login', {
      orderNo: order.orderNo,
      userId: order.userId,
      faceId: order.faceId,
      optimalDomain: order.optimalDomain,
      callbackUrl: request.redirectUrl,
    })
    return { token: order.orderNo, requestId: order.bizSeqNo, url }
  },

  fetch: (clients, record) => fetchWebankResult(clients, 'webank-h5', record.token),
}
