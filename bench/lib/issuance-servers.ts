/**
 * Child process for row 1: two Koa servers side by side in one process, both calling one
 * tencentcloud SDK client (the kit's gateway) against the emulator in another process. The kit
 * comes from its built package, `@faceid-kit/server` resolved to `server/dist` (this process runs
 * without the source condition), so the row measures the JavaScript a partner installs.
 * - the kit: `createFaceidRouter` with a Verifier and the ledger, as a partner mounts it;
 * - bare: one Koa route calling `DetectAuth` and answering, nothing else.
 * User and identity come from the same places in both, so the difference is the kit's own work
 * (body check, ledger insert, retry wrapper, error handling).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import Koa from 'koa'
import { createFaceidRouter, createTencentGateway, Ledger, openDatabase, Verifier, withRetries } from '@faceid-kit/server'
import { SANDBOX_CREDENTIAL } from '@faceid-kit/server/emulator'
import { fatal, serve } from './child.js'
import { CHILD_OPTIONS_ENV, IDENTITY, RULE_ID, USER_HEADER, type IssuanceServersInfo, type IssuanceServersOptions } from './processes.js'

const BIZ_TOKEN_LIFETIME_MS = 7200 * 1000

async function listen(app: Koa): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function main() {
  const options = JSON.parse(process.env[CHILD_OPTIONS_ENV] ?? '{}') as IssuanceServersOptions
  const gateway = createTencentGateway({ ...SANDBOX_CREDENTIAL, endpoint: options.emulatorUrl, timeoutSeconds: 10 })
  const db = await openDatabase(options.database)
  const ledger = await Ledger.open(db)
  // The same wiring as the standalone server: retries around the gateway for the routes.
  const verifier = new Verifier({ gateway: withRetries(gateway), ledger, ruleId: RULE_ID })

  const kitApp = new Koa()
  kitApp.use(
    createFaceidRouter({
      verifier,
      resolveUser: (ctx) => ctx.get(USER_HEADER) || undefined,
      resolveIdentity: () => ({ ...IDENTITY }),
    }).routes(),
  )

  const bareApp = new Koa()
  const bare = new Router()
  bare.post('/bare/biz-token', async (ctx) => {
    const user = ctx.get(USER_HEADER)
    if (!user) ctx.throw(401)
    const res = await gateway.call('DetectAuth', { RuleId: RULE_ID, Name: IDENTITY.name, IdCard: IDENTITY.idCard })
    ctx.status = 201
    ctx.body = { token: res.BizToken, kind: 'face', expiresAt: new Date(Date.now() + BIZ_TOKEN_LIFETIME_MS).toISOString() }
  })
  bareApp.use(bare.routes())

  const kit = await listen(kitApp)
  const plain = await listen(bareApp)
  const api = {
    /** Tokens the kit recorded, to check that every 201 was a ledger insert. */
    ledgerCount: () => ledger.count(),
    /** CPU time of this process (all threads), µs: how much work each server does per request. */
    cpu: () => {
      const { user, system } = process.cpuUsage()
      return user + system
    },
  }
  serve(api, { kitUrl: kit.url, bareUrl: plain.url } satisfies IssuanceServersInfo, async () => {
    for (const s of [kit.server, plain.server]) {
      s.closeAllConnections()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    }
    await db.close()
  })
}

export type IssuanceServersApi = { ledgerCount: () => Promise<number>; cpu: () => number }

main().catch(fatal)
