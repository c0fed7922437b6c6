/**
 * The provider registry: a flow's provider that the partner did not configure is a clear
 * ConfigurationError, and wrapping the registry wraps every configured client (and only those).
 */
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors/index.js'
import type { CallOptions } from '../../src/providers/provider.js'
import { clientOf, mapClients, type ProviderClients } from '../../src/providers/registry.js'
import type { Gateway } from '../../src/providers/tencent/client.js'

const tencent: Gateway = {
  call: () => Promise.reject(new Error('not called in these tests')),
}

describe('provider registry', () => {
  it('hands out a configured client', () => {
    expect(clientOf({ tencent }, 'tencent', 'face')).toBe(tencent)
  })

  it('refuses a provider that is not configured, naming the flow and the provider', () => {
    const attempt = () => clientOf({ tencent }, 'megvii', 'megvii-h5')
    expect(attempt).toThrow(ConfigurationError)
    expect(attempt).toThrow(/megvii-h5 flow needs the megvii provider/)
  })

  it('wraps every configured client and leaves absent ones absent', async () => {
    const seen: string[] = []
    const clients: ProviderClients = { tencent }
    const wrapped = mapClients(clients, (client) => ({
      call: (action, request, options?: CallOptions) => {
        seen.push(action)
        return client.call(action, request, options)
      },
    }))
    expect(Object.keys(wrapped)).toEqual(['tencent'])
    expect(wrapped.megvii).toBeUndefined()
    await expect(wrapped.tencent.call('DetectAuth', { RuleId: '1' })).rejects.toThrow('not called')
    expect(seen).toEqual(['DetectAuth'])
  })
})
