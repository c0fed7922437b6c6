/**
 * A sender process killed with SIGKILL while deliveries are in flight, then restarted: every
 * event still arrives. Only the events in flight at the kill may arrive twice (at least once;
 * receivers deduplicate on the event id), and never twice at the same time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../src/store/database.js'
import { Ledger } from '../../src/store/ledger.js'
import { Keyring } from '../../src/privacy/data-keys.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/postgres-db.js'
import { startReceiver, type Receiver } from './receiver.js'
import { fetchResult, issue, token } from './support.js'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// Node itself with tsx's loader: SIGKILL must reach the sender, not a wrapper process.
const tsxLoader = pathToFileURL(path.resolve(serverDir, '../node_modules/tsx/dist/loader.mjs')).href
const SECRET = 'kill-test-secret-0123456789abcdef0123'
const EVENTS = 60

interface Child {
  proc: ChildProcess
  exited: Promise<number | null>
  started: Promise<void>
  stderr(): string
}

function startSender(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=@faceid-kit/source', '--import', tsxLoader, path.join(serverDir, 'test/webhooks/fixtures/sender.ts')], {
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  proc.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const started = new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
      if (text.includes('"sender started"')) resolve()
    })
    void exited.then((code) => reject(new Error(`sender exited (${code}): ${stderr.join('').slice(-2000)}`)))
  })
  return { proc, exited, started, stderr: () => stderr.join('').slice(-2000) }
}

async function until(what: string, check: () => Promise<boolean> | boolean, limit = 4000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for: ${what}`)
}

describe.each(ENGINES)('a webhook sender killed mid-delivery (%s)', (engine) => {
  let receiver: Receiver
  let database: TestDatabase | undefined
  let workDir: string
  const children: Child[] = []

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceid-webhook-kill-'))
    if (engine === 'postgres') database = await createTestDatabase('postgres')
  }, 120_000)
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL')
    await receiver?.close()
    await database?.drop()
    fs.rmSync(workDir, { recursive: true, force: true })
  })

  const openLedgerDb = (): Promise<Database> => (database ? database.open() : openDatabase({ dataDir: path.join(workDir, '.data') }))

  it('loses nothing: the restarted sender delivers the rest', async () => {
    // Every request is held a while, so a kill always finds deliveries in flight.
    receiver = await startReceiver({ secrets: [SECRET], holdMs: 40 })
    const url = receiver.url + '/hooks'
    const db = await openLedgerDb()
    const ledger = await Ledger.open(db, { keyring: Keyring.dev(), webhookEndpoints: [url] })
    for (let i = 0; i < EVENTS; i++) {
      await issue(ledger, token(i))
      await fetchResult(ledger, token(i), 0, true)
    }
    const ids = (await db.queries.selectFrom('faceid_webhook_outbox').select('event_id').execute()).map((r) => r.event_id)
    expect(ids).toHaveLength(EVENTS)
    if (engine === 'sqlite') await db.close()

    const env = {
      WEBHOOK_URL: url,
      WEBHOOK_SECRET: SECRET,
      ...(database ? { DATABASE_URL: database.url! } : { FACEID_DATA_DIR: path.join(workDir, '.data') }),
    }
    const first = startSender({ ...env, SENDER_NAME: 'first' })
    children.push(first)
    await first.started
    await until('a third delivered and one in flight', () => receiver.accepted.size >= EVENTS / 3 && receiver.inFlight() > 0)
    first.proc.kill('SIGKILL')
    await first.exited
    const deliveredBeforeKill = receiver.accepted.size
    expect(deliveredBeforeKill).toBeLessThan(EVENTS)

    const second = startSender({ ...env, SENDER_NAME: 'second' })
    children.push(second)
    await second.started
    const check = await openLedgerDb()
    await until('every event delivered', async () => {
      const left = await check.queries.selectFrom('faceid_webhook_outbox').select('id').where('state', '!=', 'delivered').limit(1).execute()
      return left.length === 0
    })
    if (engine === 'sqlite') await check.close()
    second.proc.kill('SIGTERM')
    await second.exited

    expect(new Set([...receiver.accepted.keys()].map((k) => k.split(' ')[1]))).toEqual(new Set(ids))
    const twice = [...receiver.accepted.values()].filter((n) => n > 1).length
    // Only what the killed sender had in hand (sent, answer not yet recorded) can come twice:
    // at most its concurrency, 3.
    expect(twice).toBeLessThanOrEqual(3)
    expect(receiver.stats.maxInFlightPerEvent).toBe(1)
    expect(receiver.stats.badSignatures).toBe(0)
  }, 180_000)
})
