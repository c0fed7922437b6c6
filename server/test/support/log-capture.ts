import { Writable } from 'node:stream'

export interface CapturedLog {
  /** Give this to a logger (pino's destination). */
  stream: Writable
  /** Every line written so far, without empty ones. */
  lines: string[]
  text(): string
  /** The lines as JSON log entries. */
  entries(): Array<Record<string, unknown>>
}

/** Captures every line a logger writes, for tests that look for what must never be logged. */
export function captureLog(): CapturedLog {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  return { stream, lines, text: () => lines.join('\n'), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) }
}
