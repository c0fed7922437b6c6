/**
 * What the two WeBank flows (App SDK and mobile H5) share: the order, registered with WeBank
 * (getAdvFaceId) with the identity the partner's hook gives, never the client; the user id WeBank
 * sees; and the result query.
 */
import crypto from 'node:crypto'
import type { UpstreamResult } from '@faceid-kit/shared'
import { ConfigurationError } from '../errors/index.js'
import { clientOf, type ProviderClients } from '../providers/registry.js'
import type { WebankFaceId } from '../providers/webank/client.js'
import type { WebankResult } from '../providers/webank/result.js'
import { newOrderNo } from '../providers/webank/signature.js'
import type { IssueRequest } from '../verification/verifier.js'
import type { PartnerOptions, ReuseScope } from './flow.js'

/** How long a WeBank order is open: its faceId lives 5 minutes, then the verification itself. */
export const WEBANK_ORDER_LIFETIME_SECONDS = 600

/**
 * The user id WeBank sees for a kit user: stable per user (WeBank ties login checks and repeat
 * clicks to it), 32 hex digits whatever the partner's ids look like, and not the partner's id itself.
 */
export function webankUserId(userId: string): string {
  return crypto.createHash('sha256').update(`faceid-kit webank user\n${userId}`).digest('hex').slice(0, 32)
}

/** An order registered with WeBank: its number (the ledger's token), WeBank's user id and faceId. */
export interface WebankOrderStart extends WebankFaceId {
  orderNo: string
  userId: string
}

export async function startWebankOrder(clients: ProviderClients, kind: string, request: IssueRequest): Promise<WebankOrderStart> {
  const client = clientOf(clients, 'webank', kind)
  const identity = request.identity
  if (!identity || !identity.name || !identity.idCard) {
    throw new ConfigurationError(`The ${kind} flow compares against the authoritative source: resolveIdentity must give the person's name and ID number`)
  }
  const orderNo = newOrderNo()
  const userId = webankUserId(request.userId)
  const face = await client.call('getFaceId', { orderNo, userId, identity: { name: identity.name, idNo: identity.idCard } })
  return { ...face, orderNo, userId }
}

export async function fetchWebankResult(clients: ProviderClients, kind: string, orderNo: string): Promise<UpstreamResult> {
  const answer = await clientOf(clients, 'webank', kind).call('queryResult', { orderNo })
  const result: WebankResult = { ...answer, provider: 'webank', code: answer.code }
  return result
}

/** The partner configures nothing per user for WeBank; every start is a new order (its signature is one-time). */
export const webankPartnerOptions = async (): Promise<PartnerOptions> => ({})
export const webankReuseScope = (): ReuseScope => ({ perVerification: true })
