/**
 * The example's server and session. `npm start` at the repository root serves the faceid-kit
 * server in sandbox mode on port 3000; in sandbox mode `POST /auth/dev-login` issues a session
 * token for any user id (a real app uses its own login instead).
 */
export const SERVER = 'http://127.0.0.1:3000'
const DEMO_USER = 'uniapp-demo-user'

let session: Promise<string> | undefined

function post<T>(path: string, data: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    uni.request({
      url: `${SERVER}${path}`,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data,
      success: (res) => {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data as T)
        else reject(new Error(`${path}: HTTP ${res.statusCode}`))
      },
      fail: (err) => reject(new Error(`${path}: ${err.errMsg}`)),
    })
  })
}

/** The demo user's session token (fetched once; retried after a failure). */
export function login(): Promise<string> {
  if (!session) {
    session = post<{ token: string }>('/auth/dev-login', { userId: DEMO_USER }).then(
      (res) => res.token,
      (error: unknown) => {
        session = undefined
        throw error
      },
    )
  }
  return session
}

/** Request headers for the faceid routes (the kit calls this before each request). */
export async function authHeader(): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await login()}` }
}

/**
 * Megvii compares the user with the authority's photo of an identity the partner's server holds:
 * in the sandbox, dev-login records the sandbox's one for this user (a real app's server has it).
 */
const MEGVII_USER = { userId: 'uniapp-megvii-user', identity: { name: '张小宝', idCard: '11204416541220243X' } }
let megviiSession: Promise<string> | undefined

/** Request headers for the Megvii routes, for the user the sandbox knows an identity of. */
export async function megviiAuthHeader(): Promise<Record<string, string>> {
  if (!megviiSession) {
    megviiSession = post<{ token: string }>('/auth/dev-login', MEGVII_USER).then(
      (res) => res.token,
      (error: unknown) => {
        megviiSession = undefined
        throw error
      },
    )
  }
  return { Authorization: `Bearer ${await megviiSession}` }
}
