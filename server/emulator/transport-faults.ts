/**
 * The faults every emulated API plays the same way, below its own answer format: a connection
 * dropped without an answer, an answer that stops after its headers, an HTTP error page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FaultDecision } from './faults.js'
import type { EmulatorLogger } from './types.js'

/** How one API shows these faults. */
export interface TransportFaultStyle {
  /** The first bytes of the API's JSON answer: a stalled answer sends them and nothing more. */
  stallPrefix: string
  /** The status of the HTTP error page (what the provider's gateway answers). */
  errorStatus: 500 | 502
  /** Headers every answer of the API carries. */
  headers?: Readonly<Record<string, string>>
  logger?: EmulatorLogger | undefined
  /** Named in the log lines. */
  action: string
}

const ERROR_PAGES = { 500: 'Internal Server Error', 502: 'Bad Gateway' } as const

/**
 * Waits the decision's delay, then plays its transport fault, if it has one. True when the
 * request got its (broken) answer; false when the API answers it (possibly with an API-level
 * fault such as a rate limit, which each API words in its own format).
 */
export async function playTransportFault(fault: FaultDecision, req: IncomingMessage, res: ServerResponse, style: TransportFaultStyle): Promise<boolean> {
  if (fault.delayMs > 0) await sleep(fault.delayMs)
  const { action, logger } = style
  if (fault.kind === 'drop') {
    logger?.info({ action, fault: 'drop' }, 'fault: dropping the connection')
    req.socket.destroy()
    return true
  }
  if (fault.kind === 'stall') {
    // An upstream that hangs mid-answer: the client must give up by its own deadline and close.
    logger?.info({ action, fault: 'stall' }, 'fault: stalling after the headers')
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '4096', ...style.headers })
    res.write(style.stallPrefix)
    return true
  }
  if (fault.kind === 'http5xx') {
    logger?.info({ action, fault: 'http5xx' }, `fault: HTTP ${style.errorStatus}`)
    res.writeHead(style.errorStatus, { 'Content-Type': 'text/plain', ...style.headers })
    res.end(ERROR_PAGES[style.errorStatus])
    return true
  }
  return false
}
