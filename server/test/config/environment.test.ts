import { DEFAULT_PER_IP_PER_HOUR, DEFAULT_PER_USER_PER_HOUR } from '../../src/verification/issuance-limits.js'
import { describe, expect, it } from 'vitest'
import { envFlag, envNumber, readConfig } from '../../src/config/environment.js'

describe('environment settings', () => {
  it('reads optional numbers and refuses anything it would have to guess', () => {
    expect(envNumber({}, 'N')).toBeUndefined()
    expect(envNumber({ N: '' }, 'N')).toBeUndefined()
    expect(envNumber({ N: '0' }, 'N')).toBe(0)
    expect(envNumber({ N: '2.5' }, 'N')).toBe(2.5)
    expect(() => envNumber({ N: '2.5' }, 'N', { integer: true })).toThrow(/N must be a whole number ≥ 0, got "2.5"/)
    expect(() => envNumber({ N: '-1' }, 'N')).toThrow(/N must be a number ≥ 0/)
    expect(() => envNumber({ N: 'ten' }, 'N', { hint: '0: no limit' })).toThrow(/\(0: no limit\), got "ten"/)
    expect(() => envNumber({ N: 'Infinity' }, 'N')).toThrow(/N must be/)
  })

  it('reads on/off flags', () => {
    expect(envFlag({}, 'F', true)).toBe(true)
    expect(envFlag({ F: '' }, 'F', false)).toBe(false)
    expect(envFlag({ F: ' TRUE ' }, 'F', false)).toBe(true)
    expect(envFlag({ F: '1' }, 'F', false)).toBe(true)
    expect(envFlag({ F: '0' }, 'F', true)).toBe(false)
    expect(envFlag({ F: 'false' }, 'F', true)).toBe(false)
    expect(() => envFlag({ F: 'yes' }, 'F', false)).toThrow(/F must be 1\/true or 0\/false, got "yes"/)
  })

  it('reads the server configuration, sandbox when no keys are set', () => {
    expect(readConfig({})).toMatchObject({ sandbox: true, region: 'ap-guangzhou', port: 3000 })
    expect(() => readConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/postgres/)
  })

  it('reads every setting of a subsystem into the one configuration, refusing garbage by name', () => {
    const base = readConfig({})
    expect(base.limits).toEqual({ perUserPerHour: DEFAULT_PER_USER_PER_HOUR, perIpPerHour: DEFAULT_PER_IP_PER_HOUR })
    expect(base.reuseOpenToken).toBe(false)
    expect(base.retry).toEqual({})
    expect(base.sweep).toEqual({ enabled: true })
    expect(base.billPull).toBe(false)
    expect(readConfig({ FACEID_SECRET_ID: 'i', FACEID_SECRET_KEY: 'k' }).billPull).toBe(true)
    const set = readConfig({
      FACEID_LIMIT_PER_USER_PER_HOUR: '0',
      FACEID_REUSE_OPEN_TOKEN: 'true',
      FACEID_RETRY_ATTEMPTS: '5',
      FACEID_RETRY_BASE_MS: '20',
      FACEID_RETRY_MAX_MS: '500',
      FACEID_TOTAL_TIMEOUT_SECONDS: '12.5',
      FACEID_SWEEP_INTERVAL_SECONDS: '10',
      FACEID_SWEEP_QPS: '8',
      FACEID_SWEEP_LEASE_SECONDS: '60',
      FACEID_SWEEP_BATCH: '5',
      FACEID_BILL_PULL: '1',
      FACEID_DATA_KEYS: 'a, b',
      FACEID_DATA_DIR: '/var/lib/faceid',
    })
    expect(set.limits).toEqual({ perUserPerHour: 0, perIpPerHour: DEFAULT_PER_IP_PER_HOUR })
    expect(set.reuseOpenToken).toBe(true)
    expect(set.retry).toEqual({ attempts: 5, baseDelayMs: 20, maxDelayMs: 500, budgetMs: 12_500 })
    expect(set.sweep).toEqual({ enabled: true, intervalSeconds: 10, qps: 8, leaseSeconds: 60, batchSize: 5 })
    expect(set.billPull).toBe(true)
    expect(set.previousDataKeys).toEqual(['a', 'b'])
    expect(set.dataDir).toBe('/var/lib/faceid')
    // `npm start` runs in server/; npm says where the user ran it, and .data goes there.
    expect(readConfig({ INIT_CWD: '/home/me/app' }).dataDir).toBe('/home/me/app/.data')
    expect(readConfig({ INIT_CWD: '/home/me/app', FACEID_DATA_DIR: '/data' }).dataDir).toBe('/data')
    expect(readConfig({}).dataDir).toBeUndefined()
    expect(readConfig({ FACEID_SWEEP_INTERVAL_SECONDS: '0' }).sweep).toEqual({ enabled: false })
    expect(readConfig({ FACEID_TOTAL_TIMEOUT_SECONDS: '0' }).retry).toEqual({})
    for (const [name, value] of [
      ['FACEID_LIMIT_PER_USER_PER_HOUR', 'ten'],
      ['FACEID_REUSE_OPEN_TOKEN', 'maybe'],
      ['FACEID_RETRY_ATTEMPTS', 'many'],
      ['FACEID_TOTAL_TIMEOUT_SECONDS', 'soon'],
      ['FACEID_SWEEP_QPS', '-1'],
      ['FACEID_BILL_PULL', 'daily'],
      ['FACEID_HTTP_MAX_CONNECTIONS', '1.5'],
    ] as const) {
      expect(() => readConfig({ [name]: value }), name).toThrow(new RegExp(name))
    }
  })
})
