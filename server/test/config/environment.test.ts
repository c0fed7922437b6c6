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
})
