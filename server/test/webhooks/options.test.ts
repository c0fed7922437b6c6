/** The `webhooks` option and FACEID_WEBHOOK_*: every bad value refused before anything opens, naming it. */
import { describe, expect, it } from 'vitest'
import { createFaceidKit, ConfigurationError, generateDataKey, type WebhookOptions } from '../../src/index.js'
import { readConfig } from '../../src/config/environment.js'

const SECRET = 'options-test-secret-0123456789abcdef'
const base = { secretId: 'id', secretKey: 'key', resolveUser: () => undefined, mode: 'sandbox' as const, database: { dataDir: 'memory' }, startJobs: false, logger: false as const }

async function refused(webhooks: unknown, mode: 'live' | 'sandbox' = 'sandbox'): Promise<string> {
  try {
    const kit = await createFaceidKit({ ...base, mode, webhooks: webhooks as WebhookOptions })
    await kit.close()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('the webhooks option', () => {
  it('refuses bad endpoints and settings, naming the option', async () => {
    expect(await refused({ endpoints: [] })).toMatch(/webhooks\.endpoints/)
    expect(await refused({ endpoints: [{ url: 'ftp://x', secret: SECRET }] })).toMatch(/endpoints\[0\]\.url/)
    expect(await refused({ endpoints: [{ url: 'https://u:p@x.example.com', secret: SECRET }] })).toMatch(/credentials/)
    expect(await refused({ endpoints: [{ url: 'http://partner.example.com/hooks', secret: SECRET }] }, 'live')).toMatch(/https/)
    expect(await refused({ endpoints: [{ url: 'https://x.example.com', secret: 'short' }] })).toMatch(/endpoints\[0\]\.secret.*32/)
    expect(await refused({ endpoints: [{ url: 'https://x.example.com', secret: SECRET, previousSecret: SECRET }] })).toMatch(/previousSecret/)
    expect(await refused({ endpoints: [{ url: 'https://x.example.com', secret: SECRET }, { url: 'https://x.example.com', secret: SECRET }] })).toMatch(/endpoints\[1\].*repeats/)
    expect(await refused({ endpoints: [{ url: 'https://x.example.com', secret: SECRET }], deliveryWindowHours: 0 })).toMatch(/deliveryWindowHours/)
    expect(await refused({ endpoints: [{ url: 'https://x.example.com', secret: SECRET }], retryBaseSeconds: 10, retryMaxSeconds: 1 })).toMatch(/retryBaseSeconds/)
  })

  it('accepts https, and plain http to a loopback address in live mode', async () => {
    const kit = await createFaceidKit({
      ...base,
      mode: 'live',
      dataKey: generateDataKey(),
      webhooks: { endpoints: [{ url: 'https://a.example.com/hooks', secret: SECRET }, { url: 'http://127.0.0.1:4000/hooks', secret: SECRET, id: 'local' }] },
    })
    expect(kit.ledger.webhookEndpoints).toEqual(['https://a.example.com/hooks', 'local'])
    expect(kit.jobs.webhooks).toBeDefined()
    await kit.close()
  })
})

describe('FACEID_WEBHOOK_*', () => {
  it('reads one or more URLs with one secret, and refuses half a setting', () => {
    expect(readConfig({}).webhooks).toBeUndefined()
    const config = readConfig({ FACEID_WEBHOOK_URL: 'https://a.example.com/h, https://b.example.com/h', FACEID_WEBHOOK_SECRET: SECRET, FACEID_WEBHOOK_DELIVERY_WINDOW_HOURS: '24' })
    expect(config.webhooks).toEqual({
      endpoints: [
        { url: 'https://a.example.com/h', secret: SECRET },
        { url: 'https://b.example.com/h', secret: SECRET },
      ],
      deliveryWindowHours: 24,
    })
    expect(() => readConfig({ FACEID_WEBHOOK_URL: 'https://a.example.com/h' })).toThrow(/FACEID_WEBHOOK_SECRET/)
    expect(() => readConfig({ FACEID_WEBHOOK_SECRET: SECRET })).toThrow(/FACEID_WEBHOOK_URL/)
    expect(() => readConfig({ FACEID_WEBHOOK_URL: 'https://a.example.com/h', FACEID_WEBHOOK_SECRET: 'short' })).toThrow(/FACEID_WEBHOOK_SECRET.*32/)
    expect(() => readConfig({ FACEID_SECRET_ID: 'i', FACEID_SECRET_KEY: 'k', FACEID_WEBHOOK_URL: 'http://a.example.com/h', FACEID_WEBHOOK_SECRET: SECRET })).toThrow(/FACEID_WEBHOOK_URL.*https/)
  })
})
