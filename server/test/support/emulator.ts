/** Shared setup for the emulator tests: a started emulator, a real SDK client, raw signed requests. */
import http from 'node:http'
import { faceid } from 'tencentcloud-sdk-nodejs/tencentcloud/services/faceid/index.js'
import TencentCloudSDKHttpException from 'tencentcloud-sdk-nodejs/tencentcloud/common/exception/tencent_cloud_sdk_exception.js'
import { afterEach } from 'vitest'
import {
  SANDBOX_CREDENTIAL,
  createEmulator,
  signTc3,
  type Emulator,
  type EmulatorAddress,
  type EmulatorCredential,
  type EmulatorOptions,
} from '../../emulator/index.js'

export type FaceidClient = InstanceType<typeof faceid.v20180301.Client>

/** A clock tests can move. */
export class TestClock {
  constructor(public ms: number = Date.now()) {}
  readonly now = (): number => this.ms
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
}

const running: Emulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
})

export interface Started {
  emulator: Emulator
  address: EmulatorAddress
  client: (credential?: EmulatorCredential) => FaceidClient
}

export async function start(options: EmulatorOptions = {}): Promise<Started> {
  const emulator = createEmulator({ logger: false, ...options })
  running.push(emulator)
  const address = await emulator.listen()
  // An explicit agent keeps the SDK off any http_proxy; no keep-alive so drops stay per request.
  const agent = new http.Agent({ keepAlive: false })
  const client = (credential: EmulatorCredential = SANDBOX_CREDENTIAL): FaceidClient =>
    new faceid.v20180301.Client({
      credential,
      region: 'ap-guangzhou',
      profile: { httpProfile: { endpoint: address.endpoint, protocol: 'http://', agent, reqTimeout: 10 } },
    })
  return { emulator, address, client }
}

/** The error the SDK threw; fails the test if the call resolved. */
export async function sdkError(call: Promise<unknown>): Promise<TencentCloudSDKHttpException> {
  try {
    await call
  } catch (e) {
    if (e instanceof TencentCloudSDKHttpException) return e
    throw e
  }
  throw new Error('expected the SDK call to fail')
}

export interface RawOptions {
  action?: string
  version?: string
  body?: string
  credential?: EmulatorCredential
  timestamp?: number
  authorization?: string | null
  contentType?: string
}

/** A TC3-signed POST / built by hand (for what the SDK cannot send). */
export async function raw(address: EmulatorAddress, options: RawOptions = {}): Promise<{ status: number; json: unknown; text: string }> {
  const body = options.body ?? '{}'
  const credential = options.credential ?? SANDBOX_CREDENTIAL
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  const contentType = options.contentType ?? 'application/json'
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': options.version ?? '2018-03-01',
  }
  if (options.action !== undefined) headers['X-TC-Action'] = options.action
  const authorization =
    options.authorization === undefined
      ? signTc3({ ...credential, service: '127', host: '127.0.0.1', timestamp, body, contentType })
      : options.authorization
  if (authorization !== null) headers.Authorization = authorization
  const res = await fetch(`${address.url}/`, { method: 'POST', headers, body })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text }
}

/** `{ Response: { Error: { Code } } }` → Code */
export function errorCode(json: unknown): string | undefined {
  return (json as { Response?: { Error?: { Code?: string } } } | undefined)?.Response?.Error?.Code
}

export async function sandbox(address: EmulatorAddress, path: string, init?: { method?: string; body?: unknown }) {
  const res = await fetch(`${address.url}${path}`, {
    method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json' },
    ...(init?.body !== undefined && { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}
