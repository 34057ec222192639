import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { RELAY_INFO_PATH } from '@peerlink/core'
import { register } from 'prom-client'
import type { AdvertisedIce } from './ice.js'
import type { Relay } from './relay.js'
import type { RelayTls } from './tls.js'
import type { AddressInfo } from 'node:net'

/**
 * The relay's HTTP side port:
 * - `GET /healthz`: 200 with a small JSON status while the relay accepts
 *   reservations; 503 while stopping (`"status": "stopping"`) or when it can take
 *   no new reservation (`"status": "full"`, with a `reason`: its reservation store
 *   is full of connected peers' reservations, or it is at its connection limit)
 * - `GET /metrics`: Prometheus metrics (libp2p's, via @libp2p/prometheus-metrics, and the relay's own: metrics.ts)
 * - `GET /relay.json`: `{ peerId, multiaddrs }`, how to reach the relay
 *   (fetched cross-origin by the app, so it allows any origin), with the
 *   ICE servers the relay advertises (`ice`), TURN credentials made per request
 *
 * With `tls` the port speaks https only, renewed on SIGHUP like the WebSockets listener.
 */
export async function startHttp (relay: Relay, host: string, port: number, options: { tls?: RelayTls, ice?: () => AdvertisedIce } = {}): Promise<{ server: Server, port: number, stopping: () => void }> {
  let stopping = false
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://relay').pathname
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'access-control-allow-origin': '*',
        'cache-control': 'no-store'
      })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(405, { error: 'method not allowed' })
      return
    }
    if (path === '/healthz') {
      const node = relay.node
      const acceptance = relay.acceptance()
      const status = stopping || acceptance.reason === 'stopping' ? 'stopping' : acceptance.accepting ? 'ok' : 'full'
      json(status === 'ok' ? 200 : 503, {
        status,
        ...(status === 'full' ? { reason: acceptance.reason } : {}),
        peerId: node.peerId.toString(),
        connections: node.getConnections().length,
        reservations: node.services.relay.reservations.size,
        ...relay.stats()
      })
    } else if (path === RELAY_INFO_PATH) {
      json(200, { ...relay.info(), ...options.ice?.() })
    } else if (path === '/metrics') {
      register.metrics().then(text => {
        res.writeHead(200, { 'content-type': register.contentType })
        res.end(text)
      }, (err: Error) => { json(500, { error: err.message }) })
    } else {
      json(404, { error: 'not found' })
    }
  }
  let server: Server
  if (options.tls != null) {
    const secure = createHttpsServer(options.tls.serverOptions(), handler)
    options.tls.attach(secure)
    server = secure
  } else {
    server = createServer(handler)
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return { server, port: (server.address() as AddressInfo).port, stopping: () => { stopping = true } }
}
