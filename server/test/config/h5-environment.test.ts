import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/config/environment.js'
import { ConfigurationError } from '../../src/errors/index.js'

const live = { FACEID_SECRET_ID: 'id', FACEID_SECRET_KEY: 'key', SESSION_SECRET: 's'.repeat(32) }

describe('web (H5) flow settings', () => {
  it('reads the public address and the partner pages', () => {
    const config = readConfig({ ...live, FACEID_PUBLIC_BASE_URL: 'https://api.example.com', FACEID_H5_RETURN_PAGE: 'https://www.example.com/done', FACEID_H5_ERROR_PAGE: '/oops' })
    expect(config.h5).toEqual({ publicBaseUrl: 'https://api.example.com', returnPage: 'https://www.example.com/done', errorPage: '/oops' })
  })

  it('needs both the address and the return page in live mode, or neither', () => {
    expect(() => readConfig({ ...live, FACEID_PUBLIC_BASE_URL: 'https://api.example.com' })).toThrow(ConfigurationError)
    expect(() => readConfig({ ...live, FACEID_H5_RETURN_PAGE: '/done' })).toThrow(/FACEID_PUBLIC_BASE_URL/)
    expect(() => readConfig({ ...live, FACEID_H5_ERROR_PAGE: '/oops' })).toThrow(/FACEID_H5_RETURN_PAGE/)
    expect(readConfig(live).h5).toEqual({ publicBaseUrl: undefined, returnPage: undefined, errorPage: undefined })
  })

  it('lets the sandbox fall back to its own address and the demo page', () => {
    expect(() => readConfig({ FACEID_H5_RETURN_PAGE: '/done' })).not.toThrow()
  })
})
