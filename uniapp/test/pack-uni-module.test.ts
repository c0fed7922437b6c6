// @vitest-environment node
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { extractTypes, packUniModule } from '../scripts/pack-uni-module.mjs'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    return statSync(full).isDirectory() ? files(full) : [full]
  })
}

describe('pack-uni-module', () => {
  it('packs a uni_modules folder that imports nothing from the repository', () => {
    const root = mkdtempSync(join(tmpdir(), 'faceid-kit-pack-'))
    dirs.push(root)
    const out = packUniModule(join(root, 'faceid-kit'))
    const all = files(out)
    const rel = all.map((f) => f.slice(out.length + 1)).sort()
    expect(rel).toEqual(expect.arrayContaining(['package.json', 'js_sdk/index.ts', 'js_sdk/core/kit.ts', 'js_sdk/core/shared-types.ts']))
    expect(rel).toContain('components/eid-verify/eid-verify.vue')
    for (const file of all.filter((f) => /\.(ts|vue)$/.test(f))) {
      const text = readFileSync(file, 'utf8')
      expect(text, file).not.toMatch(/from '(@faceid-kit\/|(\.\.\/){3,})/)
    }
    expect(readFileSync(join(out, 'js_sdk/core.ts'), 'utf8')).toContain("from './core/index'")
    expect(readFileSync(join(out, 'js_sdk/core/types.ts'), 'utf8')).toContain("from './shared-types'")
    // The values the core takes from shared (flow paths and lifetimes, the token pattern) travel with it.
    expect(readFileSync(join(out, 'js_sdk/core/api.ts'), 'utf8')).toMatch(/import \{ FLOWS \} from '\.\/shared-types'/)
    expect(readFileSync(join(out, 'js_sdk/core/shared-types.ts'), 'utf8')).toContain("export * from './shared-flows'")
    expect(readFileSync(join(out, 'js_sdk/core/shared-flows.ts'), 'utf8')).toContain("path: '/eid-token'")
    expect(readFileSync(join(out, 'js_sdk/core/shared-tokens.ts'), 'utf8')).toContain("from './shared-flows'")
    const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as { id: string; uni_modules: unknown }
    expect(manifest.id).toBe('faceid-kit')
    expect(manifest.uni_modules).toBeDefined()
    // The DCloud plugin-market layout: package.json, changelog.md and readme.md at the top.
    expect(rel).toEqual(expect.arrayContaining(['changelog.md', 'readme.md']))
  })

  it('inlines a type with the types it refers to, and refuses one that comes from an import', () => {
    const shared = join(__dirname, '../../shared/src/types.ts')
    // TokenKind comes from the flows module, which is packed beside the types.
    expect(() => extractTypes(shared, ['VerificationResult'])).toThrow(/TokenKind is imported from elsewhere/)
    const used = new Map<string, string>()
    const text = extractTypes(shared, ['VerificationResult'], { allowFrom: ['./flows.js'], used })
    expect(used).toEqual(new Map([['TokenKind', './flows.js']]))
    expect(text).not.toContain('type TokenKind')
    expect(text).toContain('export interface VerificationResult')
    expect(text).toContain('export interface MaskedIdentity')
    expect(text).toContain('export type VerificationStatus')
    expect(text).not.toContain('TokenResponse')
    expect(() => extractTypes(shared, ['Nope'])).toThrow(/no type named Nope/)
    const root = mkdtempSync(join(tmpdir(), 'faceid-kit-types-'))
    dirs.push(root)
    const importing = join(root, 'importing.ts')
    writeFileSync(importing, "import type { Elsewhere } from './elsewhere'\n\nexport interface Uses {\n  value: Elsewhere\n}\n")
    expect(() => extractTypes(importing, ['Uses'])).toThrow(/imported from elsewhere/)
  })
})
