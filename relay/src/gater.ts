import type { Connection, ConnectionGater, Libp2pEvents, MultiaddrConnection, PeerId, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RelayConfig } from './config.js'

export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'

export interface LimitsGaterComponents {
  /** A peer's open connections (the node is created after the gater). */
  getConnections(peerId: PeerId): Connection[]
  /** Open connections from each IP address. */
  byIp: Pick<ConnectionsByIp, 'count'>
}

/**
 * Open connections by remote IP address, kept from the node's connection
 * events: the gater asks for one address's count at every inbound
 * connection, and counting them from the node's list of all connections
 * (which libp2p builds anew at each call, in time growing with the square of
 * their number) took a tenth of the relay's CPU when 2,000 peers came back
 * at once.
 */
export class ConnectionsByIp {
  private readonly counts = new Map<string, number>()
  /** The connections counted, with their address ('' for one without). */
  private readonly counted = new WeakMap<Connection, string>()
  private all = 0

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    if (this.counted.has(evt.detail)) return
    const ip = ipOf(evt.detail.remoteAddr) ?? ''
    this.counted.set(evt.detail, ip)
    this.all++
    if (ip !== '') this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1)
  }

  private readonly onClose = (evt: CustomEvent<Connection>): void => {
    const ip = this.counted.get(evt.detail)
    if (ip == null) return
    this.counted.delete(evt.detail)
    this.all--
    if (ip === '') return
    const count = (this.counts.get(ip) ?? 1) - 1
    if (count <= 0) this.counts.delete(ip)
    else this.counts.set(ip, count)
  }

  /** Follows the node's connections (from its start: those opened before are not counted). */
  attach (events: TypedEventTarget<Pick<Libp2pEvents, 'connection:open' | 'connection:close'>>): void {
    events.addEventListener('connection:open', this.onOpen)
    events.addEventListener('connection:close', this.onClose)
  }

  /** Open connections in all (for /healthz, asked often: libp2p builds its list of all connections anew at each call). */
  get total (): number {
    return this.all
  }

  /** Open connections from `ip`. */
  count (ip: string): number {
    return this.counts.get(ip) ?? 0
  }
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
      return components.byIp.count(ip) >= config.maxConnectionsPerIp
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
