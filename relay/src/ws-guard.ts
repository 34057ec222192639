/**
 * Guards the relay's inbound transports (WebSockets, TCP) against hostile
 * clients, below libp2p's upgrader:
 *
 * - `@libp2p/websockets` (10.1.x) hands each accepted `ws` WebSocket to the
 *   upgrader without an `'error'` listener on it. `ws` emits `'error'` for any
 *   protocol violation by the peer (an unmasked frame, a reserved opcode, the
 *   RSV1 bit without permessage-deflate, a 2^63 length, a bad close code), and
 *   Node throws an `'error'` event nobody listens to: one 7-byte frame ends
 *   the process. `ws` says every WebSocket needs its own listener
 *   (https://github.com/websockets/ws/issues/1716). A search of js-libp2p's
 *   issues and pull requests for this found none: the nearest,
 *   https://github.com/libp2p/js-libp2p/pull/1950, is about the dialing
 *   side's `'error'` event, not the listener's sockets. The guard attaches a
 *   listener before the first frame can be read.
 * - The WebSockets listener waits for a socket's first byte, then for its
 *   HTTP request, with no deadline: idle sockets stay open forever. The guard
 *   gives every accepted socket a deadline (`handshakeTimeout`) by which the
 *   libp2p upgrade (noise + yamux) must have completed.
 * - libp2p's pending-upgrade limit (`maxIncomingPendingConnections`) is shared
 *   by all addresses, so one address holding a few idle sockets starved
 *   everyone. The guard caps sockets that have not completed their upgrade
 *   per IP address (`maxPendingPerIp`), counted across the guarded transports.
 *
 * The relay's HTTP side port has a guard of its own (`InboundGuard.http`, its
 * own counts): every socket must have sent a request's headers within the
 * handshake timeout (for https counted from the TCP accept, so the TLS
 * handshake is inside it), and counts against its address's cap for as long
 * as it is open. With Node 22's defaults a socket that sends nothing is
 * never closed (one was still open after 130 s) and one that sends half a
 * request line is closed after 60 s, so a thousand idle sockets took all
 * the relay's descriptors.
 */
import { logger } from '@libp2p/logger'
import type { MultiaddrConnection, Transport, Upgrader } from '@libp2p/interface'
import type { IncomingMessage } from 'node:http'
import type { Server, Socket } from 'node:net'

const log = logger('peerlink:relay:inbound-guard')

/** An address already has `maxPendingPerIp` connections that have not completed their upgrade. */
export class PendingLimitError extends Error {
  override readonly name = 'PendingLimitError'
}

/** A socket did not complete its libp2p upgrade (or send its HTTP request) within the handshake timeout. */
export class HandshakeTimeoutError extends Error {
  override readonly name = 'HandshakeTimeoutError'
}

export interface InboundGuardInit {
  /** ms from accepting a socket until its libp2p upgrade (or its first HTTP request's headers) must have completed. */
  handshakeTimeout: number
  /** Most sockets from one IP address that have not completed their upgrade (on an HTTP server: that are open). */
  maxPendingPerIp: number
}

/** Per-IP counts of sockets still in their handshake, shared by the guarded transports. */
export class InboundGuard {
  readonly init: InboundGuardInit
  private readonly pending = new Map<string, number>()
  /** Sockets accepted by a WebSockets listener or an HTTP server, by `ip:port`, until upgraded or closed. */
  private readonly sockets = new Map<string, { socket: Socket, timer: ReturnType<typeof setTimeout> }>()

  constructor (init: InboundGuardInit) {
    this.init = init
  }

  /** Sockets from all addresses still in their handshake. */
  get pendingCount (): number {
    let n = 0
    for (const count of this.pending.values()) n += count
    return n
  }

  /** Counts a socket in; false when its address is over the cap. */
  private enter (ip: string): boolean {
    const count = this.pending.get(ip) ?? 0
    if (count >= this.init.maxPendingPerIp) return false
    this.pending.set(ip, count + 1)
    return true
  }

  private leave (ip: string): void {
    const count = (this.pending.get(ip) ?? 1) - 1
    if (count <= 0) this.pending.delete(ip)
    else this.pending.set(ip, count)
  }

  /**
   * Applies the per-IP cap and the handshake deadline to a raw accepted socket
   * (WebSockets listener, HTTP server); `awaited` names what the deadline waits for.
   */
  private onRawSocket (socket: Socket, awaited: string): void {
    // our own listener, so an error we cause (or the peer's reset) is never unhandled
    socket.on('error', err => { log.trace('socket error - %e', err) })
    const ip = socket.remoteAddress
    if (ip == null) return
    if (!this.enter(ip)) {
      log('refusing socket from %s: %d sockets from it are pending', ip, this.init.maxPendingPerIp)
      socket.destroy(new PendingLimitError(`too many pending connections from ${ip}`))
      return
    }
    const key = `${ip}:${socket.remotePort}`
    const timer = setTimeout(() => {
      log('closing socket from %s: no %s within %d ms', key, awaited, this.init.handshakeTimeout)
      socket.destroy(new HandshakeTimeoutError(`no ${awaited} within ${this.init.handshakeTimeout} ms`))
    }, this.init.handshakeTimeout)
    timer.unref()
    this.sockets.set(key, { socket, timer })
    socket.once('close', () => { this.settle(key, ip) })
  }

  /**
   * Guards an HTTP or https server (the relay's side port): each accepted
   * socket counts against its address's `maxPendingPerIp` until it closes, and
   * is destroyed unless a request's headers arrived within `handshakeTimeout`
   * of the TCP accept. Use one guard per server: its counts are its own.
   */
  http (server: Server): void {
    // a TLS server emits the raw TCP socket here, before its handshake
    server.on('connection', (socket: Socket) => { this.onRawSocket(socket, 'HTTP request') })
    server.on('request', (req: IncomingMessage) => {
      // the deadline is met; the socket counts until it closes (keep-alive ends it soon)
      const entry = this.sockets.get(`${req.socket.remoteAddress}:${req.socket.remotePort}`)
      if (entry != null) clearTimeout(entry.timer)
    })
  }

  /** The socket was upgraded or closed: it no longer counts against its address. */
  private settle (key: string, ip: string): void {
    const entry = this.sockets.get(key)
    if (entry == null) return
    clearTimeout(entry.timer)
    this.sockets.delete(key)
    this.leave(ip)
  }

  /** The upgrader, with the per-IP cap for connections not counted yet and an `'error'` listener on WebSockets. */
  private wrapUpgrader (upgrader: Upgrader): Upgrader {
    const upgradeInbound = async (maConn: MultiaddrConnection, opts: Parameters<Upgrader['upgradeInbound']>[1]): Promise<void> => {
      guardWebSocket(maConn)
      const { ip, port } = hostOf(maConn)
      const key = `${ip}:${port}`
      const tracked = ip != null && this.sockets.has(key)
      if (ip != null && !tracked && !this.enter(ip)) {
        const err = new PendingLimitError(`too many pending connections from ${ip}`)
        maConn.abort(err)
        throw err
      }
      const started = Date.now()
      try {
        await upgrader.upgradeInbound(maConn, opts)
      } catch (err) {
        log('upgrade of %s failed after %d ms - %e', key, Date.now() - started, err)
        // refused or failed: the listener then closes the WebSocket gracefully, waiting up
        // to 30 s for a close frame a hostile peer never sends; end the socket now instead
        if (tracked) this.sockets.get(key)?.socket.destroy()
        throw err
      } finally {
        if (ip != null) {
          if (tracked) this.settle(key, ip)
          else this.leave(ip)
        }
      }
    }
    return new Proxy(upgrader, {
      get (target, prop, receiver) {
        if (prop === 'upgradeInbound') return upgradeInbound
        const value: unknown = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
  }

  /** Wraps a transport factory (webSockets(), tcp()) so its listeners are guarded. */
  transport<C> (factory: (components: C) => Transport): (components: C) => Transport {
    return (components: C) => {
      const transport = factory(components)
      const createListener = transport.createListener.bind(transport)
      transport.createListener = (options) => {
        const listener = createListener({ ...options, upgrader: this.wrapUpgrader(options.upgrader) })
        // the WebSockets listener's raw net.Server (TCP's upgrades each socket at once and needs no hook)
        const server = (listener as unknown as { server?: unknown }).server
        if (isWebSocketsListener(listener) && isNetServer(server)) {
          server.on('connection', (socket: Socket) => { this.onRawSocket(socket, 'libp2p upgrade') })
        }
        return listener
      }
      return transport
    }
  }
}

/** Attaches the `'error'` listener `@libp2p/websockets` leaves out (see the module comment). */
function guardWebSocket (maConn: MultiaddrConnection): void {
  const websocket = (maConn as unknown as { websocket?: unknown }).websocket
  if (websocket == null || typeof (websocket as { on?: unknown }).on !== 'function') return
  const ws = websocket as { on(event: 'error', listener: (err: Error) => void): void }
  // ws has already closed the socket with the right close code when it emits this
  ws.on('error', err => { log('WebSocket from %a violated the protocol - %e', maConn.remoteAddr, err) })
}

function hostOf (maConn: MultiaddrConnection): { ip?: string, port?: string } {
  const components = maConn.remoteAddr.getComponents()
  return {
    ip: components.find(c => c.name === 'ip4' || c.name === 'ip6')?.value,
    port: components.find(c => c.name === 'tcp')?.value
  }
}

function isWebSocketsListener (listener: object): boolean {
  return 'wsServer' in listener
}

function isNetServer (value: unknown): value is Server {
  return value != null && typeof (value as Server).on === 'function' && typeof (value as Server).address === 'function'
}
