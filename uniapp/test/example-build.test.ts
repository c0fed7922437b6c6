import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'jsonc-parser'
import { exampleDir, exampleDist } from '../scripts/build-example.mjs'

describe('uni-app example build (uni build -p mp-weixin)', () => {
  it('emits an mp-weixin app whose app.json lists the pages of pages.json', () => {
    const appJson = JSON.parse(readFileSync(join(exampleDist, 'app.json'), 'utf8')) as { pages: string[] }
    const pagesJson = parse(readFileSync(join(exampleDist, '../../../src/pages.json'), 'utf8')) as {
      pages: { path: string }[]
    }
    expect(appJson.pages).toEqual(pagesJson.pages.map((p) => p.path))
    for (const page of appJson.pages) {
      for (const ext of ['.js', '.json', '.wxml']) expect(existsSync(join(exampleDist, page + ext))).toBe(true)
    }
  })

  it('carries the half-screen allow-list from manifest.json and the wxcomponents from pages.json', () => {
    const appJson = JSON.parse(readFileSync(join(exampleDist, 'app.json'), 'utf8')) as {
      embeddedAppIdList?: string[]
      usingComponents?: Record<string, string>
    }
    expect(appJson.embeddedAppIdList).toEqual(['wx0e2cb0b052a91c92'])
    for (const path of Object.values(appJson.usingComponents ?? {})) {
      expect(existsSync(join(exampleDist, `${path}.js`))).toBe(true)
    }
    expect(Object.keys(appJson.usingComponents ?? {})).toEqual(['mp-faceid-verify', 'mp-eid-verify'])
    const hostPage = JSON.parse(readFileSync(join(exampleDist, 'pages/faceid-kit/verify.json'), 'utf8')) as {
      usingComponents: Record<string, string>
    }
    expect(Object.keys(hostPage.usingComponents)).toEqual(['verify-mp'])
    expect(existsSync(join(exampleDist, 'wxcomponents/verify_mpsdk/indexCom.js'))).toBe(true)
  })

  it('type-checks with the example’s own TypeScript, the packed uni_modules included', () => {
    // Throws with tsc's diagnostics on any error (strict mode, TypeScript 5.4 as in the example).
    const run = () =>
      execFileSync(join(exampleDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: exampleDir, encoding: 'utf8', stdio: 'pipe' })
    expect(run).not.toThrow()
    expect(existsSync(join(exampleDir, 'src/uni_modules/faceid-kit/js_sdk/core/shared-types.ts'))).toBe(true)
  }, 60_000)
})
