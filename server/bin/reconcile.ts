#!/usr/bin/env node
/**
 * `npm run reconcile -- [--date YYYY-MM-DD] [--rule-id ID[,ID…] | --rule-id all] [--pull | --no-pull] [--json]`
 *
 * Compares the ledger with Tencent's bill (GetWeChatBillDetails) for one Beijing-time day —
 * by default yesterday — and prints every discrepancy. The scope is the configured
 * FACEID_RULE_ID (the kit's own tokens); `--rule-id` names other RuleIds, or `all` for the whole
 * account. The bill is pulled first when it is not stored yet for the scope (`--pull`: pull
 * again; `--no-pull`: use what is stored). Progress goes to stderr, the report to stdout (a
 * table, or JSON with `--json`).
 * Exit status: 0 no discrepancy, 1 error, 2 bad usage, 3 discrepancies found, 4 the bill is not
 * ready yet (retry after 06:00 Beijing time the next day).
 */
import { recordDiscrepancyEvents } from '../src/webhooks/reconciliation.js'
import { beijingDay, BillNotReadyError, parseRuleScope, previousBeijingDate, pullBill, readBill, ruleScopeOf, type RuleScope } from '../src/billing/bill.js'
import { formatReport, reconcile } from '../src/billing/reconcile.js'
import { EXIT, fail, openCliContext, parseCliArgs, runCli } from './common.js'

const USAGE = 'usage: npm run reconcile -- [--date YYYY-MM-DD] [--rule-id ID[,ID…] | --rule-id all] [--pull | --no-pull] [--json]'

runCli(
  async () => {
    const { values } = parseCliArgs(
      process.argv.slice(2),
      {
        date: { type: 'string' },
        'rule-id': { type: 'string' },
        pull: { type: 'boolean' },
        'no-pull': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      USAGE,
    )
    if (values.help) {
      process.stdout.write(`${USAGE}\n`)
      return
    }
    if (values.pull && values['no-pull']) fail(`--pull and --no-pull exclude each other\n${USAGE}`, EXIT.usage)
    const date = values.date ?? previousBeijingDate(new Date())
    beijingDay(date)
    let asked: RuleScope | undefined
    try {
      asked = values['rule-id'] === undefined ? undefined : parseRuleScope(values['rule-id'])
    } catch (error) {
      fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, EXIT.usage)
    }

    const ctx = await openCliContext()
    try {
      const scope = asked ?? ruleScopeOf(ctx.ruleId)
      const stored = await readBill(ctx.db, date, scope)
      // A pull per RuleId of the scope that has none (or all of them with --pull); one pull of the whole account for `all`.
      const toPull = values.pull ? (scope === 'all' ? [''] : [...scope]) : values['no-pull'] ? [] : stored.missing
      const tty = process.stderr.isTTY
      for (const rule of toPull) {
        const label = `the bill of ${date} (${rule ? `RuleId ${rule}` : 'all RuleIds'})`
        const pull = await pullBill({
          db: ctx.db,
          gateway: ctx.gateway,
          date,
          ruleId: rule || undefined,
          onProgress: ({ pages, tokens, chargeCount }) => {
            const line = `pulling ${label}: page ${pages}, ${tokens} token(s), ${chargeCount} charge(s)`
            // One line redrawn in place on a terminal; every 10th page in a log.
            if (tty) process.stderr.write(`\r${line}`)
            else if (pages % 10 === 1) process.stderr.write(`${line}\n`)
          },
        })
        process.stderr.write(`${tty ? '\r' : ''}pulled ${label}: ${pull.pages} page(s), ${pull.tokens} token(s), ${pull.chargeCount} charge(s)\n`)
      }
      const report = await reconcile({ ledger: ctx.ledger, date, scope })
      // With FACEID_WEBHOOK_* set, discrepancies become webhook events (the server delivers them; a day reconciled again adds none).
      await recordDiscrepancyEvents(ctx.ledger, report, new Date())
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
      if (!report.ok) process.exitCode = EXIT.discrepancies
    } finally {
      await ctx.close()
    }
  },
  (error) => (error instanceof BillNotReadyError ? EXIT.notReady : undefined),
)
