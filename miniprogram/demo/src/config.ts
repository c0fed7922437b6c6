/** Where `npm start` serves the faceid-kit server (sandbox mode when no Tencent keys are set). */
export const SERVER_URL = 'http://127.0.0.1:3000'

/** The demo acts as this user; the sandbox server's dev-login issues its session token. */
export const DEMO_USER = {
  userId: 'demo-user',
  // A made-up person: the emulator needs an identity to verify; the kit only ever shows it masked.
  identity: { name: '张小宝', idCard: '11204416541220243X' },
}
