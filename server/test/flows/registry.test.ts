import { FLOWS, TOKEN_LIFETIME_SECONDS, type TokenKind } from '@faceid-kit/shared'
import { describe, expect, it } from 'vitest'
import { BIZ_TOKEN_LIFETIME_MS, EID_TOKEN_LIFETIME_MS } from '../../emulator/index.js'
import { FLOW_LIST, FLOW_REGISTRY, flowOf } from '../../src/flows/index.js'
import { createFaceidRouter } from '../../src/http/router.js'
import type { Verifier } from '../../src/verification/verifier.js'

const kinds = Object.keys(FLOWS) as TokenKind[]

describe('flow registry', () => {
  it('has one flow per shared flow definition, with its path and lifetime', () => {
    expect(FLOW_LIST.map((f) => f.kind).sort()).toEqual([...kinds].sort())
    for (const kind of kinds) {
      const flow = flowOf(kind)
      expect(flow).toBe(FLOW_REGISTRY[kind])
      expect(flow.kind).toBe(kind)
      expect(flow.path).toBe(FLOWS[kind].path)
      expect(flow.lifetimeSeconds).toBe(FLOWS[kind].lifetimeSeconds)
      expect(TOKEN_LIFETIME_SECONDS[kind]).toBe(FLOWS[kind].lifetimeSeconds)
    }
  })

  it('keeps the HTTP contract: /biz-token lives 7200 s, /eid-token 600 s, and so do their web (H5) twins', () => {
    // Other providers' flows may be registered too; these entries must stay as they are.
    expect(FLOWS).toMatchObject({
      face: { path: '/biz-token', lifetimeSeconds: 7200 },
      eid: { path: '/eid-token', lifetimeSeconds: 600 },
      'face-h5': { path: '/h5/biz-token', lifetimeSeconds: 7200 },
      'eid-h5': { path: '/h5/eid-token', lifetimeSeconds: 600 },
      'megvii-h5': { path: '/megvii/h5/biz-token', lifetimeSeconds: 3600 },
      megvii: { path: '/megvii/biz-token', lifetimeSeconds: 3600 },
    })
  })

  it('agrees with the emulator, which states Tencent\'s lifetimes on its own', () => {
    expect(FLOWS.face.lifetimeSeconds * 1000).toBe(BIZ_TOKEN_LIFETIME_MS)
    expect(FLOWS.eid.lifetimeSeconds * 1000).toBe(EID_TOKEN_LIFETIME_MS)
    expect(FLOWS['face-h5'].lifetimeSeconds * 1000).toBe(BIZ_TOKEN_LIFETIME_MS)
    expect(FLOWS['eid-h5'].lifetimeSeconds * 1000).toBe(EID_TOKEN_LIFETIME_MS)
  })

  /** A verifier configured with the providers in `providers` only (Tencent always). */
  const verifierOf = (...providers: string[]) =>
    ({ serves: (f: { provider: string }) => f.provider === 'tencent' || providers.includes(f.provider), servesProvider: (p: string) => p === 'tencent' || providers.includes(p) }) as unknown as Verifier
  const routesOf = (router: ReturnType<typeof createFaceidRouter>) =>
    router.stack.filter((layer) => layer.methods.length > 0).map((layer) => `${layer.methods.filter((m) => m !== 'HEAD').join(',')} ${layer.path}`)
  const tencentKinds = kinds.filter((k) => flowOf(k).provider === 'tencent')

  it('gives the router exactly two routes per flow of a configured provider, under the prefix', () => {
    const routes = routesOf(createFaceidRouter({ verifier: verifierOf(), resolveUser: () => 'u' }))
    expect(routes.sort()).toEqual(tencentKinds.flatMap((k) => [`POST /faceid${FLOWS[k].path}`, `GET /faceid${FLOWS[k].path}/:token`]).sort())
  })

  it('adds a return route per web flow when the router has the h5 options', () => {
    const h5 = { publicBaseUrl: 'https://api.example.com', returnPage: '/done', stateKey: new Uint8Array(32) }
    const routes = routesOf(createFaceidRouter({ verifier: verifierOf(), resolveUser: () => 'u', h5 }))
    const web = tencentKinds.filter((k) => flowOf(k).web)
    expect(web.sort()).toEqual(['eid-h5', 'face-h5'])
    expect(routes.filter((r) => r.includes('/h5/return/')).sort()).toEqual(web.map((k) => `GET /faceid/h5/return/${k}`).sort())
  })

  it('serves the Megvii flows, their return route and Megvii\'s callbacks only when Megvii is configured', () => {
    const h5 = { publicBaseUrl: 'https://api.example.com', returnPage: '/done', stateKey: new Uint8Array(32) }
    const without = routesOf(createFaceidRouter({ verifier: verifierOf(), resolveUser: () => 'u', h5 }))
    expect(without.filter((r) => r.includes('megvii'))).toEqual([])
    const routes = routesOf(createFaceidRouter({ verifier: verifierOf('megvii'), resolveUser: () => 'u', h5 }))
    expect(routes.filter((r) => r.includes('megvii')).sort()).toEqual(
      [
        'POST /faceid/megvii/biz-token',
        'GET /faceid/megvii/biz-token/:token',
        'POST /faceid/megvii/h5/biz-token',
        'GET /faceid/megvii/h5/biz-token/:token',
        'GET /faceid/h5/return/megvii-h5',
        'POST /faceid/megvii/notify',
        'GET /faceid/megvii/done',
      ].sort(),
    )
  })

  it('asks only the partner hook of its own flow', async () => {
    const asked: string[] = []
    const hooks = {
      bizTokenOptions: () => (asked.push('biz'), { RuleId: '7' }),
      eidTokenOptions: () => (asked.push('eid'), { MerchantId: 'M' }),
    }
    const ctx = {} as Parameters<typeof FLOW_REGISTRY.face.partnerOptions>[2]
    expect(await FLOW_REGISTRY.face.partnerOptions(hooks, 'u', ctx)).toEqual({ bizTokenOptions: { RuleId: '7' } })
    expect(FLOW_REGISTRY.face.reuseScope({ bizTokenOptions: { RuleId: '7' } })).toEqual({ ruleId: '7', perVerification: false })
    expect(asked).toEqual(['biz'])
    expect(await FLOW_REGISTRY.eid.partnerOptions(hooks, 'u', ctx)).toEqual({ eidTokenOptions: { MerchantId: 'M' } })
    expect(FLOW_REGISTRY.eid.reuseScope({ eidTokenOptions: { MerchantId: 'M' } })).toMatchObject({ merchantId: 'M' })
    expect(asked).toEqual(['biz', 'eid'])
  })
})
