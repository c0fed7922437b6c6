/**
 * The provider clients a kit is configured with, by provider name. Tencent is always there (the
 * kit's own credentials); every other provider is optional, present only when the partner
 * configured it. Flows name their provider and take its client from here, so the verifier and the
 * sweeper hand every flow the same registry and need not know which providers exist.
 */
import { ConfigurationError } from '../errors/index.js'
import type { ActionMap, ProviderClient } from './provider.js'
import type { Gateway } from './tencent/client.js'
import type { MegviiClient } from './megvii/actions.js'
import type { WebankClient } from './webank/client.js'

export interface ProviderClients {
  tencent: Gateway
  /** Megvii FaceID lite through the Aliyun API market (the kit's `megvii` option). */
  megvii?: MegviiClient
  /** WeBank's login-auth protocol for the App SDK and mobile H5 (the kit's `webank` option). */
  webank?: WebankClient
}

/** A provider's name, as flows declare it. */
export type ProviderName = keyof ProviderClients

/** How errors and logs name each provider. */
export const PROVIDER_LABELS: Readonly<Record<ProviderName, string>> = { tencent: 'Tencent', megvii: 'Megvii', webank: 'WeBank' }

/** The providers besides Tencent, as the verifier's and the sweeper's options take them. */
export type OtherProviderClients = Omit<ProviderClients, 'tencent'>

/**
 * The client of `name`, or a `ConfigurationError` naming what is missing: a flow of a provider
 * the partner did not configure cannot issue or fetch anything.
 */
export function clientOf<N extends ProviderName>(clients: ProviderClients, name: N, kind: string): NonNullable<ProviderClients[N]> {
  const client = clients[name]
  if (!client) throw new ConfigurationError(`The ${kind} flow needs the ${name} provider, which is not configured`)
  return client as NonNullable<ProviderClients[N]>
}

/** Whether `name` is configured. */
export function hasProvider(clients: ProviderClients, name: ProviderName): boolean {
  return clients[name] !== undefined
}

/** A wrapper that keeps a client's actions and types (retries, pacing); `name` is the provider's. */
export type ClientWrapper = <A extends ActionMap>(client: ProviderClient<A>, name: ProviderName) => ProviderClient<A>

/** The same registry with every configured client passed through `wrap`. */
export function mapClients(clients: ProviderClients, wrap: ClientWrapper): ProviderClients {
  const out: Partial<Record<string, ProviderClient<ActionMap>>> = {}
  for (const [name, client] of Object.entries(clients) as Array<[string, ProviderClient<ActionMap> | undefined]>) {
    // The registry's keys are provider names.
    if (client) out[name] = wrap(client, name as ProviderName)
  }
  // Each entry was wrapped with its own action map kept, so the shape is the input's.
  return out as unknown as ProviderClients
}
