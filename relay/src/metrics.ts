/**
 * The relay's own Prometheus metrics, served on `/metrics` beside libp2p's
 * and Node's (the deployment's dashboard reads these names; docs/relay.md
 * lists them):
 *
 * - `peerlink_relay_up` 1 while the relay accepts reservations, 0 when it
 *   cannot (stopping, or its reservation store or connection limit is full with
 *   no room to make): the same test as `/healthz`
 * - `peerlink_relay_reservations` reservations held now
 * - `peerlink_relay_reservations_refused_total{reason}` refused reservation
 *   requests (`store_full`, `stopping`; counted in reservations.ts)
 * - `peerlink_relay_reservations_reaped_total` reservations ended because their
 *   peer had gone (reservations.ts)
 * - `peerlink_relay_circuits` relayed connections open now
 * - `peerlink_relay_relayed_bytes_total` bytes carried through circuits (both
 *   directions, with each circuit's few bytes of setup messages)
 * - `peerlink_relay_connections{transport}` open connections by transport
 *   (`websockets`, `webrtc-direct`, `tcp`, `other`)
 * - `peerlink_relay_peers{kind}` connected peers: `relay` (Peerlink relays, by
 *   their identify agent), `client` (browsers and other peers), `unidentified`
 *   (identify not finished yet)
 * - `peerlink_relay_followed_topics` Peerlink topics followed now, and
 *   `peerlink_relay_quiet_topics` topics left for carrying no message
 * - `peerlink_relay_info{peer_id}` and `peerlink_relay_version_info{version}`,
 *   always 1: the relay's PeerId and version
 * - `peerlink_relay_provider_records` and
 *   `peerlink_relay_provider_records_dropped_total` (registered in providers.ts)
 *
 * The DHT routing table's size (`libp2p_kad_dht_routing_table_size`), event
 * loop lag (`nodejs_eventloop_lag_p99_seconds`) and resident memory
 * (`process_resident_memory_bytes`) come from kad-dht and prom-client's
 * default metrics, which @libp2p/prometheus-metrics turns on.
 */
import { RELAY_AGENT_NAME } from './topic-follower.js'
import type { Connection, Metrics, PeerId, PeerStore, Stream } from '@libp2p/interface'

export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
export const STOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/stop'

/** Transports a connection is counted under in `peerlink_relay_connections`. */
export const CONNECTION_TRANSPORTS = ['websockets', 'webrtc-direct', 'tcp', 'other'] as const
export type ConnectionTransport = typeof CONNECTION_TRANSPORTS[number]

/** Kinds of connected peer in `peerlink_relay_peers`. */
export const PEER_KINDS = ['relay', 'client', 'unidentified'] as const
export type PeerKind = typeof PEER_KINDS[number]

/** Whether the relay can take a new reservation now, and why not. */
export interface Acceptance {
  accepting: boolean
  /** Why it cannot ('stopping', 'reservations full', 'connections full'); absent while accepting. */
  reason?: string
}

export interface RelayMetricsComponents {
  metrics: Metrics
  getConnections(peerId?: PeerId): Connection[]
  peerStore: PeerStore
  /** The relay server's reservations (circuit-relay-v2's store). */
  reservations: { readonly size: number }
  topics(): { followed: number, quiet: number }
  acceptance(): Acceptance
  peerId: PeerId
  version: string
}

/** The transport a connection came over, from its remote address. */
export function connectionTransport (connection: Pick<Connection, 'remoteAddr'>): ConnectionTransport {
  const names = connection.remoteAddr.getComponents().map(c => c.name)
  if (names.includes('p2p-circuit')) return 'other'
  if (names.includes('webrtc-direct')) return 'webrtc-direct'
  if (names.includes('ws') || names.includes('wss')) return 'websockets'
  if (names.includes('tcp')) return 'tcp'
  return 'other'
}

/**
 * Wraps a libp2p metrics factory so that bytes on circuit relay streams
 * (hop from sources, stop to destinations) are counted in
 * `peerlink_relay_relayed_bytes_total`. Each relayed byte is received once
 * (on one side's stream) and sent once: received bytes are counted.
 */
export function countRelayedBytes<C> (factory: (components: C) => Metrics): (components: C) => Metrics {
  return (components: C) => {
    const metrics = factory(components)
    const relayed = metrics.registerCounter('peerlink_relay_relayed_bytes_total', {
      help: 'bytes carried through relayed connections (circuits), both directions'
    })
    const track = metrics.trackProtocolStream.bind(metrics)
    metrics.trackProtocolStream = (stream: Stream) => {
      track(stream)
      if (stream.protocol !== HOP_PROTOCOL && stream.protocol !== STOP_PROTOCOL) return
      // like @libp2p/prometheus-metrics: observe dispatched messages without adding a 'message'
      // listener (one would make the stream deliver data before the relay's own reader is attached)
      const dispatchEvent = stream.dispatchEvent.bind(stream)
      stream.dispatchEvent = (evt: Event) => {
        if (evt.type === 'message') {
          const data = (evt as Event & { data?: { byteLength?: number } }).data
          if (typeof data?.byteLength === 'number') relayed.increment(data.byteLength)
        }
        return dispatchEvent(evt)
      }
    }
    return metrics
  }
}

/** Registers the relay's gauges (computed at each scrape). */
export function registerRelayMetrics (components: RelayMetricsComponents): void {
  const { metrics } = components
  const open = (): Connection[] => components.getConnections().filter(c => c.status === 'open')
  metrics.registerMetric('peerlink_relay_up', {
    help: '1 while the relay accepts reservations; 0 while stopping or when its reservations or connections are full (/healthz answers 503 then)',
    calculate: () => components.acceptance().accepting ? 1 : 0
  })
  metrics.registerMetric('peerlink_relay_reservations', {
    help: 'circuit relay reservations held',
    calculate: () => components.reservations.size
  })
  metrics.registerMetric('peerlink_relay_circuits', {
    help: 'relayed connections (circuits) open through this relay',
    calculate: () => open().flatMap(c => c.streams).filter(s => s.protocol === STOP_PROTOCOL && s.direction === 'outbound' && s.status === 'open').length
  })
  metrics.registerMetricGroup('peerlink_relay_connections', {
    label: 'transport',
    help: 'open connections by transport',
    calculate: () => {
      const counts: Record<ConnectionTransport, number> = { websockets: 0, 'webrtc-direct': 0, tcp: 0, other: 0 }
      for (const c of open()) counts[connectionTransport(c)]++
      return counts
    }
  })
  metrics.registerMetricGroup('peerlink_relay_peers', {
    label: 'kind',
    help: 'connected peers by kind: relay (Peerlink relays), client (browsers and other peers), unidentified (identify not finished)',
    calculate: async () => {
      const counts: Record<PeerKind, number> = { relay: 0, client: 0, unidentified: 0 }
      const peers = new Map<string, PeerId>()
      for (const c of open()) peers.set(c.remotePeer.toString(), c.remotePeer)
      await Promise.all([...peers.values()].map(async peer => { counts[await peerKind(components.peerStore, peer)]++ }))
      return counts
    }
  })
  metrics.registerMetric('peerlink_relay_followed_topics', {
    help: 'Peerlink topics the relay follows for its peers',
    calculate: () => components.topics().followed
  })
  metrics.registerMetric('peerlink_relay_quiet_topics', {
    help: 'topics left for carrying no message during their probation (known, not followed)',
    calculate: () => components.topics().quiet
  })
  metrics.registerMetricGroup('peerlink_relay_info', {
    label: 'peer_id',
    help: 'the relay\'s PeerId (label), always 1',
    calculate: () => ({ [components.peerId.toString()]: 1 })
  })
  metrics.registerMetricGroup('peerlink_relay_version_info', {
    label: 'version',
    help: 'the relay\'s version (label), always 1',
    calculate: () => ({ [components.version]: 1 })
  })
}

async function peerKind (peerStore: PeerStore, peer: PeerId): Promise<PeerKind> {
  try {
    const agent = (await peerStore.get(peer)).metadata.get('AgentVersion')
    if (agent == null) return 'unidentified'
    return new TextDecoder().decode(agent).startsWith(`${RELAY_AGENT_NAME}/`) ? 'relay' : 'client'
  } catch {
    return 'unidentified'
  }
}
