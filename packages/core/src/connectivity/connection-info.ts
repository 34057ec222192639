import type { ConnectionPath, IceRoute } from './ice-route.js'
import type { Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The transport a connection runs over, as shown to users. */
export type TransportName = 'webrtc' | 'webrtc-direct' | 'webtransport' | 'websockets' | 'tcp' | 'circuit-relay' | 'other'

/** What the UI needs to know about one connection. */
export interface ConnectionInfo {
  id: string
  remotePeer: string
  remoteAddr: string
  transport: TransportName
  /**
   * True when the connection is end to end between the two peers; false for a
   * limited (relayed) circuit through a relay.
   */
  direct: boolean
  /** Direct, through a TURN server, or relayed (see {@link ConnectionPath}). */
  path: ConnectionPath
  /** For WebRTC: the candidate types of the selected ICE pair, e.g. `srflx → srflx` (absent until known). */
  candidates?: string
  direction: 'inbound' | 'outbound'
  /** What a relayed connection may still carry before the relay closes it (its limits, as of this snapshot). */
  limits?: ConnectionLimits
}

/** What a limited (relayed) connection may still carry: bytes (both directions together) and seconds. */
export interface ConnectionLimits {
  bytes?: number
  seconds?: number
}

/** Names the transport of a multiaddr from its protocol components. */
export function transportOf (addr: Multiaddr): TransportName {
  const names = addr.getComponents().map(c => c.name)
  if (names.includes('webrtc')) return 'webrtc'
  if (names.includes('p2p-circuit')) return 'circuit-relay'
  if (names.includes('webrtc-direct')) return 'webrtc-direct'
  if (names.includes('webtransport')) return 'webtransport'
  if (names.includes('ws') || names.includes('wss') || names.includes('tls')) return 'websockets'
  if (names.includes('tcp')) return 'tcp'
  return 'other'
}

/** What the UI shows of `connection`; `route` is its selected ICE pair when it is WebRTC and that is known. */
export function describeConnection (connection: Connection, route?: IceRoute): ConnectionInfo {
  const direct = connection.limits == null
  return {
    id: connection.id,
    remotePeer: connection.remotePeer.toString(),
    remoteAddr: connection.remoteAddr.toString(),
    transport: transportOf(connection.remoteAddr),
    direct,
    path: !direct ? 'relayed' : route?.path ?? 'direct',
    ...(route != null ? { candidates: `${route.local} → ${route.remote}` } : {}),
    direction: connection.direction,
    ...(connection.limits != null ? { limits: limitsOf(connection.limits) } : {})
  }
}

/** A snapshot of libp2p's live limits (a circuit relay's counters behind getters). */
function limitsOf (limits: NonNullable<Connection['limits']>): ConnectionLimits {
  const { bytes, seconds } = limits
  return { ...(bytes != null ? { bytes: Number(bytes) } : {}), ...(seconds != null ? { seconds: Math.max(0, seconds) } : {}) }
}

/**
 * The connection to prefer among several to one peer: open ones, direct before
 * relayed, then the oldest.
 */
export function bestConnection (connections: Connection[]): Connection | undefined {
  return connections
    .filter(c => c.status === 'open')
    .sort((a, b) => Number(a.limits != null) - Number(b.limits != null) || a.timeline.open - b.timeline.open)[0]
}
