/**
 * Megvii FaceID lite in a mini-program: get_biz_token (the user's identity from the partner's
 * `resolveIdentity`, compared with the authority's photo), Megvii's `faceid-verify` component
 * runs the flow with the biz_token, and the verdict comes from get_result. Megvii requires a
 * `return_url` and a `notify_url` even here: the kit's notify receiver, and a page that only
 * says the flow is over.
 */
import { FLOWS } from '@faceid-kit/shared'
import { ConfigurationError } from '../../errors/index.js'
import type { GetBizTokenRequest } from '../../providers/megvii/actions.js'
import { megviiResultReader } from '../../providers/megvii/result.js'
import { clientOf } from '../../providers/registry.js'
import type { IssueRequest } from '../../verification/verifier.js'
import type { Flow, IssuedToken } from '../flow.js'
import type { ProviderClients } from '../../providers/registry.js'

/** Where Megvii posts `data={biz_token,error_code,error_msg}`, under the router's prefix. */
export const MEGVII_NOTIFY_PATH = '/megvii/notify'
/** The page a mini-program flow's `return_url` names (a browser never needs it). */
export const MEGVII_DONE_PATH = '/megvii/done'

/**
 * Asks Megvii for a biz_token bound to the partner's identity of the user. `returnUrl` is where
 * Megvii's page sends the browser; the notify URL is always the kit's receiver.
 */
export async function issueMegviiToken(clients: ProviderClients, kind: 'megvii' | 'megvii-h5', request: IssueRequest, returnUrl: string): Promise<IssuedToken> {
  const megvii = clientOf(clients, 'megvii', kind)
  if (!request.callbackBase) throw new ConfigurationError('The Megvii flows need the kit\'s `h5.publicBaseUrl`: Megvii calls the kit back there')
  // The identity comes from the partner (resolveIdentity), never from the client.
  if (!request.identity?.name || !request.identity.idCard) {
    throw new ConfigurationError('The Megvii flows compare the user with the authority\'s photo: `resolveIdentity` must give the name and ID number')
  }
  const params: GetBizTokenRequest = {
    return_url: returnUrl,
    notify_url: `${request.callbackBase}${MEGVII_NOTIFY_PATH}`,
    liveness_type: 'video_number',
    comparison_type: '1',
    group: '0',
    idcard_name: request.identity.name,
    idcard_number: request.identity.idCard,
  }
  const res = await megvii.call('get_biz_token', params)
  return { token: res.biz_token, requestId: res.request_id, url: res.url }
}

export const megviiFlow: Flow<'megvii'> = {
  kind: 'megvii',
  ...FLOWS.megvii,
  provider: 'megvii',
  issueAction: 'get_biz_token',
  results: megviiResultReader(),

  partnerOptions: () => Promise.resolve({}),
  // A biz_token serves one verification only: never hand an open one out again.
  reuseScope: () => ({ perVerification: true }),

  async issue(clients, request) {
    const issued = await issueMegviiToken(clients, 'megvii', request, `${request.callbackBase ?? ''}${MEGVII_DONE_PATH}`)
    // The mini-program opens no page: the component takes the biz_token itself.
    return { token: issued.token, requestId: issued.requestId }
  },

  fetch(clients, record) {
    return clientOf(clients, 'megvii', 'megvii').call('get_result', { biz_token: record.token })
  },
}
