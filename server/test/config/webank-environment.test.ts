import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/config/environment.js'
import { ConfigurationError } from '../../src/errors/index.js'
import { createFaceidKit } from '../../src/kit.js'

const live = { FACEID_SECRET_ID: 'id', FACEID_SECRET_KEY: 'key', SESSION_SECRET: 's'.repeat(32) }
const wb = { FACEID_WEBANK_APP_ID: 'IDAabcdef', FACEID_WEBANK_SECRET: 'x'.repeat(40), FACEID_WEBANK_LICENCE: 'licence-text' }

describe('WeBank settings (FACEID_WEBANK_*)', () => {
  it('reads the WBappid, its secret, the licence and the endpoint', () => {
    expect(readConfig({ ...live, ...wb, FACEID_WEBANK_ENDPOINT: 'https://kyc1.qcloud.com' }).webank).toEqual({
      appId: 'IDAabcdef',
      secret: 'x'.repeat(40),
      licence: 'licence-text',
      endpoint: 'https://kyc1.qcloud.com',
    })
    expect(readConfig(live).webank).toBeUndefined()
    expect(readConfig({}).webank).toBeUndefined()
  })

  it('refuses a missing part in live mode, naming the variable', () => {
    expect(() => readConfig({ ...live, FACEID_WEBANK_APP_ID: 'IDAabcdef' })).toThrow(/FACEID_WEBANK_SECRET/)
    expect(() => readConfig({ ...live, FACEID_WEBANK_SECRET: 's' })).toThrow(/FACEID_WEBANK_APP_ID/)
    expect(() => readConfig({ ...live, FACEID_WEBANK_LICENCE: 'l' })).toThrow(ConfigurationError)
    expect(() => readConfig({ ...live, ...wb, FACEID_WEBANK_LICENCE: '' })).toThrow(/FACEID_WEBANK_LICENCE.*required in live mode/)
    expect(() => readConfig({ ...live, ...wb, FACEID_WEBANK_APP_ID: 'IDA-bad!' })).toThrow(/FACEID_WEBANK_APP_ID/)
    expect(() => readConfig({ ...live, ...wb, FACEID_WEBANK_APP_ID: 'IDAsandbox' })).toThrow(/sandbox app/)
    expect(() => readConfig({ ...live, ...wb, FACEID_WEBANK_ENDPOINT: 'http://kyc1.example' })).toThrow(/https in live mode/)
  })

  it('lets the sandbox go without the licence and over http', () => {
    expect(readConfig({ ...wb, FACEID_WEBANK_LICENCE: '', FACEID_WEBANK_ENDPOINT: 'http://127.0.0.1:9100' }).webank).toMatchObject({ appId: 'IDAabcdef', endpoint: 'http://127.0.0.1:9100' })
  })

  it('the kit checks the same rules before opening anything', async () => {
    const base = { secretId: 'id', secretKey: 'key', resolveUser: () => 'u', database: { dataDir: 'memory' }, logger: false as const }
    await expect(createFaceidKit({ ...base, webank: { appId: 'IDAabcdef', secret: 's' } })).rejects.toThrow(/licence.*live mode/)
    await expect(createFaceidKit({ ...base, webank: { appId: 'IDAabcdef', secret: '' } })).rejects.toThrow(/webank\.secret/)
    await expect(createFaceidKit({ ...base, mode: 'sandbox', webank: { appId: 'IDAabcdef', secret: 's', endpoint: 'ftp://x' } })).rejects.toThrow(ConfigurationError)
  })
})
