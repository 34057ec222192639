import { createRequire } from 'node:module'
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import { keychain, type Keychain } from '@libp2p/keychain'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { DHT_PROTOCOL, RELAY_PING_STREAM_MS } from '@peerlink/core'
import { limitsGater, type ConnectionsByIp } from './gater.js'
import { countRelayedBytes } from './metrics.js'
import { quietLogger } from './quiet-logger.js'
import { RELAY_AGENT_NAME } from './topic-follower.js'
import type { RelayConfig } from './config.js'
import type { RelayState } from './persistence.js'
import type { PeerRecords } from './peer-records.js'
import type { ReservationReaper } from './reservations.js'
import type { RelayTls } from './tls.js'
import type { InboundGuard } from './ws-guard.js'
import type { Libp2p } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

/** This relay's version (its package.json sits beside dist/ in the workspace and in the Docker image). */
export const RELAY_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version

/** Connections the kernel may queue for the TCP listener before it accepts them (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 4096

/** "No limit" for relayed data when only the duration is limited: 2^63 - 1 bytes. */
const UNLIMITED_DATA = (1n << 63n) - 1n
/** "No limit" for a relayed connection's lifetime when only data is limited: the longest timer (about 24 days). */
const UNLIMITED_DURATION_MS = 2 ** 31 - 1

export type RelayServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  keychain: Keychain
  relay: CircuitRelayService
  dht: KadDHT
  pubsub: GossipSub
}

/** What the options take from the relay's own parts, made before the node. */
export interface RelayLibp2pParts {
  state: Pick<RelayState, 'privateKey' | 'keychainPass'>
  /** The datastore: the DHT's provider records bounded, peer records in memory (see peer-records.ts). */
  datastore: Pick<PeerRecords, 'datastore'>
  reaper: Pick<ReservationReaper, 'gater'>
  guard: Pick<InboundGuard, 'transport'>
  tls?: RelayTls
  /** The node's connections, once it exists (the connection gater asks before). */
  getConnections: Libp2p['getConnections']
  /** Open connections by IP address, for the per-address cap. */
  byIp: Pick<ConnectionsByIp, 'count'>
}

/**
 * The relay's libp2p options: circuit relay v2 server, kad-dht server under
 * Peerlink's protocol id, gossipsub, identify and ping, listening on
 * WebSockets (wss with TLS), WebRTC-direct and TCP, with the relay's bounds.
 */
export function relayLibp2pOptions (config: RelayConfig, parts: RelayLibp2pParts): Libp2pOptions<RelayServices> {
  const { state, datastore, reaper, guard, tls } = parts
  const ip = config.host.includes(':') ? 'ip6' : 'ip4'
  return {
    privateKey: state.privateKey,
    datastore: datastore.datastore,
    // a logger is made for every stream: those DEBUG leaves off cost nothing (see quiet-logger.ts)
    logger: quietLogger(),
    addresses: {
      listen: [
        // with --tls-cert: wss only (see tls.ts)
        `/${ip}/${config.host}/tcp/${config.wsPort}${tls != null ? '/tls/ws' : '/ws'}`,
        `/${ip}/${config.host}/udp/${config.webrtcPort}/webrtc-direct`,
        `/${ip}/${config.host}/tcp/${config.tcpPort}`
      ],
      announce: config.announce.map(ma => ma.toString())
    },
    // other relays tell us apart from browsers by this (see TopicFollower)
    nodeInfo: { name: RELAY_AGENT_NAME, version: RELAY_VERSION },
    // guarded: a malformed WebSocket frame, idle or slow sockets and one address's pending handshakes (see ws-guard.ts)
    // TCP's accept queue: Node's default (511) overflows when a restarted relay's peers all return at once, and a
    // dropped SYN costs its client a retransmission a second or more later
    transports: [guard.transport(tls?.webSockets() ?? webSockets()), webRTCDirect({ rtcConfiguration: { iceServers: [] } }), guard.transport(tcp({ backlog: LISTEN_BACKLOG }))],
    connectionEncrypters: [noise()],
    // off by default: each ping is a new stream (about 0.8 ms of the relay's thread measured at 5,000 peers), and
    // its round trip is all it gives; yamux's keep-alive already writes to every connection every 30 s, so a dead
    // one still fails. Never aborting: kad-dht's pings can hold the only outbound ping stream, making the
    // monitor's own ping fail on healthy connections
    connectionMonitor: { enabled: config.pingInterval > 0, pingInterval: config.pingInterval, abortConnectionOnPingFailure: false },
    streamMuxers: [yamux()],
    connectionGater: reaper.gater(limitsGater(config, { getConnections: (peerId) => parts.getConnections(peerId), byIp: parts.byIp })),
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
      // connection monitor's or another ping's stream is still open on the same connection. A browser probes
      // its relay on one ping stream kept open (32 bytes echoed every 10 s): the stream lives 5 min here,
      // not libp2p's 10 s, so the relay negotiates a stream per browser every 5 min, not at every probe
      ping: ping({ maxInboundStreams: 8, maxOutboundStreams: 4, timeout: RELAY_PING_STREAM_MS }),
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
  }
}
