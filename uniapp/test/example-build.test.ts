import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exampleDist } from '../scripts/build-example.mjs'

describe('uni-app example build (uni build -p mp-weixin)', () => {
  it('emits an mp-weixin app whose app.json lists the pages of pages.json', () => {
    const appJson = JSON.parse(readFileSync(join(exampleDist, 'app.json'), 'utf8')) as { pages: string[] }
    const pagesJson = JSON.parse(readFileSync(join(exampleDist, '../../../src/pages.json'), 'utf8')) as {
      pages: { path: string }[]
    }
    expect(appJson.pages).toEqual(pagesJson.pages.map((p) => p.path))
    for (const page of appJson.pages) {
      for (const ext of ['.js', '.json', '.wxml']) expect(existsSync(join(exampleDist, page + ext))).toBe(true)
    }
  })
})
