import crypto from 'node:crypto'
import { ConfigurationError, FaceidError } from '../errors/index.js'

/**
 * Encryption at rest of personal data (invariant 6 in docs/architecture.md): AES-256-GCM with a
 * random 96-bit IV per value, the token as additional authenticated data (a sealed value cannot
 * be moved to another row), and a key id stored beside each value so keys can rotate.
 */

/** One 256-bit data key and the id stored with what it sealed. */
export interface DataKey {
  id: string
  key: Buffer
}

/** What `seal` produces: store both, they are useless without the key. */
export interface Sealed {
  keyId: string
  /** `v1.` + base64(iv ‖ tag ‖ ciphertext). */
  blob: string
}

/** A stored value cannot be opened: unknown key id, wrong key, or altered data. */
export class DataKeyError extends FaceidError {
  constructor(message: string, cause?: unknown) {
    super(500, 'data_key_error', message, { cause })
  }
}

const IV_BYTES = 12
const TAG_BYTES = 16
const VERSION = 'v1.'
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/

/** The sandbox key: derived from a public string, so it protects nothing. Never used in live mode. */
export const DEV_KEY_ID = 'dev'
const DEV_KEY = crypto.createHash('sha256').update('faceid-kit sandbox data key; public, protects nothing').digest()

/** A key's default id: a short fingerprint, so operators need not name keys. */
export function fingerprint(key: Buffer): string {
  return 'k' + crypto.createHash('sha256').update('faceid-kit key id').update(key).digest('hex').slice(0, 12)
}

/** A fresh random key in the `FACEID_DATA_KEY` format (base64 of 32 bytes). */
export function generateDataKey(): string {
  return crypto.randomBytes(32).toString('base64')
}

/**
 * Parses one key: `base64` (id = fingerprint) or `id:base64`. Error messages name the variable,
 * never the value.
 */
export function parseDataKey(text: string, variable: string): DataKey {
  const trimmed = text.trim()
  const colon = trimmed.indexOf(':')
  const id = colon > 0 ? trimmed.slice(0, colon) : undefined
  const encoded = colon > 0 ? trimmed.slice(colon + 1) : trimmed
  if (id !== undefined && !KEY_ID_PATTERN.test(id)) throw new ConfigurationError(`${variable}: a key id is 1-32 characters of A-Z, a-z, 0-9, _ and -`)
  if (id === DEV_KEY_ID) throw new ConfigurationError(`${variable}: the key id "${DEV_KEY_ID}" is reserved for the sandbox key`)
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new ConfigurationError(`${variable}: not base64 (generate one with \`openssl rand -base64 32\`)`)
  const key = Buffer.from(encoded, 'base64')
  if (key.length !== 32) throw new ConfigurationError(`${variable}: must decode to 32 bytes, got ${key.length} (generate one with \`openssl rand -base64 32\`)`)
  return { id: id ?? fingerprint(key), key }
}

/** Key texts as they may show up in a log line: whole (`id:base64`) and the base64 part alone. */
export function dataKeySecrets(keys: ReadonlyArray<string | undefined>): string[] {
  return keys.filter((k): k is string => Boolean(k)).flatMap((k) => [k, k.slice(k.indexOf(':') + 1)])
}

/** Seals with the current key; opens with any key it knows. */
export class Keyring {
  readonly current: DataKey
  /** True when running on the public sandbox key. */
  readonly dev: boolean
  private readonly keys: Map<string, Buffer>

  constructor(current: DataKey, previous: readonly DataKey[] = [], options: { dev?: boolean } = {}) {
    if (current.key.length !== 32) throw new ConfigurationError('A data key is 32 bytes')
    this.current = current
    this.dev = options.dev ?? false
    this.keys = new Map()
    for (const k of [current, ...previous]) {
      const known = this.keys.get(k.id)
      if (known && !known.equals(k.key)) throw new ConfigurationError(`Two different data keys share the id "${k.id}"`)
      this.keys.set(k.id, k.key)
    }
  }

  /** The public sandbox key. Live keyrings do not know it, so nothing sealed with it is trusted there. */
  static dev(): Keyring {
    return new Keyring({ id: DEV_KEY_ID, key: DEV_KEY }, [], { dev: true })
  }

  /**
   * A keyring from key texts (`parseDataKey` format): the current key seals, older keys still
   * open what they sealed. Without a current key it refuses, unless `allowSandboxKey` (sandbox
   * mode only) lets it fall back to the public sandbox key. `names` say which settings the texts
   * came from, for error messages.
   */
  static fromKeys(
    current: string | undefined,
    previous: readonly string[] = [],
    options: { allowSandboxKey?: boolean; names?: { current: string; previous: string } } = {},
  ): Keyring {
    const names = options.names ?? { current: 'dataKey', previous: 'previousDataKeys' }
    const older = previous.map((s) => s.trim()).filter(Boolean).map((s, i) => parseDataKey(s, `${names.previous}[${i}]`))
    const currentText = current?.trim()
    if (!currentText) {
      if (!options.allowSandboxKey) {
        throw new ConfigurationError(`${names.current} is required to store verification results (base64 of 32 random bytes: \`openssl rand -base64 32\`)`)
      }
      if (older.length > 0) throw new ConfigurationError(`${names.previous} is set but ${names.current} is not: set the current key too`)
      return Keyring.dev()
    }
    return new Keyring(parseDataKey(currentText, names.current), older)
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId)
  }

  seal(plaintext: string, aad: string): Sealed {
    const iv = crypto.randomBytes(IV_BYTES)
    const cipher = crypto.createCipheriv('aes-256-gcm', this.current.key, iv)
    cipher.setAAD(Buffer.from(aad, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return { keyId: this.current.id, blob: VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') }
  }

  /** Throws `DataKeyError` with what to do, never with key material. */
  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId)
    if (!key) {
      throw new DataKeyError(
        `Stored data is sealed with data key "${sealed.keyId}", which is not configured: add that key to FACEID_DATA_KEYS (current key: "${this.current.id}")`,
      )
    }
    if (!sealed.blob.startsWith(VERSION)) throw new DataKeyError(`Stored data has an unknown format (key "${sealed.keyId}")`)
    const raw = Buffer.from(sealed.blob.slice(VERSION.length), 'base64')
    if (raw.length < IV_BYTES + TAG_BYTES) throw new DataKeyError(`Stored data is truncated (key "${sealed.keyId}")`)
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(aad, 'utf8'))
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch (error) {
      throw new DataKeyError(
        `Stored data sealed with data key "${sealed.keyId}" does not open: the configured key with that id is not the one that sealed it, or the data was altered`,
        error,
      )
    }
  }
}
