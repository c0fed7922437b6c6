/** Rows, their checks, the stdout table and bench/results.json. */

export interface Check {
  label: string
  /** As printed. */
  value: string
  /** As printed; '—' when the issue sets no goal for this figure. */
  goal: string
  /** null: informational, or not measured. */
  pass: boolean | null
}

export interface RowResult {
  row: number
  title: string
  checks: Check[]
  /** The raw figures, for results.json. */
  data: Record<string, unknown>
  notes: string[]
}

export function rowPass(row: RowResult): boolean | null {
  const judged = row.checks.filter((c) => c.pass !== null)
  return judged.length === 0 ? null : judged.every((c) => c.pass)
}

const verdict = (pass: boolean | null) => (pass === null ? 'info' : pass ? 'pass' : 'FAIL')

export function renderTable(rows: readonly RowResult[]): string {
  const lines: string[][] = [['row', 'figure', 'value', 'goal', 'result']]
  for (const row of rows) {
    for (const [i, c] of row.checks.entries()) lines.push([i === 0 ? String(row.row) : '', c.label, c.value, c.goal, verdict(c.pass)])
  }
  const widths = lines[0]!.map((_, col) => Math.max(...lines.map((l) => l[col]!.length)))
  const fmt = (l: string[]) => l.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()
  const out = [fmt(lines[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(fmt)]
  const notes = rows.flatMap((r) => r.notes.map((n) => `  [${r.row}] ${n}`))
  if (notes.length) out.push('', 'notes:', ...notes)
  return out.join('\n')
}

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n))
export const ms = (n: number) => `${Number.isFinite(n) ? Math.round(n) : n} ms`
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** Progress goes to stderr so that stdout holds only the table. */
export const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`)
