import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { GetDetectInfoEnhancedResponse, GetEidResultResponse } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/v20180301/faceid_models'
import { openDatabase, type Database } from '../../src/store/database.js'
import { DataKeyError, fingerprint, generateDataKey, Keyring, parseDataKey } from '../../src/privacy/data-keys.js'
import { createEmulator, SANDBOX_CREDENTIAL, type Emulator } from '../../emulator/index.js'
import { FAKE_IMAGE_BASE64 } from '../../emulator/results.js'
import { ConfigurationError } from '../../src/errors/index.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import { Ledger } from '../../src/store/ledger.js'
import { clearPartOf } from '../../src/privacy/personal-data.js'
import { Verifier } from '../../src/verification/verifier.js'
import { freshDatabase, MERCHANT_ID, RULE_ID, startHarness, type Harness } from '../support/harness.js'
import { keyringOf, readConfig } from '../../src/config/environment.js'

/** The keyring the standalone server builds from these variables (`requireKey`: live mode). */
const fromEnv = (env: NodeJS.ProcessEnv, options: { requireKey?: boolean } = {}): Keyring =>
  keyringOf(readConfig({ ...env, ...(options.requireKey ? { FACEID_SECRET_ID: 'id', FACEID_SECRET_KEY: 'key' } : {}) }))

const NAME = '张小宝'
const ID_CARD = '11204416541220243X'
const key = (byte: number) => ({ id: fingerprint(Buffer.alloc(32, byte)), key: Buffer.alloc(32, byte) })

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

async function emulatorGateway(): Promise<{ emulator: Emulator; gateway: ReturnType<typeof createTencentGateway> }> {
  const emulator = createEmulator({ ruleIds: [RULE_ID], merchantIds: [MERCHANT_ID], logger: false })
  const { url } = await emulator.listen(0, '127.0.0.1')
  open.push(emulator)
  return { emulator, gateway: createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: url, timeoutSeconds: 5 }) }
}

/** A verified token whose result is stored by a ledger under `keyring`. */
async function storedResult(keyring: Keyring, options: { kind?: 'face' | 'eid'; infoType?: string } = {}) {
  const { db } = await freshDatabase()
  const ledger = await Ledger.open(db, { keyring })
  const { emulator, gateway } = await emulatorGateway()
  const verifier = new Verifier({ gateway, ledger, ruleId: RULE_ID, merchantId: MERCHANT_ID, infoType: options.infoType })
  const kind = options.kind ?? 'face'
  const { token } = await verifier.issue(kind, { userId: 'alice', identity: { name: NAME, idCard: ID_CARD } })
  emulator.complete(token, { outcome: 'passed' })
  const record = await ledger.get(token)
  const view = await verifier.refresh(record!)
  return { db, ledger, verifier, token, view }
}

/** A row as the engine stores it, every column, as text: what someone reading the database sees. */
async function rowText(db: Database, token: string): Promise<string> {
  return JSON.stringify(await db.queries.selectFrom('faceid_tokens').selectAll().where('token', '=', token).executeTakeFirstOrThrow())
}

/** A JSON column as stored: parsed by PostgreSQL, text on SQLite. */
const json = <T>(value: T | string | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value)

describe('keyring', () => {
  it('seals and opens, binding each value to its token', () => {
    const ring = new Keyring(key(1))
    const sealed = ring.seal(`{"Name":"${NAME}"}`, 'token-a')
    expect(sealed.keyId).toBe(key(1).id)
    expect(sealed.blob).not.toContain(NAME)
    expect(Buffer.from(sealed.blob.slice(3), 'base64').toString('utf8')).not.toContain(NAME)
    expect(ring.open(sealed, 'token-a')).toBe(`{"Name":"${NAME}"}`)
    // Two seals of the same text differ (fresh IV).
    expect(ring.seal('x', 'token-a').blob).not.toBe(ring.seal('x', 'token-a').blob)
    // Moved to another row: refused.
    expect(() => ring.open(sealed, 'token-b')).toThrow(DataKeyError)
  })

  it('fails clearly with an unknown key id, a wrong key or altered data', () => {
    const sealed = new Keyring(key(1)).seal('secret', 't')
    expect(() => new Keyring(key(2)).open(sealed, 't')).toThrow(/sealed with data key "k[0-9a-f]{12}", which is not configured: add that key to FACEID_DATA_KEYS/)
    // Same id, other key material: the tag does not verify.
    const impostor = new Keyring({ id: sealed.keyId, key: Buffer.alloc(32, 9) })
    expect(() => impostor.open(sealed, 't')).toThrow(/does not open: the configured key with that id is not the one that sealed it/)
    const raw = Buffer.from(sealed.blob.slice(3), 'base64')
    raw[raw.length - 1]! ^= 1
    expect(() => new Keyring(key(1)).open({ keyId: sealed.keyId, blob: 'v1.' + raw.toString('base64') }, 't')).toThrow(DataKeyError)
    expect(() => new Keyring(key(1)).open({ keyId: sealed.keyId, blob: 'v9.AAAA' }, 't')).toThrow(/unknown format/)
  })

  it('parses keys from the environment without echoing them', () => {
    const k1 = generateDataKey()
    const k2 = generateDataKey()
    const ring = fromEnv({ FACEID_DATA_KEY: k1, FACEID_DATA_KEYS: `old:${k2}` })
    expect(ring.dev).toBe(false)
    expect(ring.current.id).toBe(fingerprint(Buffer.from(k1, 'base64')))
    expect(ring.has('old')).toBe(true)
    expect(fromEnv({ FACEID_DATA_KEY: `main:${k1}` }).current.id).toBe('main')

    const tooShort = Buffer.alloc(16, 3).toString('base64')
    const error = (() => {
      try {
        parseDataKey(tooShort, 'FACEID_DATA_KEY')
      } catch (e) {
        return e as Error
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error?.message).toMatch(/32 bytes, got 16/)
    expect(error?.message).not.toContain(tooShort)
    expect(() => parseDataKey('not base64!', 'FACEID_DATA_KEYS[0]')).toThrow(/FACEID_DATA_KEYS\[0\]: not base64/)
    expect(() => parseDataKey(`dev:${k1}`, 'X')).toThrow(/reserved/)
    expect(() => fromEnv({ FACEID_DATA_KEY: `a:${k1}`, FACEID_DATA_KEYS: `a:${k2}` })).toThrow(/share the id "a"/)
  })

  it('requires a key in live mode and in production; the sandbox gets the public dev key', () => {
    expect(() => fromEnv({}, { requireKey: true })).toThrow(/FACEID_DATA_KEY is required/)
    expect(() => fromEnv({ NODE_ENV: 'production' })).toThrow(/FACEID_DATA_KEY is required/)
    expect(() => fromEnv({ FACEID_DATA_KEYS: generateDataKey() })).toThrow(/FACEID_DATA_KEY is not/)
    const dev = fromEnv({})
    expect(dev.dev).toBe(true)
    expect(dev.current.id).toBe('dev')
  })
})

describe('results at rest', () => {
  it('keeps names, ID numbers and OCR fields out of the database in clear (face)', async () => {
    const { db, ledger, verifier, token, view } = await storedResult(new Keyring(key(1)))
    expect(view).toMatchObject({ status: 'passed', identity: { name: '*小宝', idCard: '1120**********243X' } })

    const text = await rowText(db, token)
    expect(text).not.toContain(NAME)
    expect(text).not.toContain('小宝')
    expect(text).not.toContain(ID_CARD)
    expect(text).not.toContain('243X')
    const row = await db.queries.selectFrom('faceid_tokens').select(['result', 'result_key_id', 'result_sealed']).where('token', '=', token).executeTakeFirstOrThrow()
    const clear = json<Record<string, any>>(row.result)!
    // The clear part still serves billing, the sweeper and reconciliation.
    expect(clear['Text'].ErrCode).toBe(0)
    expect(clear['Text'].LivenessDetail[0].IsNeedCharge).toBe(true)
    expect(clear['Text'].Sim).toEqual(expect.any(String))
    expect(clear['Text'].Name).toBeUndefined()
    expect(row.result_key_id).toBe(key(1).id)
    expect(row.result_sealed).toMatch(/^v1\./)

    // The partner's server reads the whole result.
    const full = await verifier.readFullResult(token)
    expect(full).toMatchObject({ token, userId: 'alice', status: 'passed', final: true })
    expect(full?.result?.Text?.Name).toBe(NAME)
    expect(full?.result?.Text?.IdCard).toBe(ID_CARD)
    expect(await ledger.readFullResult('x'.repeat(36))).toBeUndefined()
    // A view from the stored record stays masked.
    expect(JSON.stringify(verifier.view((await ledger.get(token))!))).not.toContain(NAME)
  })

  it('seals E证通 OCR fields and fetched media too', async () => {
    const { db, verifier, token } = await storedResult(new Keyring(key(1)), { kind: 'eid', infoType: '13' })
    const text = await rowText(db, token)
    const full = (await verifier.readFullResult(token))?.result as GetEidResultResponse | null | undefined
    expect(full?.Text?.OcrName).toBe(NAME)
    expect(full?.BestFrame?.BestFrame).toBe(FAKE_IMAGE_BASE64)
    for (const personal of [NAME, ID_CARD, full!.Text!.OcrAddress!, FAKE_IMAGE_BASE64.slice(0, 40)]) expect(text).not.toContain(personal)
  })

  it('fetches no media unless configured', async () => {
    const { verifier, token } = await storedResult(new Keyring(key(1)))
    const full = (await verifier.readFullResult(token))?.result as GetDetectInfoEnhancedResponse | null | undefined
    expect(full?.BestFrame ?? null).toBeNull()
    expect(() => new Verifier({ gateway: {} as never, ledger: verifier.ledger, infoType: '7' })).toThrow(/infoType/)
    expect(() => new Verifier({ gateway: {} as never, ledger: verifier.ledger, infoType: '11' })).toThrow(/infoType/)
  })

  it('refuses to read a result sealed with a key it does not have', async () => {
    const { db, token } = await storedResult(new Keyring(key(1)))
    const other = await Ledger.open(db, { keyring: new Keyring(key(2)) })
    await expect(other.get(token)).rejects.toThrow(DataKeyError)
    await expect(other.get(token)).rejects.toThrow(/not configured/)
  })
})

describe('key rotation', () => {
  it('re-seals every result under the current key; the old key is then no longer needed', async () => {
    const { db, token } = await storedResult(new Keyring(key(1)))
    // A row stored before encryption existed: a plain result, no key id.
    const now = new Date()
    await db.queries
      .insertInto('faceid_tokens')
      .values({
        token: 'P'.repeat(36),
        kind: 'face',
        user_id: 'bob',
        issued_at: now,
        expires_at: now,
        status: 'passed',
        code: 0,
        final: true,
        result: JSON.stringify({ Text: { ErrCode: 0, Name: '李四', IdCard: '110101199003074512', LivenessDetail: [{ IsNeedCharge: true }] } }),
      })
      .execute()
    // A row under a key nobody has any more.
    const lost = 'L'.repeat(36)
    await db.queries
      .insertInto('faceid_tokens')
      .values({ token: lost, kind: 'face', user_id: 'carol', issued_at: now, expires_at: now, final: false, result: '{}', result_sealed: new Keyring({ id: 'lost', key: Buffer.alloc(32, 5) }).seal('{}', lost).blob, result_key_id: 'lost' })
      .execute()

    const rotating = await Ledger.open(db, { keyring: new Keyring(key(2), [key(1)]) })
    const report = await rotating.rotateKeys({ batchSize: 1 })
    expect(report).toMatchObject({ currentKeyId: key(2).id, rotated: 1, sealedPlain: 1 })
    expect(report.failed).toEqual([{ token: 'L'.repeat(36), keyId: 'lost', reason: expect.stringMatching(/not configured/) }])
    expect(await rotating.rotateKeys()).toMatchObject({ rotated: 0, sealedPlain: 0 })

    const onlyNew = await Ledger.open(db, { keyring: new Keyring(key(2)) })
    expect((await onlyNew.get(token))?.result?.Text?.Name).toBe(NAME)
    expect((await onlyNew.get('P'.repeat(36)))?.result?.Text?.Name).toBe('李四')
    expect(await rowText(db, 'P'.repeat(36))).not.toContain('110101199003074512')
    const onlyOld = await Ledger.open(db, { keyring: new Keyring(key(1)) })
    await expect(onlyOld.get(token)).rejects.toThrow(DataKeyError)
  })
})

describe('retention', () => {
  it('purges the sealed personal part of old final results and keeps status and billing', async () => {
    const { db, ledger, verifier, token } = await storedResult(new Keyring(key(1)))
    expect(await ledger.purgePersonalData(new Date(Date.now() - 3600_000))).toBe(0)
    const now = new Date()
    await db.queries
      .insertInto('faceid_tokens')
      .values({
        token: 'P'.repeat(36),
        kind: 'face',
        user_id: 'bob',
        issued_at: now,
        expires_at: now,
        status: 'failed',
        code: 2016,
        final: true,
        fetched_at: now,
        result: JSON.stringify({ Text: { ErrCode: 2016, Name: '李四', IdCard: '110101199003074512' } }),
      })
      .execute()
    expect(await ledger.purgePersonalData(new Date(Date.now() + 1000))).toBe(2)

    const record = (await ledger.get(token))!
    expect(record).toMatchObject({ status: 'passed', code: 0, billableCount: 1, final: true })
    expect(record.result?.Text?.ErrCode).toBe(0)
    expect(record.result?.Text?.Name).toBeUndefined()
    expect(verifier.view(record)).toMatchObject({ status: 'passed', billable: true })
    expect(verifier.view(record).identity).toBeUndefined()
    expect(await rowText(db, 'P'.repeat(36))).not.toContain('李四')
    // Nothing left to re-seal, nothing purged twice.
    expect(await Ledger.open(db, { keyring: new Keyring(key(2)) }).then((l) => l.rotateKeys())).toMatchObject({ rotated: 0, sealedPlain: 0, failed: [] })
    expect(await ledger.purgePersonalData(new Date(Date.now() + 1000))).toBe(0)
  })
})

describe('npm run rotate-keys', () => {
  const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const tsx = path.resolve(serverDir, '../node_modules/.bin/tsx')
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(tsx, ['--conditions=@faceid-kit/source', 'bin/rotate-keys.ts', ...args], { cwd: serverDir, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' })

  it('rotates an embedded database, and refuses to run without a current key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-rotate-'))
    try {
      const k1 = generateDataKey()
      const k2 = generateDataKey()
      const token = 'R'.repeat(36)
      const db = await openDatabase({ dataDir: dir })
      const ledger = await Ledger.open(db, { keyring: fromEnv({ FACEID_DATA_KEY: k1 }) })
      await ledger.insert({ token, kind: 'face', userId: 'u', issuedAt: new Date(), expiresAt: new Date() })
      const raw = { Text: { ErrCode: 0, Name: NAME, IdCard: ID_CARD } }
      await ledger.recordFetch(token, { result: { token, kind: 'face', status: 'passed', updatedAt: '' }, raw, billableCount: 0, final: true }, new Date())
      await db.close()

      const refused = run(['--data-dir', dir], {})
      expect(refused.status).toBe(1)
      expect(refused.stderr).toMatch(/FACEID_DATA_KEY is required/)
      expect(refused.stderr).not.toMatch(/\n\s+at /)

      const done = run(['--data-dir', dir], { FACEID_DATA_KEY: k2, FACEID_DATA_KEYS: k1 })
      expect(done.stderr).toBe('')
      expect(done.status).toBe(0)
      expect(JSON.parse(done.stdout)).toMatchObject({ rotated: 1, sealedPlain: 0, failed: 0 })

      const generated = run(['--generate'], {})
      expect(Buffer.from(generated.stdout.trim(), 'base64')).toHaveLength(32)

      const reopened = await openDatabase({ dataDir: dir })
      try {
        const onlyNew = await Ledger.open(reopened, { keyring: fromEnv({ FACEID_DATA_KEY: k2 }) })
        expect((await onlyNew.get(token))?.result?.Text?.Name).toBe(NAME)
      } finally {
        await reopened.close()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('clear part of a result', () => {
  it('is an allowlist: unknown and personal fields are left out', () => {
    const clear = clearPartOf({
      RequestId: 'r',
      BestFrame: { BestFrame: 'AAAA' },
      Text: { ErrCode: 0, Name: NAME, IdCard: ID_CARD, Mobile: '13800000000', Extra: 'x', LivenessDetail: [{ IsNeedCharge: true, Name: '*小宝', Idcard: '1120**' }] },
      NewField: NAME,
    } as never)
    expect(clear).toEqual({ RequestId: 'r', Text: { ErrCode: 0, LivenessDetail: [{ IsNeedCharge: true }] } })
  })
})

describe('through the routes', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })
  it('answers the mini-program with masked identity only', async () => {
    h = await startHarness()
    const issued = await h.call('POST', '/faceid/biz-token', { user: 'alice' })
    h.emulator.complete(issued.body.token, { outcome: 'passed' })
    const result = await h.call('GET', `/faceid/biz-token/${issued.body.token}`, { user: 'alice' })
    expect(result.body.identity).toEqual({ name: '*小宝', idCard: '1120**********243X' })
    expect(JSON.stringify(result.body)).not.toContain(NAME)
    expect(await rowText(h.db, issued.body.token)).not.toContain(NAME)
  })
})
