import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { defaultStores } from './default-stores.js'
import { Peerlink } from './peerlink.js'
import { services } from './services.js'
import { transports } from './transports.js'
import { RelayIceServers } from '../connectivity/relay-ice.js'
import { reservationsWanted } from '../connectivity/relay-keeper.js'
import { Reservations } from '../connectivity/reservations.js'
import type { PeerInit } from './types.js'

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
  const reservations = new Reservations()
  const libp2p = await createLibp2p({
    privateKey: init.privateKey,
    start: false,
    addresses: {
      // one reservation per relay (up to three), plus WebRTC signalled through them
      listen: [...Array.from({ length: reservationsWanted(init.relays.length) }, () => '/p2p-circuit'), ...(webrtc ? ['/webrtc'] : [])]
    },
    transports: transports({ rtcConfiguration, webrtc, reservations }),
    connectionEncrypters: [noise()],
    // off: it pings every connection every 10 s, a new stream each time, for a round trip nothing reads; the
    // relay keeper's heartbeat finds dead relay connections and WebRTC's consent checks dead direct ones. A ping
    // stream costs a relay about 0.8 ms of its one thread (measured with 5,000 peers)
    connectionMonitor: { enabled: false },
    streamMuxers: [yamux()],
    // browsers' default gater refuses private addresses; allow them for local relays
    connectionGater: allowPrivateAddresses ? { denyDialMultiaddr: () => false } : {},
    services: services({ allowPrivateAddresses })
  })
  const peer = new Peerlink(libp2p, { ...init, relayIce, reservations, stores: { ...defaultStores(), ...init.stores } })
  await peer.start()
  return peer
}
