import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { defaultStores } from './default-stores.js'
import { Peerlink } from './peerlink.js'
import { services } from './services.js'
import { transports } from './transports.js'
import { RelayIceServers } from '../connectivity/relay-ice.js'
import type { RelayEntry } from '../config/relays.js'
import type { BackoffOptions } from '../connectivity/backoff.js'
import type { DmStore } from '../dm/index.js'
import type { ChunkStore, TransferStore } from '../files/index.js'
import type { RoomStore } from '../rooms/index.js'
import type { PrivateKey } from '@libp2p/interface'

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

/**
 * Creates and starts a Peerlink peer: a libp2p node that reaches relays over
 * WebSockets, WebTransport or WebRTC-direct, is reachable through circuit
 * relay reservations, and upgrades to direct WebRTC with other browsers.
 */
export async function createPeer (init: PeerInit): Promise<Peerlink> {
  const allowPrivateAddresses = init.allowPrivateAddresses ?? true
  const webrtc = init.webrtc ?? true
  const urls = init.relays.flatMap(entry => entry.kind === 'url' ? [entry.url] : [])
  const own = init.iceServers ?? []
  // the relays' servers are checked only where they are used
  const relayIce = new RelayIceServers({ urls, check: own.length === 0 })
  // the user's servers win; else the relays' (read for each new WebRTC connection, so credentials are fresh)
  const rtcConfiguration = own.length > 0 ? { iceServers: own } : urls.length > 0 ? relayIce.rtcConfiguration() : { iceServers: [] }
  const libp2p = await createLibp2p({
    privateKey: init.privateKey,
    start: false,
    addresses: {
      // one reservation per relay (up to three), plus WebRTC signalled through them
      listen: [...Array.from({ length: Math.max(1, Math.min(3, init.relays.length)) }, () => '/p2p-circuit'), ...(webrtc ? ['/webrtc'] : [])]
    },
    transports: transports({ rtcConfiguration, webrtc }),
    connectionEncrypters: [noise()],
    // a failed ping is no reason to abort a relay connection (the relay keeper's
    // heartbeat decides when one is dead); see services.ts for the ping streams
    connectionMonitor: { abortConnectionOnPingFailure: false },
    streamMuxers: [yamux()],
    // browsers' default gater refuses private addresses; allow them for local relays
    connectionGater: allowPrivateAddresses ? { denyDialMultiaddr: () => false } : {},
    services: services({ allowPrivateAddresses })
  })
  const peer = new Peerlink(libp2p, { ...init, relayIce, stores: { ...defaultStores(), ...init.stores } })
  await peer.start()
  return peer
}
