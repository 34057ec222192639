import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { RELAY_INFO_PATH } from '@peerlink/core'
import { register } from 'prom-client'
import { InboundGuard } from './ws-guard.js'
import type { RelayConfig } from './config.js'
import type { AdvertisedIce } from './ice.js'
import type { Relay } from './relay.js'
import type { RelayTls } from './tls.js'
import type { AddressInfo } from 'node:net'

/** ms an idle keep-alive socket stays open after a response: long enough for a page's next fetch, short for a held socket. */
export const HTTP_KEEP_ALIVE_MS = 1000

/** The settings of the HTTP side port. */
export type HttpConfig = Pick<RelayConfig, 'httpHost' | 'httpPort' | 'handshakeTimeout' | 'maxPendingPerIp' | 'maxPendingConnections'>

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
 *
 * Hostile clients: a socket has `handshakeTimeout` from its TCP accept to send
 * a request's headers (the TLS handshake included), and each later request the
 * same time; it may stay idle `HTTP_KEEP_ALIVE_MS` between requests and stall
 * `handshakeTimeout` while a response is sent. One address may hold
 * `maxPendingPerIp` sockets open at once, all addresses `maxPendingConnections`
 * (see ws-guard.ts).
 */
export async function startHttp (relay: Relay, config: HttpConfig, options: { tls?: RelayTls, ice?: () => AdvertisedIce } = {}): Promise<{ server: Server, port: number, stopping: () => void }> {
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
        connections: relay.connectionCount(),
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
  const limits: ServerOptions = {
    // checked every connectionsCheckingInterval (Node's default: 30 s)
    headersTimeout: config.handshakeTimeout,
    requestTimeout: config.handshakeTimeout,
    connectionsCheckingInterval: Math.min(1000, config.handshakeTimeout),
    keepAliveTimeout: HTTP_KEEP_ALIVE_MS
  }
  let server: Server
  if (options.tls != null) {
    const secure = createHttpsServer({ ...options.tls.serverOptions(), ...limits, handshakeTimeout: config.handshakeTimeout }, handler)
    options.tls.attach(secure)
    server = secure
  } else {
    server = createServer(limits, handler)
  }
  // a response the client does not read: the socket is destroyed after this long without progress
  server.setTimeout(config.handshakeTimeout)
  server.maxConnections = config.maxPendingConnections
  new InboundGuard({ handshakeTimeout: config.handshakeTimeout, maxPendingPerIp: config.maxPendingPerIp }).http(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.httpPort, config.httpHost, () => { server.off('error', reject); resolve() })
  })
  return { server, port: (server.address() as AddressInfo).port, stopping: () => { stopping = true } }
}
