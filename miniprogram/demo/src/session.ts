/** Sandbox login for the demo: `POST /auth/dev-login` once, then every request carries the token. */
import { DEMO_USER, SERVER_URL } from './config'

let token: string | undefined
let pending: Promise<string> | undefined

export function login(): Promise<string> {
  if (token) return Promise.resolve(token)
  if (pending) return pending
  pending = new Promise<string>((resolve, reject) => {
    wx.request({
      url: `${SERVER_URL}/auth/dev-login`,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data: DEMO_USER,
      success(res) {
        const body = res.data as { token?: string }
        if (res.statusCode === 200 && body && typeof body.token === 'string') {
          token = body.token
          resolve(body.token)
        } else {
          reject(new Error(`dev-login failed (${res.statusCode}): is the server running in sandbox mode?`))
        }
      },
      fail(err) {
        reject(new Error(`cannot reach ${SERVER_URL}: run \`npm start\` (${err.errMsg})`))
      },
    })
  }).then(
    (value) => {
      pending = undefined
      return value
    },
    (error: unknown) => {
      pending = undefined
      throw error
    },
  )
  return pending
}

/** For the kit: waits for the login so the first token request is authenticated. */
export async function authHeader(): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await login()}` }
}

/** For the simulated SDKs' /sandbox/complete (called after login has happened). */
export function currentAuthHeader(): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {}
}
