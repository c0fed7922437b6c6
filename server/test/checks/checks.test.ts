/**
 * The identity-factor checks end to end: the real tencentcloud-sdk-nodejs client against the
 * emulator over loopback (signatures included), on each ledger engine. Outcomes come from the
 * identities planted in the emulator; nothing about a result is stubbed.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { pino } from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createEmulator, SANDBOX_CREDENTIAL, type Emulator, type PlantedIdentity } from '../../emulator/index.js'
import { CheckInputError, createIdentityChecks, type IdentityChecks } from '../../src/checks/index.js'
import { idCardCheckCharacter } from '../../src/checks/validate.js'
import { createIdentityCheckRouter } from '../../src/checks/routes.js'
import { UpstreamError } from '../../src/errors/index.js'
import { generateDataKey, Keyring } from '../../src/privacy/data-keys.js'
import { createTencentGateway } from '../../src/providers/tencent/client.js'
import type { Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import { createFaceidKit } from '../../src/kit.js'
import { ENGINES, resetDatabase, useTestDatabase } from '../support/postgres-db.js'
import { captureLog } from '../support/log-capture.js'

/** A valid ID number for a date of birth and a sequence, check character computed. */
function idNumber(first17: string): string {
  return first17 + idCardCheckCharacter(first17)
}

// The planted person: a rare name, so a grep of the logs cannot hit anything else.
const PERSON = { name: '欧阳明轩', idCard: idNumber('44030519880214123'), phone: '13712345678', card: '6222600260001072444' }
const OTHER_PHONE = '15912345670'
const LOST_CARD = '6228480402564890018'
const PLANTED: PlantedIdentity[] = [
  {
    name: PERSON.name,
    idCard: PERSON.idCard,
    phones: [
      { number: PERSON.phone, status: 0, tenureMonths: 40 },
      { number: OTHER_PHONE, status: 1, tenureMonths: 7 },
    ],
    bankCards: [
      { number: PERSON.card, state: 'normal' },
      { number: LOST_CARD, state: 'lost' },
    ],
  },
  { name: '司马文静', idCard: idNumber('11010819920505862'), phones: [{ number: '18612345679', tenureMonths: null }] },
]
const UNKNOWN_ID = idNumber('32010619750101001')
const PERSONAL = [PERSON.name, PERSON.idCard, PERSON.phone, PERSON.card, OTHER_PHONE, LOST_CARD, UNKNOWN_ID, '司马文静']

let emulator: Emulator
let endpoint: string
const kitLog = captureLog()
const emulatorLog = captureLog()

beforeAll(async () => {
  emulator = createEmulator({ identities: PLANTED, logger: pino({ level: 'info' }, emulatorLog.stream) })
  endpoint = (await emulator.listen()).url
})
afterAll(async () => {
  await emulator.close()
})

const calls = (): number => Object.values(emulator.stats().calls).reduce((a, b) => a + b, 0)

describe.each(ENGINES)('identity checks on %s', (engine) => {
  const testDb = useTestDatabase(engine)
  let db: Database
  let ledger: Ledger
  let checks: IdentityChecks
  const keyring = Keyring.fromKeys(generateDataKey())

  beforeAll(async () => {
    db = await testDb.open()
    ledger = await Ledger.open(db, { keyring })
  })
  beforeEach(async () => {
    await resetDatabase(db)
    emulator.setFaults(undefined)
    for (const action of ['IdCardVerification', 'PhoneVerification', 'BankCard2EVerification'] as const) emulator.forceCheckResult(action, undefined)
    checks = createIdentityChecks({
      gateway: createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint }),
      database: db,
      keyring,
      logger: pino({ level: 'info' }, kitLog.stream),
      retry: { sleep: async () => undefined },
    })
  })

  const rowCount = async (): Promise<number> => Number((await db.queries.selectFrom('faceid_checks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

  describe('idCard', () => {
    it('answers match, mismatch and not_found with Tencent code, description and catalog message', async () => {
      const match = await checks.idCard({ name: PERSON.name, idCard: PERSON.idCard, userId: 'u1' })
      expect(match).toMatchObject({ kind: 'id-card', outcome: 'match', code: '0', billable: true, retryable: false, documented: true })
      expect(match.description).toBe('姓名和身份证号一致')
      expect(match.message).toEqual({ zh: '姓名和身份证号一致', en: 'The name and ID number match' })
      expect(match.requestId).toMatch(/^[0-9a-f-]{36}$/)

      const mismatch = await checks.idCard({ name: '欧阳明', idCard: PERSON.idCard })
      expect(mismatch).toMatchObject({ outcome: 'mismatch', code: '-1', billable: true })

      const unknown = await checks.idCard({ name: PERSON.name, idCard: UNKNOWN_ID })
      expect(unknown).toMatchObject({ outcome: 'not_found', code: '-5', billable: false, description: '证件库中无此身份证记录' })
    })

    it('takes a lowercase x as X', async () => {
      const xId = idNumber('11010519491231002')
      if (!xId.endsWith('X')) throw new Error('fixture: expected an ID number ending in X')
      emulator.plantIdentity({ name: '林小雨', idCard: xId })
      expect((await checks.idCard({ name: '林小雨', idCard: xId.toLowerCase() })).outcome).toBe('match')
    })

    it('reports an answer Tencent gives whatever it is sent (service failing) as a retryable error, not billed', async () => {
      emulator.forceCheckResult('IdCardVerification', '-4')
      const r = await checks.idCard({ name: PERSON.name, idCard: PERSON.idCard })
      expect(r).toMatchObject({ outcome: 'error', code: '-4', billable: false, retryable: true, description: '证件库服务异常' })
    })
  })

  describe('phone', () => {
    it('answers match with the operator, mismatch with the detail in detailed mode, and not_found', async () => {
      expect(await checks.phone({ name: PERSON.name, idCard: PERSON.idCard, phone: PERSON.phone })).toMatchObject({ kind: 'phone', outcome: 'match', code: '0', isp: '移动', billable: true })
      const wrongName = await checks.phone({ name: '欧阳明', idCard: PERSON.idCard, phone: PERSON.phone, detailed: true })
      expect(wrongName).toMatchObject({ outcome: 'mismatch', code: '-4', detail: 'PhoneNameMismatch', billable: true })
      const simple = await checks.phone({ name: '欧阳明', idCard: PERSON.idCard, phone: PERSON.phone })
      expect(simple.outcome).toBe('mismatch')
      expect(simple.detail).toBeUndefined()
      expect(await checks.phone({ name: PERSON.name, idCard: PERSON.idCard, phone: '13898765432' })).toMatchObject({ outcome: 'not_found', code: '-9', billable: false })
    })

    it('answers a virtual-operator number with "not supported", not billed', async () => {
      expect(await checks.phone({ name: PERSON.name, idCard: PERSON.idCard, phone: '17012345678' })).toMatchObject({ outcome: 'error', code: '-13', billable: false })
    })
  })

  describe('bankCard', () => {
    it('picks the two-, three- or four-factor check from the fields given', async () => {
      expect(await checks.bankCard({ name: PERSON.name, bankCard: PERSON.card })).toMatchObject({ kind: 'bank-card-2e', outcome: 'match', code: '0' })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: PERSON.card, idCard: PERSON.idCard })).toMatchObject({ kind: 'bank-card-3e', outcome: 'match' })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: PERSON.card, idCard: PERSON.idCard, phone: PERSON.phone })).toMatchObject({ kind: 'bank-card-4e', outcome: 'match' })
      expect(emulator.stats().calls).toMatchObject({ BankCard2EVerification: expect.any(Number), BankCardVerification: expect.any(Number), BankCard4EVerification: expect.any(Number) })
    })

    it('answers mismatch (another ID number, another phone) and unverifiable for a lost or unknown card, each with its own table code', async () => {
      expect(await checks.bankCard({ name: PERSON.name, bankCard: PERSON.card, idCard: UNKNOWN_ID })).toMatchObject({ outcome: 'mismatch', code: '-1', billable: true })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: PERSON.card, idCard: PERSON.idCard, phone: OTHER_PHONE })).toMatchObject({ outcome: 'mismatch', code: '-1' })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: LOST_CARD })).toMatchObject({ outcome: 'unverifiable', code: '-11', billable: true, description: '此卡已挂失' })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: LOST_CARD, idCard: PERSON.idCard })).toMatchObject({ outcome: 'unverifiable', code: '-12', description: '此卡已挂失' })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: LOST_CARD, idCard: PERSON.idCard, phone: PERSON.phone })).toMatchObject({ code: '-13', description: '此卡已挂失' })
      expect(await checks.bankCard({ name: PERSON.name, bankCard: '6222000000000000' })).toMatchObject({ outcome: 'unverifiable', code: '-7', description: '无效卡号' })
    })
  })

  describe('phoneStatus and phoneTenure', () => {
    it('phoneStatus: found with the status, not_found for an unknown number', async () => {
      expect(await checks.phoneStatus({ phone: PERSON.phone })).toMatchObject({ kind: 'phone-status', outcome: 'found', code: '0', billable: true, status: { code: 0, label: 'normal' } })
      expect(await checks.phoneStatus({ phone: OTHER_PHONE })).toMatchObject({ outcome: 'found', status: { code: 1, label: 'suspended' } })
      const unknown = await checks.phoneStatus({ phone: '13898765432' })
      expect(unknown).toMatchObject({ outcome: 'not_found', code: '-1', billable: false })
      expect(unknown.status).toBeUndefined()
    })

    it('phoneTenure: the range in months, an unknown tenure, an unknown number (billed)', async () => {
      expect(await checks.phoneTenure({ phone: PERSON.phone })).toMatchObject({ outcome: 'found', code: '0', tenure: { range: '[24,+)', minMonths: 24, maxMonths: null } })
      expect(await checks.phoneTenure({ phone: OTHER_PHONE })).toMatchObject({ tenure: { range: '[6,12)', minMonths: 6, maxMonths: 12 } })
      const unknownTenure = await checks.phoneTenure({ phone: '18612345679' })
      expect(unknownTenure).toMatchObject({ outcome: 'found', code: '-3', billable: true })
      expect(unknownTenure.tenure).toBeUndefined()
      expect(await checks.phoneTenure({ phone: '13898765432' })).toMatchObject({ outcome: 'not_found', code: '-2', billable: true })
    })
  })

  describe('the ledger', () => {
    it('records kind, user, outcome, code, billing and times in clear, and the inputs and answer sealed', async () => {
      const r = await checks.bankCard({ name: PERSON.name, bankCard: PERSON.card, idCard: PERSON.idCard, phone: PERSON.phone, userId: 'user-7' })
      const record = await checks.read(r.id)
      expect(record).toMatchObject({ id: r.id, kind: 'bank-card-4e', userId: 'user-7', outcome: 'match', code: '0', billable: true, requestId: r.requestId, error: null })
      expect(record!.answeredAt!.getTime()).toBeGreaterThanOrEqual(record!.requestedAt.getTime())
      expect(record!.sealed).toEqual({
        input: { Name: PERSON.name, BankCard: PERSON.card, IdCard: PERSON.idCard, Phone: PERSON.phone },
        response: { Result: '0', Description: '认证通过', RequestId: r.requestId },
      })
      const raw = await db.queries.selectFrom('faceid_checks').selectAll().execute()
      expect(raw).toHaveLength(1)
      const text = JSON.stringify(raw)
      for (const secret of PERSONAL) expect(text).not.toContain(secret)
      expect(raw[0]!.sealed).toMatch(/^v1\./)
    })

    it('the personal-data purge deletes the sealed part of checks requested before its date, and keeps the rest', async () => {
      const r = await checks.phone({ name: PERSON.name, idCard: PERSON.idCard, phone: PERSON.phone, userId: 'u2' })
      expect(await ledger.purgePersonalData(new Date(Date.now() - 3600_000))).toBe(0)
      expect((await checks.read(r.id))!.sealed).not.toBeNull()
      expect(await ledger.purgePersonalData(new Date(Date.now() + 1000))).toBe(1)
      expect(await checks.read(r.id)).toMatchObject({ kind: 'phone', userId: 'u2', outcome: 'match', code: '0', billable: true, sealed: null })
      expect(await ledger.purgePersonalData(new Date(Date.now() + 1000))).toBe(0)
    })

    it('rotate-keys re-seals checks under the current key, so the old key can go', async () => {
      const r = await checks.idCard({ name: PERSON.name, idCard: PERSON.idCard })
      const next = new Keyring({ id: 'next', key: Buffer.alloc(32, 7) }, [keyring.current])
      const report = await (await Ledger.open(db, { keyring: next })).rotateKeys({ batchSize: 1 })
      expect(report).toMatchObject({ rotated: 1, failed: [] })
      const row = await db.queries.selectFrom('faceid_checks').select(['key_id']).where('id', '=', r.id).executeTakeFirstOrThrow()
      expect(row.key_id).toBe('next')
      const onlyNext = createIdentityChecks({ gateway: createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint }), database: db, keyring: new Keyring({ id: 'next', key: Buffer.alloc(32, 7) }) })
      expect((await onlyNext.read(r.id))!.sealed!.input).toEqual({ Name: PERSON.name, IdCard: PERSON.idCard })
      await expect(checks.read(r.id)).rejects.toThrow(/not configured/)
    })

    it('a sealed part opens only in its own row', async () => {
      const a = await checks.idCard({ name: PERSON.name, idCard: PERSON.idCard })
      const b = await checks.phoneStatus({ phone: PERSON.phone })
      const rowA = await db.queries.selectFrom('faceid_checks').select(['sealed', 'key_id']).where('id', '=', a.id).executeTakeFirstOrThrow()
      await db.queries.updateTable('faceid_checks').set({ sealed: rowA.sealed, key_id: rowA.key_id }).where('id', '=', b.id).execute()
      await expect(checks.read(b.id)).rejects.toThrow(/does not open/)
    })

    it('refuses bad input with a typed error naming the field, before any ledger row or upstream call', async () => {
      const before = calls()
      const refusals: Array<[Promise<unknown>, string]> = [
        [checks.idCard({ name: PERSON.name, idCard: PERSON.idCard.slice(0, 17) + (PERSON.idCard.endsWith('0') ? '1' : '0') }), 'idCard'],
        [checks.idCard({ name: PERSON.name, idCard: '440305198802301234' }), 'idCard'],
        [checks.idCard({ name: PERSON.name, idCard: '12345' }), 'idCard'],
        [checks.idCard({ name: '欧阳2', idCard: PERSON.idCard }), 'name'],
        [checks.idCard({ name: '', idCard: PERSON.idCard }), 'name'],
        [checks.idCard({ name: PERSON.name, idCard: PERSON.idCard, userId: '' }), 'userId'],
        [checks.phone({ name: PERSON.name, idCard: PERSON.idCard, phone: '12345678901' }), 'phone'],
        [checks.phone({ name: PERSON.name, idCard: PERSON.idCard, phone: '+8613712345678' }), 'phone'],
        [checks.bankCard({ name: PERSON.name, bankCard: '6222-6002' }), 'bankCard'],
        [checks.bankCard({ name: PERSON.name, bankCard: '62226002600010724441234' }), 'bankCard'],
        [checks.bankCard({ name: PERSON.name, bankCard: PERSON.card, phone: PERSON.phone }), 'idCard'],
        [checks.phoneStatus({ phone: '2345' }), 'phone'],
        [checks.phoneTenure({ phone: undefined as unknown as string }), 'phone'],
        [checks.phoneTenure(null as unknown as { phone: string }), 'input'],
      ]
      for (const [call, field] of refusals) {
        const error = await call.then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(CheckInputError)
        expect(error).toMatchObject({ field, status: 400, code: 'invalid_check_input' })
        // The message names the field, never the value.
        for (const secret of PERSONAL) expect((error as Error).message).not.toContain(secret)
      }
      expect(calls()).toBe(before)
      expect(await rowCount()).toBe(0)
    })

    it('retries a rate-limited call, but not one that may have been answered and billed (HTTP 5xx); the row says the call failed', async () => {
      emulator.setFaults({ rateLimitRate: 1 })
      let before = calls()
      const limited = await checks.idCard({ name: PERSON.name, idCard: PERSON.idCard }).catch((e: unknown) => e)
      expect(limited).toBeInstanceOf(UpstreamError)
      expect(limited).toMatchObject({ tencentCode: 'RequestLimitExceeded' })
      expect(calls() - before).toBe(3)

      emulator.setFaults({ http5xxRate: 1 })
      before = calls()
      const failed = await checks.phoneStatus({ phone: PERSON.phone }).catch((e: unknown) => e)
      expect(failed).toMatchObject({ tencentCode: 'HTTP500', retryable: false })
      expect(calls() - before).toBe(1)
      emulator.setFaults(undefined)

      const rows = await db.queries.selectFrom('faceid_checks').select(['kind', 'outcome', 'error', 'billable']).orderBy('requested_at').execute()
      expect(rows.map((r) => ({ ...r, billable: Boolean(r.billable) }))).toEqual([
        { kind: 'id-card', outcome: 'upstream_error', error: 'RequestLimitExceeded', billable: false },
        { kind: 'phone-status', outcome: 'upstream_error', error: 'HTTP500', billable: false },
      ])
    })
  })
})

describe('back-office routes', () => {
  const testDb = useTestDatabase('sqlite')
  let server: http.Server
  let base: string
  let checks: IdentityChecks

  beforeAll(async () => {
    const db = await testDb.open()
    const keyring = Keyring.fromKeys(generateDataKey())
    await Ledger.open(db, { keyring })
    checks = createIdentityChecks({ gateway: createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint }), database: db, keyring, logger: pino({ level: 'info' }, kitLog.stream) })
    const app = new Koa()
    const router = createIdentityCheckRouter({ checks, authorize: (ctx) => (ctx.get('x-operator') === 'ops-1' ? 'ops-1' : undefined) })
    app.use(router.routes())
    server = http.createServer(app.callback())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/faceid-admin/checks`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  const post = (path: string, body: unknown, operator?: string) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(operator ? { 'x-operator': operator } : {}) }, body: JSON.stringify(body) })

  it('refuse a caller the partner does not authorize, before any call', async () => {
    const before = calls()
    const res = await post('/id-card', { name: PERSON.name, idCard: PERSON.idCard })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated')
    expect(calls()).toBe(before)
  })

  it('run a check and answer its result; bad input is a 400 naming the field; a row reads without its sealed part', async () => {
    const res = await post('/phone-tenure', { phone: PERSON.phone, userId: 'u9' }, 'ops-1')
    expect(res.status).toBe(200)
    const result = (await res.json()) as { id: string; outcome: string; tenure: { range: string } }
    expect(result).toMatchObject({ outcome: 'found', tenure: { range: '[24,+)' } })

    const bad = await post('/bank-card', { name: PERSON.name, bankCard: 'abc' }, 'ops-1')
    expect(bad.status).toBe(400)
    const badBody = (await bad.json()) as { error: { code: string; message: string } }
    expect(badBody.error.code).toBe('invalid_check_input')
    expect(badBody.error.message).toMatch(/bankCard/)

    const row = await fetch(`${base}/${result.id}`, { headers: { 'x-operator': 'ops-1' } })
    expect(row.status).toBe(200)
    const text = await row.text()
    expect(JSON.parse(text)).toMatchObject({ id: result.id, kind: 'phone-tenure', userId: 'u9', outcome: 'found' })
    expect(text).not.toContain('sealed')
    expect(text).not.toContain(PERSON.phone)
    expect((await fetch(`${base}/nope`, { headers: { 'x-operator': 'ops-1' } })).status).toBe(404)
  })
})

describe('kit.checks', () => {
  it('runs checks on the kit\'s ledger; the end-user routes serve no check', async () => {
    const kit = await createFaceidKit({
      ...SANDBOX_CREDENTIAL,
      endpoint,
      mode: 'sandbox',
      database: { dataDir: 'memory' },
      resolveUser: () => 'u1',
      startJobs: false,
      logger: pino({ level: 'info' }, kitLog.stream),
    })
    try {
      const r = await kit.checks.phoneStatus({ phone: PERSON.phone, userId: 'u1' })
      expect(r).toMatchObject({ outcome: 'found', status: { label: 'normal' } })
      expect(await kit.checks.read(r.id)).toMatchObject({ userId: 'u1', outcome: 'found', billable: true })
      const app = new Koa()
      app.use(kit.routes())
      const server = http.createServer(app.callback())
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const port = (server.address() as AddressInfo).port
        for (const path of ['/faceid-admin/checks/id-card', '/faceid/checks/id-card', '/faceid/id-card']) {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: PERSON.name, idCard: PERSON.idCard }) })
          expect(res.status).toBe(404)
        }
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
    } finally {
      await kit.close()
    }
  })
})

describe('logs', () => {
  it('carry the kind and outcome of each check and nothing personal (kit and emulator)', () => {
    // Runs last in this file: every check above has logged by now.
    expect(kitLog.lines.length).toBeGreaterThan(20)
    const entries = kitLog.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries.every((e) => typeof e['check'] === 'string' && typeof e['outcome'] === 'string')).toBe(true)
    expect(new Set(entries.map((e) => e['outcome']))).toEqual(new Set(['match', 'mismatch', 'not_found', 'found', 'unverifiable', 'error', 'upstream_error']))
    const text = [...kitLog.lines, ...emulatorLog.lines].join('\n')
    expect(emulatorLog.lines.some((l) => l.includes('IdCardVerification'))).toBe(true)
    for (const secret of PERSONAL) expect(text).not.toContain(secret)
  })
})
