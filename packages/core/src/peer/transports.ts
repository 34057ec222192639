import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { WEBRTC_MAX_MESSAGE_SIZE } from '../constants.js'
import type { Reservations } from '../connectivity/reservations.js'
import type { Libp2pOptions } from 'libp2p'

export interface TransportOptions {
  /**
   * WebRTC's configuration, or a function giving it for each new connection
   * (fresh TURN credentials). No ICE servers by default: no public STUN server is contacted.
   */
  rtcConfiguration: RTCConfiguration | (() => Promise<RTCConfiguration>)
  /** Include browser-to-browser WebRTC. */
  webrtc: boolean
  /** Follows the reservations the circuit relay transport makes (their expiry, for the UI). */
  reservations?: Reservations
}

/** A transport factory as libp2p's `transports` option takes it. */
export type TransportFactory = NonNullable<Libp2pOptions['transports']>[number]

/**
 * Node transports (tests and tools): WebSockets and WebRTC-direct to relays,
 * WebRTC to browsers (node-datachannel) and the circuit relay. js-libp2p
 * cannot dial WebTransport from Node, so it is browser-only
 * (see transports.browser.ts).
 */
export function transports ({ rtcConfiguration, webrtc, reservations }: TransportOptions): TransportFactory[] {
  return [
    webSockets(),
    ...(webrtc ? [webRTC({ rtcConfiguration, dataChannel: { maxMessageSize: WEBRTC_MAX_MESSAGE_SIZE } })] : []),
    // relays are reachable directly: the relays' own STUN/TURN (a function) would only cost a TURN allocation per relay dial
    webRTCDirect({ rtcConfiguration: typeof rtcConfiguration === 'function' ? { iceServers: [] } : rtcConfiguration }),
    reservations != null ? reservations.follow(circuitRelayTransport()) : circuitRelayTransport()
  ]
}
