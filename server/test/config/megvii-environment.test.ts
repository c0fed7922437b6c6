import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/config/environment.js'
import { ConfigurationError } from '../../src/errors/index.js'
import { createFaceidKit } from '../../src/kit.js'
import { MEGVII_SANDBOX_APPCODE } from '../../src/providers/megvii/options.js'

const live = { FACEID_SECRET_ID: 'id', FACEID_SECRET_KEY: 'key', SESSION_SECRET: 's'.repeat(32), FACEID_PUBLIC_BASE_URL: 'https://api.example.com', FACEID_H5_RETURN_PAGE: 'https://www.example.com/done' }

describe('Megvii settings (FACEID_MEGVII_*)', () => {
  it('reads the AppCode, the endpoints and the threshold', () => {
    expect(
      readConfig({ ...live, FACEID_MEGVII_APPCODE: 'appcode-of-the-partner', FACEID_MEGVII_ENDPOINT: 'https://fidlite.example', FACEID_MEGVII_PAGE_BASE: 'https://h5.example', FACEID_MEGVII_THRESHOLD: '1e-5' }).megvii,
    ).toEqual({ appCode: 'appcode-of-the-partner', endpoint: 'https://fidlite.example', pageBase: 'https://h5.example', threshold: '1e-5' })
    expect(readConfig(live).megvii).toBeUndefined()
    expect(readConfig({}).megvii).toBeUndefined()
  })

  it('refuses a half or a sandbox configuration in live mode, naming the variable', () => {
    expect(() => readConfig({ ...live, FACEID_MEGVII_THRESHOLD: '1e-4' })).toThrow(/FACEID_MEGVII_APPCODE/)
    expect(() => readConfig({ ...live, FACEID_MEGVII_ENDPOINT: 'https://x.example' })).toThrow(ConfigurationError)
    expect(() => readConfig({ ...live, FACEID_MEGVII_APPCODE: MEGVII_SANDBOX_APPCODE })).toThrow(/sandbox AppCode/)
    expect(() => readConfig({ ...live, FACEID_MEGVII_APPCODE: 'appcode-of-the-partner', FACEID_MEGVII_THRESHOLD: '0.5' })).toThrow(/FACEID_MEGVII_THRESHOLD/)
    const { FACEID_PUBLIC_BASE_URL: _b, FACEID_H5_RETURN_PAGE: _r, ...noWeb } = live
    expect(() => readConfig({ ...noWeb, FACEID_MEGVII_APPCODE: 'appcode-of-the-partner' })).toThrow(/FACEID_PUBLIC_BASE_URL/)
  })

  it('is checked by createFaceidKit before anything is opened', async () => {
    const base = { secretId: 'x', secretKey: 'y', resolveUser: () => 'u', database: { dataDir: 'memory' }, mode: 'sandbox' as const, startJobs: false }
    const h5 = { publicBaseUrl: 'https://api.example.com', returnPage: '/done' }
    const identity = () => ({ name: '张小宝', idCard: '11204416541220243X' })
    await expect(createFaceidKit({ ...base, h5, resolveIdentity: identity, megvii: { appCode: '' } })).rejects.toThrow(/megvii.appCode/)
    await expect(createFaceidKit({ ...base, resolveIdentity: identity, megvii: { appCode: MEGVII_SANDBOX_APPCODE } })).rejects.toThrow(/needs `h5`/)
    await expect(createFaceidKit({ ...base, h5, megvii: { appCode: MEGVII_SANDBOX_APPCODE } })).rejects.toThrow(/resolveIdentity/)
    await expect(createFaceidKit({ ...base, h5, resolveIdentity: identity, megvii: { appCode: MEGVII_SANDBOX_APPCODE, threshold: '1e-2' as '1e-3' } })).rejects.toThrow(/threshold/)
    await expect(createFaceidKit({ ...base, mode: 'live', dataKey: Buffer.alloc(32, 9).toString('base64'), h5, resolveIdentity: identity, megvii: { appCode: MEGVII_SANDBOX_APPCODE } })).rejects.toThrow(/sandbox AppCode/)
    const kit = await createFaceidKit({ ...base, h5, resolveIdentity: identity, megvii: { appCode: MEGVII_SANDBOX_APPCODE } })
    expect(kit.verifier.servesProvider('megvii')).toBe(true)
    await kit.close()
  })
})
