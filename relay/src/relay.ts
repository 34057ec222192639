import { logger } from '@libp2p/logger'
import { parseRelayEntry, RelayKeeper } from '@peerlink/core'
import { createLibp2p } from 'libp2p'
import { relayLibp2pOptions, RELAY_VERSION, type RelayServices } from './libp2p-options.js'
import { openRelayState, type RelayState } from './persistence.js'
import { registerRelayMetrics, type Acceptance } from './metrics.js'
import { InboundGuard } from './ws-guard.js'
import { ConnectionsByIp } from './gater.js'
import { PeerRecords } from './peer-records.js'
import { ProviderBounds } from './providers.js'
import { ReservationReaper } from './reservations.js'
import { TopicFollower } from './topic-follower.js'
import type { RelayConfig } from './config.js'
import type { RelayTls } from './tls.js'
import type { Connection, Libp2p } from '@libp2p/interface'

const log = logger('peerlink:relay')

export interface Relay {
  node: Libp2p<RelayServices>
  /** The relay's PeerId and full multiaddrs, as served at /relay.json. */
  info(): { peerId: string, multiaddrs: string[] }
  /** The state bounds' figures (for /healthz and tests). */
  stats(): RelayStats
  /** Whether a new peer could reserve now (what /healthz and `peerlink_relay_up` report). */
  acceptance(): Acceptance
  /** Open connections in all. */
  connectionCount(): number
  /** Starts the stop drain: new reservations are refused from now on. */
  drain(): void
  stop(): Promise<void>
}

export interface RelayStats {
  /** Reservations ended because their peer had gone for the grace period. */
  reservationsReaped: number
  /** Reservation requests refused at a full store or during the stop drain. */
  reservationsRefused: number
  /** Peerlink topics followed now. */
  followedTopics: number
  /** Topics left for carrying no message during their probation (known, not followed). */
  quietTopics: number
  /** Subscriptions ignored at a topic bound so far. */
  ignoredSubscriptions: number
  /** DHT provider records held. */
  providerRecords: number
  /** DHT provider records not stored at a bound so far. */
  providerRecordsDropped: number
  /** Peers the relay keeps a record of (connected, or gone less than the grace). */
  peerRecords: number
}

/** The relay's own parts beside libp2p, made before the node (the node's options use them). */
interface RelayParts {
  /** Ends reservations once their peer is gone for the grace period (see reservations.ts). */
  reaper: ReservationReaper
  /** kad-dht's provider records, bounded and expiring (see providers.ts). */
  providers: ProviderBounds
  /** Bounds pending inbound handshakes and slow sockets (see ws-guard.ts). */
  guard: InboundGuard
  /** libp2p's peer store, in memory and forgetting peers gone (see peer-records.ts); its datastore is the node's. */
  datastore: PeerRecords
}

/** What runs on the node once it exists. */
interface RelayDuties {
  /** Follows the room topics of the relay's peers (see topic-follower.ts). */
  follower: TopicFollower
  /** Keeps a connection to each of the other relays, reconnecting with backoff. */
  peers: RelayKeeper
}

/**
 * Starts a relay: circuit relay v2 server, kad-dht server under Peerlink's
 * protocol id, gossipsub following its peers' room topics, identify and ping,
 * listening on WebSockets, WebRTC-direct and TCP, connected to the other
 * relays in `config.bootstrap`.
 */
export async function createRelay (config: RelayConfig, options: { tls?: RelayTls } = {}): Promise<Relay> {
  const state = await openRelayState(config.dataDir)
  const parts = await createParts(config, state)
  let getConnections: Libp2p['getConnections'] = () => []
  const byIp = new ConnectionsByIp()
  const node = await createLibp2p({ ...relayLibp2pOptions(config, { ...parts, state, tls: options.tls, getConnections: (peerId) => getConnections(peerId), byIp }), start: false })
  getConnections = (peerId) => node.getConnections(peerId)
  // counting from the first connection on
  byIp.attach(node)
  await node.start()
  const follower = startWatchers(node, config, parts)
  const acceptance = acceptanceOf(byIp, config, parts.reaper)
  registerMetrics(node, { follower, acceptance })
  const peers = keepRelaysConnected(node, config)
  return relayHandle(node, state, parts, { follower, peers }, acceptance, byIp)
}

async function createParts (config: RelayConfig, state: RelayState): Promise<RelayParts> {
  const reaper = new ReservationReaper({ grace: config.reservationGrace, maxReservations: config.maxReservations })
  const providers = new ProviderBounds(state.datastore, {
    maxRecords: config.maxProviderRecords,
    maxPerPeer: config.maxProvidersPerPeer,
    ttl: config.providerTtl,
    log: log.newScope('providers')
  })
  await providers.load()
  const guard = new InboundGuard({ handshakeTimeout: config.handshakeTimeout, maxPendingPerIp: config.maxPendingPerIp })
  const datastore = new PeerRecords(providers.datastore, { grace: config.reservationGrace, log: log.newScope('peer-records') })
  return { reaper, providers, guard, datastore }
}

/** Starts following topics, reaping reservations and bounding provider records on `node`. */
function startWatchers (node: Libp2p<RelayServices>, config: RelayConfig, { reaper, providers, datastore }: RelayParts): TopicFollower {
  const follower = new TopicFollower(
    { pubsub: node.services.pubsub, peerStore: node.peerStore, events: node, getConnections: (peerId) => node.getConnections(peerId), log },
    { maxTopics: config.maxFollowedTopics, maxTopicsPerPeer: config.maxTopicsPerPeer, probation: config.topicProbation }
  )
  follower.start()
  reaper.attach({ relay: node.services.relay, getConnections: (peerId) => node.getConnections(peerId), events: node, peerStore: node.peerStore, metrics: node.metrics, log: log.newScope('reservations') })
  reaper.start()
  providers.attach(node.metrics)
  providers.start()
  datastore.attach({ events: node, peerStore: node.peerStore, getConnections: (peerId) => node.getConnections(peerId), metrics: node.metrics })
  datastore.start()
  return follower
}

/** New peers cannot reserve while draining, with a full store of connected peers' reservations, or at the connection limit. */
function acceptanceOf (connections: Pick<ConnectionsByIp, 'total'>, config: Pick<RelayConfig, 'maxConnections'>, reaper: Pick<ReservationReaper, 'acceptance'>): () => Acceptance {
  return () => {
    const reserving = reaper.acceptance()
    if (!reserving.accepting) return reserving
    if (connections.total >= config.maxConnections) return { accepting: false, reason: 'connections full' }
    return reserving
  }
}

/** The relay's own figures beside libp2p's metrics (see metrics.ts). */
function registerMetrics (node: Libp2p<RelayServices>, { follower, acceptance }: { follower: TopicFollower, acceptance: () => Acceptance }): void {
  if (node.metrics == null) return
  registerRelayMetrics({
    metrics: node.metrics,
    getConnections: (peerId) => node.getConnections(peerId),
    peerStore: node.peerStore,
    reservations: node.services.relay.reservations,
    topics: () => follower.stats,
    acceptance,
    peerId: node.peerId,
    version: RELAY_VERSION
  })
}

/** Other relays: keeps a connection to each, reconnecting with backoff. */
function keepRelaysConnected (node: Libp2p, config: Pick<RelayConfig, 'bootstrap'>): RelayKeeper {
  const peers = new RelayKeeper({ libp2p: node }, { relays: config.bootstrap.map(ma => parseRelayEntry(ma.toString())) })
  peers.addEventListener('relay:connected', evt => { log('connected to relay %s', evt.detail.input) })
  peers.addEventListener('relay:error', evt => { log('relay %s: %s', evt.detail.input, evt.detail.error) })
  peers.start()
  return peers
}

/** The running relay: its figures, the stop drain and an orderly stop. */
function relayHandle (node: Libp2p<RelayServices>, state: RelayState, { reaper, providers, datastore }: RelayParts, { follower, peers }: RelayDuties, acceptance: () => Acceptance, connections: Pick<ConnectionsByIp, 'total'>): Relay {
  return {
    node,
    connectionCount: () => connections.total,
    info: () => ({ peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(ma => ma.toString()) }),
    stats: () => ({
      reservationsReaped: reaper.stats.reaped,
      reservationsRefused: reaper.stats.refused,
      followedTopics: follower.stats.followed,
      quietTopics: follower.stats.quiet,
      ignoredSubscriptions: follower.stats.ignored,
      providerRecords: providers.stats.records,
      providerRecordsDropped: providers.stats.dropped,
      peerRecords: datastore.stats.records
    }),
    acceptance,
    drain: () => { reaper.drain() },
    stop: async () => {
      peers.stop()
      follower.stop()
      reaper.stop()
      providers.stop()
      datastore.stop()
      await node.stop()
      await state.datastore.close()
    }
  }
}

/** Open connections, for health reporting. */
export function openConnections (node: Pick<Libp2p, 'getConnections'>): Connection[] {
  return node.getConnections().filter(c => c.status === 'open')
}
