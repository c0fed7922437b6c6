/**
 * Receiving faceid-kit's webhooks: check the signature on the raw body, acknowledge each event
 * once (deliveries are at least once: deduplicate on the event id), and answer quickly. Tested
 * by server/test/webhooks/example-receiver.test.ts against a kit and the emulator.
 *
 * Run it alone: FACEID_WEBHOOK_SECRET=… PORT=4000 npx tsx examples/webhook-receiver.ts
 */
import http from 'node:http'
import { pathToFileURL } from 'node:url'
import { verifyWebhook, WebhookVerificationError, type WebhookEvent } from '@faceid-kit/server'

export interface WebhookReceiverOptions {
  /** The endpoint's secret; during a rotation the new one and the old one. */
  secrets: readonly string[]
  /** Your business logic. A throw answers 500, and the kit delivers the event again later. */
  onEvent: (event: WebhookEvent) => void | Promise<void>
  /** Event ids already handled. Use your database in production, so a restart remembers them. */
  seen?: { has(id: string): boolean | Promise<boolean>; add(id: string): unknown }
  /** The path the kit POSTs to. Default `/faceid-webhooks`. */
  path?: string
}

/** Events are small; anything larger is not from the kit. */
const MAX_BODY_BYTES = 64 * 1024

export function createWebhookReceiver(options: WebhookReceiverOptions): http.Server {
  const seen = options.seen ?? new Set<string>()
  const path = options.path ?? '/faceid-webhooks'
  return http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { connection: 'close' }).end()
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => {
      void (async () => {
        let event: WebhookEvent
        try {
          // The raw bytes, not a parsed-and-reserialised object: the signature covers them exactly.
          event = verifyWebhook(Buffer.concat(chunks), req.headers, options.secrets)
        } catch (error) {
          if (!(error instanceof WebhookVerificationError)) throw error
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.reason }))
          return
        }
        if (await seen.has(event.id)) {
          res.writeHead(200).end()
          return
        }
        try {
          await options.onEvent(event)
        } catch {
          res.writeHead(500).end()
          return
        }
        await seen.add(event.id)
        res.writeHead(204).end()
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500).end()
      })
    })
  })
}

// Started directly: print each event (masked identity only; there is nothing else in it).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secrets = [process.env['FACEID_WEBHOOK_SECRET'], process.env['FACEID_WEBHOOK_PREVIOUS_SECRET']].filter((s): s is string => Boolean(s))
  if (secrets.length === 0) throw new Error('Set FACEID_WEBHOOK_SECRET to the secret the kit signs with')
  const port = Number(process.env['PORT'] ?? 4000)
  createWebhookReceiver({
    secrets,
    onEvent: (event) => console.log(JSON.stringify({ id: event.id, type: event.type, data: event.data })),
  }).listen(port, () => console.log(`listening on http://localhost:${port}/faceid-webhooks`))
}
