/**
 * WeBank's access token and SIGN ticket, shared by every instance through the ledger.
 *
 * WeBank's rules: refresh every 20 minutes or so, never concurrently, and use the new pair at
 * once; the old pair keeps working for one minute only. A secret change kills both at once. So:
 * - the pair lives in `faceid_webank_credentials`, one row per WBappid;
 * - one instance refreshes, under a lease on that row (compare-and-set on `lease_until` and on
 *   the `generation` it saw); the others keep using the pair they read while it is still valid,
 *   or wait for the new one;
 * - an instance re-reads the row at least every `memoMs` (default 15 s, well inside the overlap
 *   minute), so it never uses a pair another instance has replaced for longer than WeBank allows;
 * - `invalidate(generation)` refreshes a pair that failed, unless another instance already did.
 *
 * The token and tickets are sealed in the row (AES-256-GCM, key derived from the WBappid's
 * secret): with the SIGN ticket alone anyone could query results, photos included, so a reader
 * of the database must not find it in clear. A row sealed under another secret reads as empty
 * and is refreshed, which a secret change needs anyway.
 */
import crypto from 'node:crypto'
import { UpstreamError } from '../../errors/index.js'
import type { Database } from '../../store/database.js'
import type { WebankCredentialsTable } from '../../store/schema.js'
import type { Selectable } from 'kysely'
import type { WebankTransport } from './transport.js'

/** The pair every signed request needs. */
export interface WebankCredential {
  accessToken: string
  signTicket: string
  /** Which refresh produced this pair: pass it to `invalidate` when WeBank refuses it. */
  generation: number
  /** The SIGN ticket before this one while WeBank still accepts it (the overlap minute), to verify callbacks signed with it. */
  previousSignTicket: string | undefined
}

export interface WebankCredentialsOptions {
  db: Database
  appId: string
  secret: string
  /** The transport to fetch with (wrapped with retries by the caller). */
  transport: WebankTransport
  /** Refresh a pair this long after it was fetched. Default 20 minutes (WeBank's advice). */
  refreshAfterMs?: number
  /** Re-read the shared row at least this often. Default 15 s; must stay under WeBank's one-minute overlap. */
  memoMs?: number
  /** How long one refresh may hold the lease. Default 30 s. */
  leaseMs?: number
  /** How long to wait for another instance's refresh before failing with a retryable error. Default 15 s. */
  waitMs?: number
  /** Pause between reads while another instance refreshes. Default 100 ms. */
  pollMs?: number
  /** Unique per instance; default random. */
  owner?: string
  now?: () => Date
}

/** WeBank accepts the pair it replaced for this long. */
export const WEBANK_OVERLAP_MS = 60_000
/** A pair is not used this close to its own expiry. */
const EXPIRY_MARGIN_MS = 60_000

type Row = Selectable<WebankCredentialsTable>

const toDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v))

export class WebankCredentials {
  private readonly db: Database
  private readonly appId: string
  private readonly secret: string
  private readonly transport: WebankTransport
  private readonly refreshAfterMs: number
  private readonly memoMs: number
  private readonly leaseMs: number
  private readonly waitMs: number
  private readonly pollMs: number
  private readonly owner: string
  private readonly now: () => Date
  private readonly sealKey: Buffer
  private memo: { credential: WebankCredential; readAt: number; row: Row } | undefined
  private inflight: Promise<WebankCredential> | undefined
  /** Pairs this instance fetched from WeBank (for health and tests). */
  refreshes = 0

  constructor(options: WebankCredentialsOptions) {
    this.db = options.db
    this.appId = options.appId
    this.secret = options.secret
    this.transport = options.transport
    this.refreshAfterMs = options.refreshAfterMs ?? 20 * 60_000
    this.memoMs = Math.min(options.memoMs ?? 15_000, WEBANK_OVERLAP_MS / 2)
    this.leaseMs = options.leaseMs ?? 30_000
    this.waitMs = options.waitMs ?? 15_000
    this.pollMs = options.pollMs ?? 100
    this.owner = options.owner ?? `webank-${crypto.randomUUID()}`
    this.now = options.now ?? (() => new Date())
    this.sealKey = Buffer.from(crypto.hkdfSync('sha256', options.secret, options.appId, 'faceid-kit webank credentials v1', 32))
  }

  private seal(value: string): string {
    const iv = crypto.randomBytes(12)
    const cipher = crypto.createCipheriv('aes-256-gcm', this.sealKey, iv)
    cipher.setAAD(Buffer.from(this.appId))
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.')
  }

  /** The sealed value, or null when there is none or it was sealed under another secret. */
  private open(sealed: string | null): string | null {
    const parts = sealed?.split('.')
    if (!parts || parts.length !== 4 || parts[0] !== 'v1') return null
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(parts[1]!, 'base64url'))
      decipher.setAAD(Buffer.from(this.appId))
      decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8')
    } catch {
      return null
    }
  }

  /** The row with its token and tickets opened (null where they cannot be). */
  private opened(row: Row): Row {
    return { ...row, access_token: this.open(row.access_token), sign_ticket: this.open(row.sign_ticket), previous_sign_ticket: this.open(row.previous_sign_ticket) }
  }

  /** The pair to sign with now: from memory, the shared row, or a refresh. */
  current(): Promise<WebankCredential> {
    const memo = this.memo
    const now = this.now().getTime()
    if (memo && now - memo.readAt < this.memoMs && this.isFresh(memo.row, now)) return Promise.resolve(memo.credential)
    return this.once(() => this.load(undefined))
  }

  /** The pair in the shared row now, whatever this instance remembers. */
  reread(): Promise<WebankCredential> {
    this.memo = undefined
    return this.once(() => this.load(undefined))
  }

  /**
   * WeBank refused the pair of `generation` (a secret change, or a pair replaced over a minute
   * ago): the next one, fetched here unless another instance already has.
   */
  invalidate(generation: number): Promise<WebankCredential> {
    if (this.memo && this.memo.credential.generation === generation) this.memo = undefined
    return this.once(() => this.load(generation))
  }

  /** One load at a time per instance: concurrent callers share it. */
  private once(load: () => Promise<WebankCredential>): Promise<WebankCredential> {
    const running = this.inflight
    if (running) return running
    const started = load().finally(() => {
      if (this.inflight === started) this.inflight = undefined
    })
    this.inflight = started
    return started
  }

  private async load(failedGeneration: number | undefined): Promise<WebankCredential> {
    const deadline = this.now().getTime() + this.waitMs
    await this.db.queries.insertInto('faceid_webank_credentials').values({ app_id: this.appId }).onConflict((oc) => oc.column('app_id').doNothing()).execute()
    for (;;) {
      const row = await this.read()
      const now = this.now().getTime()
      const replaced = failedGeneration === undefined || row.generation > failedGeneration
      if (replaced && this.isFresh(row, now)) return this.remember(row)
      if (await this.takeLease(row.generation, now)) return this.refresh(row)
      // Another instance is refreshing. Its readers keep the pair they have while it still works.
      if (replaced && this.isUsable(row, now)) return this.remember(row)
      if (now >= deadline) {
        throw new UpstreamError({
          action: 'accessToken',
          tencentCode: 'WeBank.RefreshPending',
          retryable: true,
          status: 503,
          code: 'upstream_unavailable',
          message: 'The WeBank access token is being refreshed by another instance; try again shortly',
        })
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs))
    }
  }

  private async read(): Promise<Row> {
    return this.opened(await this.db.queries.selectFrom('faceid_webank_credentials').selectAll().where('app_id', '=', this.appId).executeTakeFirstOrThrow())
  }

  /** Compare-and-set: the lease is free (or lapsed) and nobody refreshed since `generation`. */
  private async takeLease(generation: number, now: number): Promise<boolean> {
    const taken = await this.db.queries
      .updateTable('faceid_webank_credentials')
      .set({ lease_owner: this.owner, lease_until: new Date(now + this.leaseMs) })
      .where('app_id', '=', this.appId)
      .where('generation', '=', generation)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', new Date(now))]))
      .returning('generation')
      .executeTakeFirst()
    return taken !== undefined
  }

  private async refresh(previous: Row): Promise<WebankCredential> {
    try {
      const token = await this.transport.call('accessToken', { appId: this.appId, secret: this.secret })
      const accessToken = token.access_token
      if (!accessToken) throw malformed('accessToken')
      const ticket = await this.transport.call('ticket', { appId: this.appId, access_token: accessToken, type: 'SIGN' })
      const first = ticket.tickets?.[0]
      if (!first?.value) throw malformed('ticket')
      this.refreshes += 1
      const now = this.now().getTime()
      const updated = await this.db.queries
        .updateTable('faceid_webank_credentials')
        .set({
          generation: previous.generation + 1,
          access_token: this.seal(accessToken),
          token_expires_at: new Date(now + seconds(token.expire_in, 7200) * 1000),
          sign_ticket: this.seal(first.value),
          ticket_expires_at: new Date(now + seconds(first.expire_in, 3600) * 1000),
          previous_sign_ticket: previous.sign_ticket ? this.seal(previous.sign_ticket) : null,
          previous_ticket_until: previous.sign_ticket ? new Date(now + WEBANK_OVERLAP_MS) : null,
          refreshed_at: new Date(now),
          lease_owner: null,
          lease_until: null,
        })
        .where('app_id', '=', this.appId)
        .where('lease_owner', '=', this.owner)
        .returningAll()
        .executeTakeFirst()
      // Lease lost (this refresh outlived it): whoever took it over wrote the pair to use.
      return this.remember(updated ? this.opened(updated) : await this.read())
    } catch (error) {
      await this.db.queries
        .updateTable('faceid_webank_credentials')
        .set({ lease_owner: null, lease_until: null })
        .where('app_id', '=', this.appId)
        .where('lease_owner', '=', this.owner)
        .execute()
        .catch(() => undefined)
      throw error
    }
  }

  private remember(row: Row): WebankCredential {
    if (!row.access_token || !row.sign_ticket) throw malformed('accessToken')
    const now = this.now().getTime()
    const previousUntil = toDate(row.previous_ticket_until)
    const credential: WebankCredential = {
      accessToken: row.access_token,
      signTicket: row.sign_ticket,
      generation: row.generation,
      previousSignTicket: row.previous_sign_ticket && previousUntil && previousUntil.getTime() > now ? row.previous_sign_ticket : undefined,
    }
    this.memo = { credential, readAt: now, row }
    return credential
  }

  /** Fetched less than `refreshAfterMs` ago and not near its end. */
  private isFresh(row: Row, now: number): boolean {
    const refreshedAt = toDate(row.refreshed_at)
    return this.isUsable(row, now) && refreshedAt !== null && now - refreshedAt.getTime() < this.refreshAfterMs
  }

  /** Still accepted by WeBank (due for a refresh or not). */
  private isUsable(row: Row, now: number): boolean {
    const tokenEnd = toDate(row.token_expires_at)
    const ticketEnd = toDate(row.ticket_expires_at)
    return Boolean(row.access_token && row.sign_ticket && tokenEnd && ticketEnd && tokenEnd.getTime() - EXPIRY_MARGIN_MS > now && ticketEnd.getTime() - EXPIRY_MARGIN_MS > now)
  }
}

function seconds(value: string | number | undefined, fallback: number): number {
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? n : fallback
}

function malformed(action: string): UpstreamError {
  return new UpstreamError({ action, tencentCode: 'MalformedResponse', retryable: true, status: 502, code: 'upstream_error', message: `WeBank ${action} returned no usable credential` })
}
