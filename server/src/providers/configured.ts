/**
 * The providers besides Tencent that the kit's options configure. A new provider adds its
 * client here (built from its own option, validated by its factory) and its name in
 * `ProviderClients`; the verifier, the routes and the sweeper then serve its flows.
 */
import type { FaceidKitOptions } from '../types.js'
import type { OtherProviderClients } from './registry.js'

export function configuredProviders(_options: FaceidKitOptions): OtherProviderClients {
  return {}
}
