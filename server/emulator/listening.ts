/**
 * The listen / close / address part every emulator (Tencent, WeBank, Megvii) shares: one HTTP
 * server, its address once bound, and a close that does not wait for keep-alive connections.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EmulatorAddress } from './types.js'

export interface Listening {
  listen(port?: number, host?: string): Promise<EmulatorAddress>
  close(): Promise<void>
  address(): EmulatorAddress | undefined
}

export function listening(server: Server): Listening {
  let address: EmulatorAddress | undefined
  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const bound = (server.address() as AddressInfo).port
          const hostPart = host.includes(':') ? `[${host}]` : host
          address = { url: `http://${hostPart}:${bound}`, port: bound, endpoint: `${hostPart}:${bound}` }
          resolve(address)
        })
      })
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) return resolve()
        server.close((e) => (e ? reject(e) : resolve()))
        // Keep-alive and slow-faulted connections would otherwise hold close() open.
        server.closeAllConnections()
      })
    },
    address: () => address,
  }
}
