#!/usr/bin/env node
/**
 * `npm run sweep`: one sweeper pass — fetch every due, non-final token until none is due —
 * then exit. For cron, or after downtime; `npm start` also sweeps in the background.
 * Reads the same environment as the server (DATABASE_URL, FACEID_*); see the README.
 */
import { createSweeper } from '../src/jobs/sweeper.js'
import { envNumber } from '../src/config/environment.js'
import { openCliContext, parseCliArgs, runCli } from './common.js'

const USAGE = 'usage: npm run sweep -- [--json] [--qps N]'

runCli(async () => {
  const { values } = parseCliArgs(process.argv.slice(2), { json: { type: 'boolean' }, qps: { type: 'string' }, help: { type: 'boolean' } }, USAGE)
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const ctx = await openCliContext()
  const qps = values.qps === undefined ? ctx.config.sweep.qps : envNumber({ qps: values.qps }, 'qps')
  try {
    const sweeper = createSweeper({
      ledger: ctx.ledger,
      gateway: ctx.gateway,
      ruleId: ctx.ruleId,
      merchantId: ctx.merchantId,
      ...(qps ? { qps } : {}),
      leaseMs: (ctx.config.sweep.leaseSeconds ?? 300) * 1000,
    })
    const stop = () => void sweeper.stop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    const result = await sweeper.runOnce()
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`)
    } else {
      const { claimed, fetched, finalized, errors, gaveUp, remaining } = result
      process.stdout.write(
        `swept ${claimed} token(s): ${fetched} fetched, ${finalized} now final, ${errors} failed (retried later), ${gaveUp} given up\n` +
          `open: ${remaining.open} not final, ${remaining.due} due now, ${remaining.leased} leased by another sweeper\n`,
      )
    }
  } finally {
    await ctx.close()
  }
})
