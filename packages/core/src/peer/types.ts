/**
 * The types the peer's modules share: how a peer is configured, where it
 * keeps its state, and the libp2p node it assembles.
 */
import type { RelayEntry } from '../config/relays.js'
import type { BackoffOptions } from '../connectivity/backoff.js'
import type { DmStore } from '../dm/index.js'
import type { ChunkStore, TransferStore } from '../files/index.js'
import type { RoomStore } from '../rooms/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'

export interface PeerInit {
  /** The persistent identity (see `loadOrCreateIdentity`). */
  privateKey: PrivateKey
  /** Relays to keep connections and reservations on. */
  relays: RelayEntry[]
  /**
   * The user's own ICE servers for WebRTC. When set (non-empty) they are used
   * and the relays' are not. Default: those the configured relays advertise in
   * `/relay.json` (STUN, TURN with short-lived credentials, refreshed before
   * they expire), else none, so no third party learns our addresses.
   */
  iceServers?: RTCIceServer[]
  /**
   * Direct WebRTC connections to other peers. Default: true. Node tools and
   * tests on hosts where WebRTC cannot gather candidates turn it off and stay
   * on relayed connections.
   */
  webrtc?: boolean
  /**
   * Dial and keep private/loopback addresses (a local relay, a LAN).
   * Turn off for deployments on the public internet. Default: true.
   */
  allowPrivateAddresses?: boolean
  /** Reconnect backoff for relays. */
  relayBackoff?: BackoffOptions
  /** Where rooms, direct messages and files keep their state. Default: IndexedDB in browsers, memory in Node. */
  stores?: Partial<PeerStores>
}

export interface PeerStores {
  rooms: RoomStore
  dms: DmStore
  /** Blocks of shared files. */
  chunks: ChunkStore
  /** What is shared and downloaded (with link keys). */
  transfers: TransferStore
}

/** The libp2p services every Peerlink browser peer runs. */
export type PeerlinkServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

export type PeerlinkLibp2p = Libp2p<PeerlinkServices>
