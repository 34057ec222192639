import { createRequire } from 'node:module'
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import { keychain, type Keychain } from '@libp2p/keychain'
import { logger } from '@libp2p/logger'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { DHT_PROTOCOL, parseRelayEntry, RelayKeeper } from '@peerlink/core'
import { createLibp2p } from 'libp2p'
import { limitsGater } from './gater.js'
import { openRelayState } from './persistence.js'
import { countRelayedBytes, registerRelayMetrics, type Acceptance } from './metrics.js'
import { InboundGuard } from './ws-guard.js'
import { ProviderBounds } from './providers.js'
import { ReservationReaper } from './reservations.js'
import { RELAY_AGENT_NAME, TopicFollower } from './topic-follower.js'
import type { RelayConfig } from './config.js'
import type { RelayTls } from './tls.js'
import type { Connection, Libp2p } from '@libp2p/interface'

const log = logger('peerlink:relay')

/** This relay's version (its package.json sits beside dist/ in the workspace and in the Docker image). */
const RELAY_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version

export type RelayServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  keychain: Keychain
  relay: CircuitRelayService
  dht: KadDHT
  pubsub: GossipSub
}

export interface Relay {
  node: Libp2p<RelayServices>
  /** The relay's PeerId and full multiaddrs, as served at /relay.json. */
  info(): { peerId: string, multiaddrs: string[] }
  /** The state bounds' figures (for /healthz and tests). */
  stats(): RelayStats
  /** Whether a new peer could reserve now (what /healthz and `peerlink_relay_up` report). */
  acceptance(): Acceptance
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
}

/**
 * Starts a relay: circuit relay v2 server, kad-dht server under Peerlink's
 * protocol id, gossipsub following its peers' room topics, identify and ping,
 * listening on WebSockets, WebRTC-direct and TCP, connected to the other
 * relays in `config.bootstrap`.
 */
/** "No limit" for relayed data when only the duration is limited: 2^63 - 1 bytes. */
const UNLIMITED_DATA = (1n << 63n) - 1n
/** "No limit" for a relayed connection's lifetime when only data is limited: the longest timer (about 24 days). */
const UNLIMITED_DURATION_MS = 2 ** 31 - 1

export async function createRelay (config: RelayConfig, options: { tls?: RelayTls } = {}): Promise<Relay> {
  const state = await openRelayState(config.dataDir)
  const ip = config.host.includes(':') ? 'ip6' : 'ip4'
  let getConnections: Libp2p['getConnections'] = () => []
  // reservations end once their peer is gone for the grace period (see reservations.ts)
  const reaper = new ReservationReaper({ grace: config.reservationGrace, maxReservations: config.maxReservations })
  // kad-dht's provider records, bounded and expiring (see providers.ts)
  const providers = new ProviderBounds(state.datastore, {
    maxRecords: config.maxProviderRecords,
    maxPerPeer: config.maxProvidersPerPeer,
    ttl: config.providerTtl,
    log: log.newScope('providers')
  })
  await providers.load()
  const guard = new InboundGuard({ handshakeTimeout: config.handshakeTimeout, maxPendingPerIp: config.maxPendingPerIp })
  const node = await createLibp2p({
    privateKey: state.privateKey,
    datastore: providers.datastore,
    addresses: {
      listen: [
        // with --tls-cert: wss only (see tls.ts)
        `/${ip}/${config.host}/tcp/${config.wsPort}${options.tls != null ? '/tls/ws' : '/ws'}`,
        `/${ip}/${config.host}/udp/${config.webrtcPort}/webrtc-direct`,
        `/${ip}/${config.host}/tcp/${config.tcpPort}`
      ],
      announce: config.announce.map(ma => ma.toString())
    },
    // other relays tell us apart from browsers by this (see TopicFollower)
    nodeInfo: { name: RELAY_AGENT_NAME, version: RELAY_VERSION },
    // guarded: a malformed WebSocket frame, idle or slow sockets and one address's pending handshakes (see ws-guard.ts)
    transports: [guard.transport(options.tls?.webSockets() ?? webSockets()), webRTCDirect({ rtcConfiguration: { iceServers: [] } }), guard.transport(tcp())],
    connectionEncrypters: [noise()],
    // kad-dht's pings can hold the only outbound ping stream, making the
    // connection monitor's own ping fail and abort healthy connections
    connectionMonitor: { abortConnectionOnPingFailure: false },
    streamMuxers: [yamux()],
    connectionGater: reaper.gater(limitsGater(config, { getConnections: (peerId) => getConnections(peerId) })),
    connectionManager: {
      maxConnections: config.maxConnections,
      // shared by all addresses; the per-address cap is the guard's maxPendingPerIp
      maxIncomingPendingConnections: config.maxPendingConnections,
      inboundUpgradeTimeout: config.handshakeTimeout,
      // libp2p's default, 5 per second, refused the sixth client behind one NAT
      inboundConnectionThreshold: config.maxNewConnectionsPerIp
    },
    // libp2p's metrics, with the bytes carried over circuits counted (see metrics.ts)
    metrics: countRelayedBytes(prometheusMetrics()),
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      // the defaults (1 outbound, 2 inbound stream per connection) make a client's ping fail while the
      // connection monitor's or another ping's stream is still open on the same connection
      ping: ping({ maxInboundStreams: 8, maxOutboundStreams: 4 }),
      // holds the WebRTC-direct certificate's key so its certhash survives restarts
      keychain: keychain({ pass: state.keychainPass }),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: config.maxReservations,
          reservationTtl: config.reservationTtl,
          // the library fills a limit left out with its own default (128 KiB, 2 min), so
          // when one limit is set and the other is 0 ("unlimited"), the other gets the largest value
          applyDefaultLimit: config.circuitDataLimit > 0 || config.circuitDurationLimit > 0,
          defaultDataLimit: config.circuitDataLimit > 0 ? BigInt(config.circuitDataLimit) : UNLIMITED_DATA,
          defaultDurationLimit: config.circuitDurationLimit > 0 ? config.circuitDurationLimit : UNLIMITED_DURATION_MS
        }
      }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: config.allowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        // a peer's subscriptions cost their topic's length + 1 KiB each; beyond this budget they are
        // ignored (~460 topics at the default, twice what another relay may follow: maxFollowedTopics)
        maxTopicBytesPerPeer: Math.max(512 * 1024, config.maxFollowedTopics * 2 * 1200),
        // an RPC with more subscriptions than this is dropped whole (the library allows 5,000)
        decodeRpcLimits: {
          maxSubscriptions: Math.max(512, config.maxFollowedTopics * 2),
          // the library's defaults (not exported)
          maxMessages: 5000,
          maxIhaveMessageIDs: 5000,
          maxIwantMessageIDs: 5000,
          maxControlMessages: 5000,
          maxIdontwantMessageIDs: 512,
          maxPeerInfos: 16
        }
      })
    }
  })
  getConnections = (peerId) => node.getConnections(peerId)

  const follower = new TopicFollower(
    { pubsub: node.services.pubsub, peerStore: node.peerStore, events: node, getConnections: (peerId) => node.getConnections(peerId), log },
    { maxTopics: config.maxFollowedTopics, maxTopicsPerPeer: config.maxTopicsPerPeer, probation: config.topicProbation }
  )
  follower.start()
  reaper.attach({ relay: node.services.relay, getConnections: (peerId) => node.getConnections(peerId), events: node, peerStore: node.peerStore, metrics: node.metrics, log: log.newScope('reservations') })
  reaper.start()
  providers.attach(node.metrics)
  providers.start()
  // new peers cannot reserve while draining, with a full store of connected peers' reservations, or at the connection limit
  const acceptance = (): Acceptance => {
    const reserving = reaper.acceptance()
    if (!reserving.accepting) return reserving
    if (node.getConnections().length >= config.maxConnections) return { accepting: false, reason: 'connections full' }
    return reserving
  }
  if (node.metrics != null) {
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
  // other relays: keep a connection to each, reconnecting with backoff
  const peers = new RelayKeeper({ libp2p: node }, { relays: config.bootstrap.map(ma => parseRelayEntry(ma.toString())) })
  peers.addEventListener('relay:connected', evt => { log('connected to relay %s', evt.detail.input) })
  peers.addEventListener('relay:error', evt => { log('relay %s: %s', evt.detail.input, evt.detail.error) })
  peers.start()

  return {
    node,
    info: () => ({ peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(ma => ma.toString()) }),
    stats: () => ({
      reservationsReaped: reaper.stats.reaped,
      reservationsRefused: reaper.stats.refused,
      followedTopics: follower.stats.followed,
      quietTopics: follower.stats.quiet,
      ignoredSubscriptions: follower.stats.ignored,
      providerRecords: providers.stats.records,
      providerRecordsDropped: providers.stats.dropped
    }),
    acceptance,
    drain: () => { reaper.drain() },
    stop: async () => {
      peers.stop()
      follower.stop()
      reaper.stop()
      providers.stop()
      await node.stop()
      await state.datastore.close()
    }
  }
}

/** Open connections, for health reporting. */
export function openConnections (node: Pick<Libp2p, 'getConnections'>): Connection[] {
  return node.getConnections().filter(c => c.status === 'open')
}
