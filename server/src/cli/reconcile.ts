/**
 * `npm run reconcile -- [--date YYYY-MM-DD] [--rule-id ID] [--pull | --no-pull] [--json]`
 *
 * Compares the ledger with Tencent's bill (GetWeChatBillDetails) for one Beijing-time day —
 * by default yesterday — and prints every discrepancy. The bill is pulled first when it is not
 * stored yet (`--pull`: pull again; `--no-pull`: use what is stored). Progress goes to stderr, the
 * report to stdout (a table, or JSON with `--json`).
 * Exit status: 0 no discrepancy, 3 discrepancies found, 1 error, 2 bad usage.
 */
import { beijingDay, previousBeijingDate, pullBill, readBill } from '../bill.js'
import { formatReport, reconcile } from '../reconcile.js'
import { openCliContext, parseCliArgs, runCli } from './common.js'

const USAGE = 'usage: npm run reconcile -- [--date YYYY-MM-DD] [--rule-id ID] [--pull | --no-pull] [--json]'

runCli(async () => {
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
  if (values.pull && values['no-pull']) throw new Error(`--pull and --no-pull exclude each other\n${USAGE}`)
  const date = values.date ?? previousBeijingDate(new Date())
  beijingDay(date)
  const ruleId = values['rule-id'] || undefined

  const ctx = await openCliContext()
  try {
    const stored = await readBill(ctx.db, date, ruleId)
    if (values.pull || (!stored.pull && !values['no-pull'])) {
      const tty = process.stderr.isTTY
      const pull = await pullBill({
        db: ctx.db,
        gateway: ctx.gateway,
        date,
        ruleId,
        onProgress: ({ pages, tokens, chargeCount }) => {
          const line = `pulling the bill of ${date}: page ${pages}, ${tokens} token(s), ${chargeCount} charge(s)`
          // One line redrawn in place on a terminal; every 10th page in a log.
          if (tty) process.stderr.write(`\r${line}`)
          else if (pages % 10 === 1) process.stderr.write(`${line}\n`)
        },
      })
      process.stderr.write(`${tty ? '\r' : ''}pulled the bill of ${date}: ${pull.pages} page(s), ${pull.tokens} token(s), ${pull.chargeCount} charge(s)\n`)
    }
    const report = await reconcile({ ledger: ctx.ledger, date, ruleId })
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
    if (!report.ok) process.exitCode = 3
  } finally {
    await ctx.close()
  }
})
