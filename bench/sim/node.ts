/**
 * One simulated node: a Node libp2p peer on TCP over loopback with noise,
 * yamux and identify, plus kad-dht on Peerlink's protocol id (DHT_PROTOCOL)
 * and, for the gossip part, gossipsub. The same building blocks as a relay
 * (relay/src/relay.ts), without WebSockets, WebRTC, circuit relay or any of
 * the relay's own guards.
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { DHT_PROTOCOL } from '@peerlink/core'
import { createLibp2p, type Libp2p, type ServiceFactoryMap } from 'libp2p'

export interface SimServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  dht?: KadDHT
  pubsub?: GossipSub
}
export type SimNode = Libp2p<SimServices>

export interface SimNodeInit {
  privateKey: PrivateKey
  /** Loopback address to listen on, e.g. 127.0.0.1. */
  host: string
  /** kad-dht in server mode (answers queries, is in routing tables), client mode, or no DHT at all. */
  dht: 'server' | 'client' | 'none'
  gossip: boolean
}

/**
 * libp2p accepts 5 new connections per second from one host by default; on
 * loopback every node is the same host, so a network of hundreds would refuse
 * most of its own dials. The simulation lifts that cap and the pending-upgrade
 * cap instead of spreading nodes over 127.0.0.0/8. A worker process hosts
 * many nodes on one event loop, so a handshake may wait its turn: the upgrade
 * and dial timeouts are 30 s instead of 10.
 */
const CONNECTION_MANAGER = {
  inboundConnectionThreshold: 100_000,
  maxIncomingPendingConnections: 1_000,
  maxConnections: 1_000,
  inboundUpgradeTimeout: 30_000,
  dialTimeout: 30_000,
  addressDialTimeout: 30_000
}

/** kad-dht's adaptive timeouts (pings of new and old contacts, requests) start at 5 s; here at 15 s. */
const SLOW_ANSWER = { minTimeout: 15_000 }

export async function createSimNode (init: SimNodeInit): Promise<SimNode> {
  const services: ServiceFactoryMap<SimServices> = {
    identify: identify(),
    // kad-dht pings contacts before it keeps them; several pings share a connection (see core's PING_STREAMS)
    ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 4 })
  }
  if (init.dht !== 'none') {
    services.dht = kadDHT({
      protocol: DHT_PROTOCOL,
      clientMode: init.dht === 'client',
      // loopback addresses are the only ones there are
      peerInfoMapper: passthroughMapper,
      // as the connection timeouts above: an answer that is late here waited for its worker's event loop
      pingNewContactTimeout: SLOW_ANSWER,
      pingOldContactTimeout: SLOW_ANSWER,
      networkDialTimeout: SLOW_ANSWER,
      onPeerConnectTimeout: 30_000,
      incomingMessageTimeout: 30_000
    })
  }
  // as Peerlink's peers (packages/core/src/peer/services.ts) and relays, except that gossipsub's score does not
  // punish many peers on one IP address: here every peer is 127.0.0.1, and past 10 of them the rest were graylisted
  // (their subscriptions ignored, nothing delivered to them)
  if (init.gossip) services.pubsub = gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } })
  return createLibp2p<SimServices>({
    privateKey: init.privateKey,
    addresses: { listen: [`/ip4/${init.host}/tcp/0`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // no connection monitor: it pings every connection every 10 s, and with a hundred nodes per process each
    // holding dozens of connections those pings alone saturated the workers (lookups slowed from 0.1 to 10 s as
    // connections accumulated); a relay pays that for its own connections only
    connectionMonitor: { enabled: false },
    connectionManager: CONNECTION_MANAGER,
    services
  })
}
