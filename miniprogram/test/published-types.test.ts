/** The published declarations (miniprogram_dist/types) stand alone and type a consumer's code. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KIT_DIR } from './helpers/load'

const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript')

function compile(code: string): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faceid-kit-types-'))
  const file = path.join(dir, 'consumer.ts')
  writeFileSync(file, code.replaceAll('KIT', path.join(KIT_DIR, 'types/index').split(path.sep).join('/')))
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: ['miniprogram-api-typings'],
    typeRoots: [path.join(KIT_DIR, '../../node_modules'), path.join(KIT_DIR, '../node_modules')],
    // Fast; misresolved types would turn into `any`, which the @ts-expect-error lines below catch.
    skipLibCheck: true,
  })
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

describe('published type declarations', { timeout: 60_000 }, () => {
  it('type a consumer without the private @faceid-kit/shared package, and catch misuse', () => {
    const errors = compile(`
      import { configure, startEid, verifyFace, withEidReturnGuard, FaceIdKitError, type VerifyOutcome, type VerificationResult } from 'KIT'
      configure({ baseUrl: 'https://api.example.com', header: async () => ({ Authorization: 'Bearer x' }) })
      const outcome: Promise<VerifyOutcome> = startEid({ token: 'x', embedded: true })
      void outcome
      void verifyFace().then((flow) => {
        if (flow.status === 'result') {
          const result: VerificationResult = flow.result
          const passed: boolean = result.status === 'passed'
          void passed
          // @ts-expect-error status is 'pending' | 'passed' | 'failed' | 'expired' (from the copied shared types)
          const wrong: 'approved' = result.status
          void wrong
        }
      })
      const app = withEidReturnGuard({ onShow(options: WechatMiniprogram.App.LaunchShowOption) { void options } })
      void app
      void ((error: unknown) => error instanceof FaceIdKitError && error.retryable)
      // @ts-expect-error the token is a string
      void startEid({ token: 1 })
      // @ts-expect-error there is no such option
      configure({ baseURL: 'x' })
    `)
    expect(errors).toEqual([])
  })

  it('reports a real type error (the check can fail)', () => {
    expect(compile(`import { startFaceVerify } from 'KIT'\nvoid startFaceVerify({ tokn: 'x' })`)).not.toEqual([])
  })
})
