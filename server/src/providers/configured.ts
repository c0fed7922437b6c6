/**
 * The providers besides Tencent that the kit's options configure. A new provider adds its
 * client here (built from its own option, validated by its factory) and its name in
 * `ProviderClients`; the verifier, the routes and the sweeper then serve its flows.
 */
import type { Database } from '../store/database.js'
import type { FaceidKitOptions } from '../types.js'
import { createMegviiClient } from './megvii/client.js'
import type { OtherProviderClients } from './registry.js'
import { createWebankClient } from './webank/client.js'

/** `database`: the kit's ledger database, for providers that keep state there (WeBank's credentials). */
export function configuredProviders(options: FaceidKitOptions, database: Database): OtherProviderClients {
  const megvii = options.megvii
  return {
    ...(megvii
      ? {
          megvii: createMegviiClient({
            appCode: megvii.appCode,
            ...(megvii.endpoint !== undefined ? { endpoint: megvii.endpoint } : {}),
            ...(megvii.pageBase !== undefined ? { pageBase: megvii.pageBase } : {}),
            ...(megvii.timeoutSeconds !== undefined ? { timeoutSeconds: megvii.timeoutSeconds } : {}),
          }),
        }
      : {}),
    // WeBank keeps its access token and SIGN ticket in the ledger, shared by every instance.
    ...(options.webank ? { webank: createWebankClient({ ...options.webank, db: database }) } : {}),
  }
}
