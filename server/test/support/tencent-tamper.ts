/**
 * A loopback proxy in front of the emulator that rewrites Tencent's answers the way the real
 * service has been seen to misbehave (a bill line listed twice, a free code charged). The SDK
 * signs requests for the proxy's host, which is forwarded unchanged, so the emulator still checks
 * every signature; only the answer is altered, and only where a test says so.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** `Response` of one answer; return a replacement, or nothing to pass it on as it is. */
export type Rewrite = (action: string, response: Record<string, unknown>, request: Record<string, unknown>) => Record<string, unknown> | undefined

export interface TamperingProxy {
  /** `http://127.0.0.1:port`, for `createTencentGateway({ endpoint })`. */
  url: string
  /** Answers rewritten so far, by action. */
  rewritten: Record<string, number>
  close(): Promise<void>
}

export async function tamperingProxy(target: string, rewrite: Rewrite): Promise<TamperingProxy> {
  const upstream = new URL(target)
  const rewritten: Record<string, number> = {}
  const agent = new http.Agent({ keepAlive: false })
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
        (answer) => {
          const parts: Buffer[] = []
          answer.on('data', (c: Buffer) => parts.push(c))
          answer.on('end', () => {
            let out = Buffer.concat(parts)
            const action = String(req.headers['x-tc-action'] ?? '')
            if (answer.statusCode === 200 && action) {
              const parsed = JSON.parse(out.toString('utf8')) as { Response?: Record<string, unknown> }
              const request = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
              const replaced = parsed.Response && !('Error' in parsed.Response) ? rewrite(action, parsed.Response, request) : undefined
              if (replaced) {
                rewritten[action] = (rewritten[action] ?? 0) + 1
                out = Buffer.from(JSON.stringify({ Response: replaced }))
              }
            }
            const headers = { ...answer.headers, 'content-length': String(out.length) }
            delete headers['transfer-encoding']
            res.writeHead(answer.statusCode ?? 502, headers)
            res.end(out)
          })
        },
      )
      forward.on('error', () => res.destroy())
      forward.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    rewritten,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
