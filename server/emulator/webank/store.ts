/**
 * What WeBank's `kyc1` servers keep, with their rules: access tokens (7200 s), SIGN tickets
 * (3600 s, reusable), NONCE tickets (120 s, one use, one user), faceIds (5 minutes), and the
 * orders' results (kept 3 days). A new access token or SIGN ticket leaves the previous ones one
 * more minute; a secret change ends every token and ticket of the WBappid at once.
 */
import crypto from 'node:crypto'

export const ACCESS_TOKEN_LIFETIME_MS = 7200_000
export const SIGN_TICKET_LIFETIME_MS = 3600_000
export const NONCE_TICKET_LIFETIME_MS = 120_000
export const FACE_ID_LIFETIME_MS = 300_000
/** How long a replaced access token or SIGN ticket still works. */
export const OVERLAP_MS = 60_000
export const WEBANK_RESULT_RETENTION_MS = 3 * 24 * 3600_000

/** WeBank's answer codes the emulator gives, with its messages. */
export const WEBANK_CODES = {
  ok: ['0', '请求成功'],
  /** Bad signature, or signed with a ticket that is unknown, expired or (NONCE) already used. */
  badSign: ['400101', '签名校验不通过'],
  /** Access token unknown, expired, replaced over a minute ago, or killed by a secret change. */
  badToken: ['400102', '不合法请求'],
  /** Wrong secret for the WBappid. */
  badSecret: ['400105', '身份验证不通过'],
  rateLimited: ['400504', '请求访问频率过高'],
  badParams: ['66660000', '请求参数异常'],
  notFinished: ['66660011', '未完成认证或认证结果已过期'],
  faceIdExpired: ['66660018', '操作超时，请退出重试'],
  internal: ['999999', '网络不给力，请稍后再试'],
} as const satisfies Record<string, readonly [string, string]>

export type WebankCodeName = keyof typeof WEBANK_CODES

export class WebankRefusal extends Error {
  readonly code: string
  constructor(readonly reason: WebankCodeName, detail?: string) {
    super(detail ?? WEBANK_CODES[reason][1])
    this.code = WEBANK_CODES[reason][0]
  }
}

interface Credential {
  appId: string
  value: string
  expiresAt: number
  /** Set when replaced: the end of its overlap minute. */
  replacedUntil: number | undefined
  /** The secret generation it was issued under. */
  secretGeneration: number
}

interface NonceTicket {
  appId: string
  value: string
  userId: string
  expiresAt: number
  used: boolean
  /** A ticket dies with the access token it was issued under. */
  accessToken: string
}

/** How a sandbox verification ends. */
export type WebankOutcome = { outcome: 'passed' } | { outcome: 'failed'; code?: string } | { outcome: 'abandoned' }

export interface WebankOrder {
  appId: string
  orderNo: string
  userId: string
  faceId: string
  faceIdExpiresAt: number
  /** Whether a name and ID number were sent (they are not kept). */
  authoritative: boolean
  createdAt: number
  /** `'0'` passed, another code failed, undefined not finished. */
  code: string | undefined
  finishedAt: number | undefined
  /** The browser or SDK logged in with this order (a NONCE-signed login). */
  loggedIn: boolean
  /** H5: where the browser goes back to, from the login's `url`. */
  callbackUrl: string | undefined
  /** H5: the one-time value the sandbox page posts back, as WeBank's page keeps its session. */
  pageSession: string | undefined
}

const sha1Upper = (text: string): string => crypto.createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase()

/** WeBank's signature, written here on its own so the emulator checks the kit rather than itself. */
export function emulatorSign(values: readonly string[], ticket: string): string {
  return sha1Upper([...values, ticket].sort().join(''))
}

function randomValue(length: number): string {
  return crypto.randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length)
}

export class WebankStore {
  private readonly secrets = new Map<string, { secret: string; generation: number }>()
  private readonly tokens = new Map<string, Credential>()
  private readonly signTickets = new Map<string, Credential & { accessToken: string }>()
  private readonly nonceTickets = new Map<string, NonceTicket>()
  private readonly orders = new Map<string, WebankOrder>()
  readonly issued = { accessTokens: 0, signTickets: 0, nonceTickets: 0, faceIds: 0 }

  constructor(
    apps: ReadonlyArray<{ appId: string; secret: string }>,
    private readonly now: () => number,
  ) {
    for (const app of apps) this.secrets.set(app.appId, { secret: app.secret, generation: 0 })
  }

  /** What changing the secret in WeBank's console does: every token and ticket of the app ends now. */
  rotateSecret(appId: string, secret?: string): void {
    const app = this.secrets.get(appId)
    if (!app) throw new Error(`Unknown WBappid ${appId}`)
    this.secrets.set(appId, { secret: secret ?? app.secret, generation: app.generation + 1 })
  }

  issueAccessToken(appId: string, secret: string): { value: string; expireIn: number } {
    const app = this.secrets.get(appId)
    if (!app || !timingSafeEqualText(app.secret, secret)) throw new WebankRefusal('badSecret')
    const now = this.now()
    for (const old of this.tokens.values()) if (old.appId === appId && old.replacedUntil === undefined) old.replacedUntil = now + OVERLAP_MS
    const value = randomValue(64)
    this.tokens.set(value, { appId, value, expiresAt: now + ACCESS_TOKEN_LIFETIME_MS, replacedUntil: undefined, secretGeneration: app.generation })
    this.issued.accessTokens += 1
    this.prune(now)
    return { value, expireIn: ACCESS_TOKEN_LIFETIME_MS / 1000 }
  }

  private liveToken(appId: string, value: string): Credential {
    const token = this.tokens.get(value)
    if (!token || token.appId !== appId || !this.isLive(token)) throw new WebankRefusal('badToken')
    return token
  }

  private isLive(c: Credential): boolean {
    const now = this.now()
    return now < c.expiresAt && (c.replacedUntil === undefined || now < c.replacedUntil) && c.secretGeneration === this.secrets.get(c.appId)?.generation
  }

  issueSignTicket(appId: string, accessToken: string): { value: string; expireIn: number } {
    const token = this.liveToken(appId, accessToken)
    const now = this.now()
    for (const old of this.signTickets.values()) if (old.appId === appId && old.replacedUntil === undefined) old.replacedUntil = now + OVERLAP_MS
    const value = randomValue(64)
    this.signTickets.set(value, { appId, value, accessToken: token.value, expiresAt: now + SIGN_TICKET_LIFETIME_MS, replacedUntil: undefined, secretGeneration: token.secretGeneration })
    this.issued.signTickets += 1
    return { value, expireIn: SIGN_TICKET_LIFETIME_MS / 1000 }
  }

  issueNonceTicket(appId: string, accessToken: string, userId: string): { value: string; expireIn: number } {
    const token = this.liveToken(appId, accessToken)
    const value = randomValue(64)
    this.nonceTickets.set(value, { appId, value, userId, expiresAt: this.now() + NONCE_TICKET_LIFETIME_MS, used: false, accessToken: token.value })
    this.issued.nonceTickets += 1
    return { value, expireIn: NONCE_TICKET_LIFETIME_MS / 1000 }
  }

  /** The SIGN tickets WeBank accepts now for `appId` (the current one and any in its overlap minute). */
  private liveSignTickets(appId: string): string[] {
    const out: string[] = []
    for (const t of this.signTickets.values()) {
      // A ticket dies with its access token.
      const token = this.tokens.get(t.accessToken)
      if (t.appId === appId && this.isLive(t) && token && this.isLive(token)) out.push(t.value)
    }
    return out
  }

  /** Throws `badSign` unless `sign` is the signature of `values` with a live SIGN ticket of the app. */
  checkSignTicketSign(appId: string, values: readonly string[], sign: unknown): void {
    if (typeof sign !== 'string' || !this.liveSignTickets(appId).some((ticket) => emulatorSign(values, ticket) === sign.toUpperCase())) throw new WebankRefusal('badSign')
  }

  /** The newest live SIGN ticket, to sign callbacks with (as WeBank signs `newSignature`). */
  currentSignTicket(appId: string): string | undefined {
    let best: (Credential & { accessToken: string }) | undefined
    for (const t of this.signTickets.values()) {
      if (t.appId === appId && t.replacedUntil === undefined && this.isLive(t) && (!best || t.expiresAt > best.expiresAt)) best = t
    }
    return best?.value
  }

  /**
   * A NONCE-signed login: `sign` must be the signature of `values` with an unused, unexpired
   * NONCE ticket of `userId`, which is then used up. A ticket used before fails like a bad sign.
   */
  useNonceTicket(appId: string, userId: string, values: readonly string[], sign: unknown): void {
    if (typeof sign !== 'string') throw new WebankRefusal('badSign')
    const now = this.now()
    for (const t of this.nonceTickets.values()) {
      if (t.appId !== appId || t.userId !== userId || emulatorSign(values, t.value) !== sign.toUpperCase()) continue
      if (t.used) throw new WebankRefusal('badSign', '签名校验不通过（NONCE ticket 已使用）')
      const token = this.tokens.get(t.accessToken)
      if (now >= t.expiresAt || !token || !this.isLive(token)) throw new WebankRefusal('badSign', '签名校验不通过（NONCE ticket 已过期）')
      t.used = true
      return
    }
    throw new WebankRefusal('badSign')
  }

  createOrder(input: { appId: string; orderNo: string; userId: string; authoritative: boolean }): WebankOrder {
    const now = this.now()
    const existing = this.orders.get(input.orderNo)
    // WeBank takes an order number once per WBappid; a repeat with the same user gets a new faceId.
    if (existing && (existing.appId !== input.appId || existing.userId !== input.userId)) throw new WebankRefusal('badParams', '请求参数异常（订单号重复）')
    const order: WebankOrder = {
      ...input,
      faceId: randomValue(32).replace(/[^A-Za-z0-9]/g, '0'),
      faceIdExpiresAt: now + FACE_ID_LIFETIME_MS,
      createdAt: existing?.createdAt ?? now,
      code: undefined,
      finishedAt: undefined,
      loggedIn: false,
      callbackUrl: undefined,
      pageSession: undefined,
    }
    this.orders.set(order.orderNo, order)
    this.issued.faceIds += 1
    return order
  }

  order(orderNo: string): WebankOrder | undefined {
    const order = this.orders.get(orderNo)
    if (order && this.now() - order.createdAt > WEBANK_RESULT_RETENTION_MS) return undefined
    return order
  }

  /** The login of an order (SDK or H5): its faceId must still be valid; once finished it cannot start again. */
  login(orderNo: string, faceId: string, userId: string, callbackUrl?: string): WebankOrder {
    const order = this.order(orderNo)
    if (!order || order.faceId !== faceId || order.userId !== userId) throw new WebankRefusal('badParams', '请求参数异常（订单或 faceId 不匹配）')
    if (this.now() >= order.faceIdExpiresAt) throw new WebankRefusal('faceIdExpired')
    order.loggedIn = true
    if (callbackUrl !== undefined) {
      order.callbackUrl = callbackUrl
      order.pageSession = randomValue(32)
    }
    return order
  }

  /** Ends a verification as the user would (sandbox control). */
  complete(orderNo: string, outcome: WebankOutcome): WebankOrder {
    const order = this.order(orderNo)
    if (!order) throw new Error(`Unknown order ${orderNo}`)
    if (order.code !== undefined) throw new Error(`Order ${orderNo} is already finished`)
    if (outcome.outcome === 'abandoned') return order
    order.code = outcome.outcome === 'passed' ? '0' : (outcome.code ?? '66660004')
    order.finishedAt = this.now()
    return order
  }

  private prune(now: number): void {
    for (const [k, t] of this.tokens) if (now > t.expiresAt) this.tokens.delete(k)
    for (const [k, t] of this.signTickets) if (now > t.expiresAt) this.signTickets.delete(k)
    for (const [k, t] of this.nonceTickets) if (now > t.expiresAt + WEBANK_RESULT_RETENTION_MS) this.nonceTickets.delete(k)
  }
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}
