import { TypedEventEmitter } from 'main-event'
import { bestConnection, describeConnection, type ConnectionInfo } from './connection-info.js'
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
  /** A peer connected, or the connection in use changed (e.g. relayed → direct). */
  'peer:connected': CustomEvent<PeerStatus>
  /** The last connection to a peer closed. */
  'peer:lost': CustomEvent<{ peerId: string }>
}

export interface PeerTrackerComponents {
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>
}

/**
 * Turns libp2p's connection events into per-peer status events, leaving out
 * the peers `isRelay` names (those are reported by the relay keeper).
 */
export class PeerTracker extends TypedEventEmitter<PeerTrackerEvents> implements Startable {
  /** The id of the connection in use, per peer. */
  private readonly current = new Map<string, string>()
  private readonly onChange = (evt: CustomEvent<Connection>): void => { this.refresh(evt.detail.remotePeer.toString()) }

  constructor (private readonly components: PeerTrackerComponents, private readonly isRelay: (peerId: string) => boolean) {
    super()
  }

  start (): void {
    this.components.libp2p.addEventListener('connection:open', this.onChange)
    this.components.libp2p.addEventListener('connection:close', this.onChange)
  }

  stop (): void {
    this.components.libp2p.removeEventListener('connection:open', this.onChange)
    this.components.libp2p.removeEventListener('connection:close', this.onChange)
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
    return {
      peerId,
      connection: describeConnection(best),
      connections: conns.filter(c => c.status === 'open').map(describeConnection)
    }
  }

  private refresh (peerId: string): void {
    if (this.isRelay(peerId)) return
    const status = this.statusOf(peerId, this.components.libp2p.getConnections().filter(c => c.remotePeer.toString() === peerId))
    const previous = this.current.get(peerId)
    if (status == null) {
      if (previous != null) {
        this.current.delete(peerId)
        this.safeDispatchEvent('peer:lost', { detail: { peerId } })
      }
      return
    }
    if (previous !== status.connection.id) {
      this.current.set(peerId, status.connection.id)
      this.safeDispatchEvent('peer:connected', { detail: status })
    }
  }
}
