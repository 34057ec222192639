import { TypedEventEmitter } from 'main-event'
import { bestConnection, describeConnection, transportOf, type ConnectionInfo } from './connection-info.js'
import { peerConnectionOf, selectedIceRoute, watchIceRoute, type IceRoute } from './ice-route.js'
import type { Connection, Libp2p, Startable } from '@libp2p/interface'

/** A connected peer (not a relay) and how we reach it. */
export interface PeerStatus {
  peerId: string
  /** The connection in use: direct before relayed. */
  connection: ConnectionInfo
  /** Every open connection to the peer. */
  connections: ConnectionInfo[]
}

export interface PeerTrackerEvents {
  /** A peer connected, or the connection in use changed (e.g. relayed → direct), or its path did (TURN → direct). */
  'peer:connected': CustomEvent<PeerStatus>
  /** The last connection to a peer closed. */
  'peer:lost': CustomEvent<{ peerId: string }>
}

export interface PeerTrackerComponents {
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>
}

/** A WebRTC connection's selected ICE pair is read again this often (ms), beside the browser's events. */
export const ROUTE_REREAD_MS = 5_000

interface WatchedRoute {
  route?: IceRoute
  unwatch: () => void
}

/**
 * Turns libp2p's connection events into per-peer status events, leaving out
 * the peers `isRelay` names (those are reported by the relay keeper). For
 * WebRTC connections it follows the selected ICE candidate pair, so a peer's
 * status says whether the bytes go straight or through a TURN server.
 */
export class PeerTracker extends TypedEventEmitter<PeerTrackerEvents> implements Startable {
  /** The connection in use and its path, per peer. */
  private readonly current = new Map<string, string>()
  /** The selected ICE pair of each open WebRTC connection, by connection id. */
  private readonly routes = new Map<string, WatchedRoute>()
  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    this.watch(evt.detail)
    this.refresh(evt.detail.remotePeer.toString())
  }

  private readonly onClose = (evt: CustomEvent<Connection>): void => {
    this.routes.get(evt.detail.id)?.unwatch()
    this.routes.delete(evt.detail.id)
    this.refresh(evt.detail.remotePeer.toString())
  }

  constructor (private readonly components: PeerTrackerComponents, private readonly isRelay: (peerId: string) => boolean) {
    super()
  }

  start (): void {
    this.components.libp2p.addEventListener('connection:open', this.onOpen)
    this.components.libp2p.addEventListener('connection:close', this.onClose)
  }

  stop (): void {
    this.components.libp2p.removeEventListener('connection:open', this.onOpen)
    this.components.libp2p.removeEventListener('connection:close', this.onClose)
    for (const watched of this.routes.values()) watched.unwatch()
    this.routes.clear()
    this.current.clear()
  }

  /** Every connected peer that is not a relay. */
  list (): PeerStatus[] {
    const byPeer = new Map<string, Connection[]>()
    for (const conn of this.components.libp2p.getConnections()) {
      const id = conn.remotePeer.toString()
      if (this.isRelay(id)) continue
      byPeer.set(id, [...(byPeer.get(id) ?? []), conn])
    }
    return [...byPeer.entries()].flatMap(([peerId, conns]) => {
      const status = this.statusOf(peerId, conns)
      return status == null ? [] : [status]
    })
  }

  private statusOf (peerId: string, conns: Connection[]): PeerStatus | undefined {
    const best = bestConnection(conns)
    if (best == null) return undefined
    const describe = (c: Connection): ConnectionInfo => describeConnection(c, this.routes.get(c.id)?.route)
    return {
      peerId,
      connection: describe(best),
      connections: conns.filter(c => c.status === 'open').map(describe)
    }
  }

  /**
   * Follows the selected ICE pair of a WebRTC connection to a peer, refreshing its status when the pair changes:
   * at once when the browser says so, and by reading it again every ROUTE_REREAD_MS, since it does not always say
   * so. ICE may move to another pair without a change of the connection's state (in the NAT lab, a TURN pair to
   * the peer's reflexive candidate replaced by one from a peer-reflexive candidate to the peer's relay one, with no
   * event seen for it); and a peer-reflexive end, a candidate whose check arrived before its signalling, is given
   * its real type in place once that arrives.
   */
  private watch (connection: Connection): void {
    const peerId = connection.remotePeer.toString()
    if (this.isRelay(peerId) || transportOf(connection.remoteAddr) !== 'webrtc') return
    const pc = peerConnectionOf(connection)
    if (pc == null) return
    const probe = (): void => {
      void selectedIceRoute(pc).then(route => {
        if (this.routes.get(connection.id) !== watched || route == null) return
        const was = watched.route
        if (was?.local === route.local && was.remote === route.remote) return
        watched.route = route
        this.refresh(peerId)
      })
    }
    const stopEvents = watchIceRoute(pc, probe)
    const timer = setInterval(probe, ROUTE_REREAD_MS)
    const watched: WatchedRoute = { unwatch: () => { clearInterval(timer); stopEvents() } }
    this.routes.set(connection.id, watched)
    probe()
  }

  private refresh (peerId: string): void {
    if (this.isRelay(peerId)) return
    const status = this.statusOf(peerId, this.components.libp2p.getConnections().filter(c => c.remotePeer.toString() === peerId))
    const previous = this.current.get(peerId)
    const key = `${status?.connection.id} ${status?.connection.path} ${status?.connection.candidates}`
    if (status == null) {
      if (previous != null) {
        this.current.delete(peerId)
        this.safeDispatchEvent('peer:lost', { detail: { peerId } })
      }
      return
    }
    if (previous !== key) {
      this.current.set(peerId, key)
      this.safeDispatchEvent('peer:connected', { detail: status })
    }
  }
}
