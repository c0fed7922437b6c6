import { sql } from 'kysely'
import type { Database } from './database.js'
import { DEV_KEY_ID } from '../privacy/data-keys.js'
import { ConfigurationError } from '../errors/index.js'

/** What a ledger holds: tokens Tencent issued (`live`) or tokens of the emulator (`sandbox`). */
export type LedgerMode = 'live' | 'sandbox'

/** How the ledger got its mark. */
export type LedgerMarking =
  /** It was already marked with this mode. */
  | 'marked'
  /** Empty: marked now, at creation. */
  | 'created'
  /** Written before marks existed; its sealed results say which mode wrote them. */
  | 'inferred'
  /** Written before marks existed, with nothing that tells: a live instance adopts it. */
  | 'adopted'

/** The ledger belongs to the other mode: the instance must not start on it. */
export class LedgerModeError extends ConfigurationError {
  constructor(
    readonly wanted: LedgerMode,
    readonly found: LedgerMode | 'mixed' | 'unknown',
    message: string,
  ) {
    super(message)
  }
}

/** Serialises the first open of an unmarked ledger by several instances (two-key form: its own lock space). */
const MODE_LOCK = [7355608, 2] as const

interface Evidence {
  tokens: number
  /** Results sealed with the public sandbox key (`dev`): written by a sandbox instance. */
  sandbox_sealed: number
  /** Results sealed with any other key: live mode refuses to start without a real key. */
  live_sealed: number
}

/**
 * Checks that the ledger belongs to `mode`, marking it on first use. A sandbox instance never
 * opens a ledger with live tokens (its sweeper would end real verifications, its dev-login would
 * mint sessions for real users), and a live instance never opens one with emulator tokens.
 *
 * A ledger is marked in `faceid_ledger_mode` by the first instance that opens it. One written
 * before marks existed is judged by its sealed results: the sandbox seals with the public key
 * `dev`, which live mode refuses, so `dev` means sandbox and any other key means live; both →
 * refused for either mode. With no sealed result at all (only pending tokens), nothing tells:
 * a live instance adopts it (production keeps working after an upgrade), a sandbox refuses it
 * (start the sandbox on its own, empty database).
 */
export async function claimLedgerMode(db: Database, mode: LedgerMode): Promise<LedgerMarking> {
  return db.transaction(async (tx) => {
    // SQLite: the transaction already holds the file's write lock.
    if (db.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${MODE_LOCK[0]}, ${MODE_LOCK[1]})`.execute(tx)
    const marked = await tx.selectFrom('faceid_ledger_mode').select('mode').executeTakeFirst()
    if (marked) {
      if (marked.mode !== mode) throw refusal(mode, marked.mode, `the database is marked as a ${marked.mode} ledger`)
      return 'marked'
    }
    const counted = await tx
      .selectFrom('faceid_tokens')
      .select((eb) => [
        eb.fn.countAll().as('tokens'),
        eb.fn.sum<number | string | null>(eb.case().when('result_key_id', '=', DEV_KEY_ID).then(1).else(0).end()).as('sandbox_sealed'),
        eb.fn.sum<number | string | null>(eb.case().when(eb.and([eb('result_key_id', 'is not', null), eb('result_key_id', '<>', DEV_KEY_ID)])).then(1).else(0).end()).as('live_sealed'),
      ])
      .executeTakeFirstOrThrow()
    const evidence: Evidence = { tokens: Number(counted.tokens), sandbox_sealed: Number(counted.sandbox_sealed ?? 0), live_sealed: Number(counted.live_sealed ?? 0) }
    let marking: LedgerMarking
    if (evidence.tokens === 0) {
      marking = 'created'
    } else if (evidence.sandbox_sealed > 0 && evidence.live_sealed > 0) {
      throw refusal(mode, 'mixed', `the unmarked database holds results sealed with the sandbox key and with live keys (${evidence.sandbox_sealed} and ${evidence.live_sealed})`)
    } else if (evidence.sandbox_sealed > 0 || evidence.live_sealed > 0) {
      const found: LedgerMode = evidence.sandbox_sealed > 0 ? 'sandbox' : 'live'
      if (found !== mode) throw refusal(mode, found, `the unmarked database holds ${evidence.tokens} tokens with results sealed by a ${found} instance`)
      marking = 'inferred'
    } else if (mode === 'live') {
      marking = 'adopted'
    } else {
      throw refusal(mode, 'unknown', `the unmarked database holds ${evidence.tokens} tokens and nothing shows they are the emulator's`)
    }
    await tx.insertInto('faceid_ledger_mode').values({ mode, marked_by: marking, marked_at: new Date() }).execute()
    return marking
  })
}

function refusal(wanted: LedgerMode, found: LedgerMode | 'mixed' | 'unknown', why: string): LedgerModeError {
  const advice =
    wanted === 'sandbox'
      ? 'A sandbox must never act on live tokens: give it its own database (DATABASE_URL, or a fresh data directory).'
      : 'A live instance must never mix real tokens with emulator tokens: point DATABASE_URL at the production ledger, or at a new, empty database.'
  return new LedgerModeError(wanted, found, `Refusing to open the ledger in ${wanted} mode: ${why}. ${advice}`)
}
