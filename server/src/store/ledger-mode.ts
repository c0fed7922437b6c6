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
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [...MODE_LOCK])
    const marked = (await tx.query<{ mode: LedgerMode }>('SELECT mode FROM faceid_ledger_mode')).rows[0]
    if (marked) {
      if (marked.mode !== mode) throw refusal(mode, marked.mode, `the database is marked as a ${marked.mode} ledger`)
      return 'marked'
    }
    const evidence = (
      await tx.query<Evidence>(
        `SELECT count(*)::int AS tokens,
                count(*) FILTER (WHERE result_key_id = $1)::int AS sandbox_sealed,
                count(*) FILTER (WHERE result_key_id IS NOT NULL AND result_key_id <> $1)::int AS live_sealed
           FROM faceid_tokens`,
        [DEV_KEY_ID],
      )
    ).rows[0]!
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
    await tx.query('INSERT INTO faceid_ledger_mode (mode, marked_by) VALUES ($1, $2)', [mode, marking])
    return marking
  })
}

function refusal(wanted: LedgerMode, found: LedgerMode | 'mixed' | 'unknown', why: string): LedgerModeError {
  const advice =
    wanted === 'sandbox'
      ? 'A sandbox must never act on live tokens: give it its own database (DATABASE_URL, or a fresh PGlite directory).'
      : 'A live instance must never mix real tokens with emulator tokens: point DATABASE_URL at the production ledger, or at a new, empty database.'
  return new LedgerModeError(wanted, found, `Refusing to open the ledger in ${wanted} mode: ${why}. ${advice}`)
}
