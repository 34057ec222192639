import type { Connection, ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RelayConfig } from './config.js'

export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'

export interface LimitsGaterComponents {
  /** The node's open connections (the node is created after the gater). */
  getConnections(peerId?: PeerId): Connection[]
}

/**
 * Enforces the per-IP connection cap and the per-peer cap on relayed
 * circuits. Reservation counts and per-circuit data/duration limits are
 * enforced by the circuit relay server itself.
 */
export function limitsGater (config: Pick<RelayConfig, 'maxConnectionsPerIp' | 'maxCircuitsPerPeer' | 'allowPrivateAddresses'>, components: LimitsGaterComponents): ConnectionGater {
  return {
    // relays on one LAN or host bootstrap to each other over private addresses
    ...(config.allowPrivateAddresses ? { denyDialMultiaddr: () => false } : {}),
    denyInboundConnection: (maConn: MultiaddrConnection) => {
      const ip = ipOf(maConn.remoteAddr)
      if (ip == null) return false
      const open = components.getConnections().filter(c => c.status === 'open' && ipOf(c.remoteAddr) === ip).length
      return open >= config.maxConnectionsPerIp
    },
    denyOutboundRelayedConnection: (source: PeerId) => {
      const circuits = components.getConnections(source)
        .flatMap(c => c.streams)
        .filter(s => s.protocol === HOP_PROTOCOL && s.direction === 'inbound' && s.status === 'open')
        .length
      // the hop stream of the circuit being opened is already counted
      return circuits > config.maxCircuitsPerPeer
    }
  }
}

function ipOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
}
