/**
 * 人脸核身 in a partner's own Android/iOS app (Tencent's App SDK, the WeBank login-auth
 * protocol): the order is registered with WeBank (getAdvFaceId), a NONCE ticket is fetched for
 * this start alone, and the route answers what the SDK's login takes (`sdk`: appId, orderNo,
 * userId, nonce, sign, faceId, version, licence). The verdict comes from queryfacerecord.
 */
import { FLOWS } from '@faceid-kit/shared'
import { clientOf } from '../../providers/registry.js'
import { webankResultReader } from '../../providers/webank/result.js'
import type { Flow } from '../flow.js'
import { fetchWebankResult, startWebankOrder, webankPartnerOptions, webankReuseScope } from '../webank.js'

export const webankAppFlow: Flow<'webank-app'> = {
  kind: 'webank-app',
  ...FLOWS['webank-app'],
  provider: 'webank',
  issueAction: 'getAdvFaceId',
  results: webankResultReader,

  partnerOptions: webankPartnerOptions,
  reuseScope: webankReuseScope,

  async issue(clients, request) {
    const order = await startWebankOrder(clients, 'webank-app', request)
    const login = await clientOf(clients, 'webank', 'webank-app').call('appSdkLogin', { orderNo: order.orderNo, userId: order.userId, faceId: order.faceId })
    return { token: order.orderNo, requestId: order.bizSeqNo, sdk: { ...login } }
  },

  fetch: (clients, record) => fetchWebankResult(clients, 'webank-app', record.token),
}
