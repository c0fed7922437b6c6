/** Rows, their checks, the stdout table and bench/results.json. */

export interface Check {
  label: string
  /** As printed. */
  value: string
  /** As printed; `NO_GOAL` (or '—') when the issues set no goal for this figure. */
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

/** What the goal column says of a figure the issues set no goal for. */
export const NO_GOAL = 'none set'

/** A figure whose goal is an upper bound: `format` prints both the value and the goal. */
export function atMost(label: string, value: number, goal: number, format: (n: number) => string): Check {
  return { label, value: format(value), goal: `≤ ${format(goal)}`, pass: Number.isFinite(value) && value <= goal }
}

/** A figure whose goal is a lower bound. */
export function atLeast(label: string, value: number, goal: number, format: (n: number) => string): Check {
  return { label, value: format(value), goal: `≥ ${format(goal)}`, pass: Number.isFinite(value) && value >= goal }
}

/** A count that must come out exactly as expected (failures 0, calls N). */
export function exactly(label: string, value: number, goal: number): Check {
  return { label, value: String(value), goal: String(goal), pass: value === goal }
}

/** Context for the figures with goals: judged by nothing. */
export function info(label: string, value: string): Check {
  return { label, value, goal: NO_GOAL, pass: null }
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
  // One verdict per row: every figure with a goal met, or which were not.
  out.push('', 'goals:')
  for (const row of rows) {
    const judged = row.checks.filter((c) => c.pass !== null)
    const met = judged.filter((c) => c.pass).length
    const missed = judged.filter((c) => !c.pass).map((c) => c.label.trim())
    out.push(`  ${row.row}. ${row.title}: ${verdict(rowPass(row))}, ${met} of ${judged.length} met${missed.length ? ` (missed: ${missed.join('; ')})` : ''}`)
  }
  const notes = rows.flatMap((r) => r.notes.map((n) => `  [${r.row}] ${n}`))
  if (notes.length) out.push('', 'notes:', ...notes)
  return out.join('\n')
}

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n))
export const ms = (n: number) => `${Number.isFinite(n) ? Math.round(n) : n} ms`
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** Progress goes to stderr so that stdout holds only the table. */
export const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`)
