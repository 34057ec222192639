import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { webTransport } from '@libp2p/webtransport'
import { WEBRTC_MAX_MESSAGE_SIZE } from '../constants.js'
import type { TransportFactory, TransportOptions } from './transports.js'

export type { TransportOptions }

/**
 * Browser transports: WebSockets, WebTransport and WebRTC-direct to relays,
 * WebRTC to other browsers (256 KiB data channel messages: our browsers
 * accept them and they measured 1.4–2.5x faster than the default), and the
 * circuit relay for signaling and as a fallback.
 */
export function transports ({ rtcConfiguration, webrtc, reservations }: TransportOptions): TransportFactory[] {
  return [
    webSockets(),
    webTransport(),
    ...(webrtc ? [webRTC({ rtcConfiguration, dataChannel: { maxMessageSize: WEBRTC_MAX_MESSAGE_SIZE } })] : []),
    // relays are reachable directly: the relays' own STUN/TURN (a function) would only cost a TURN allocation per relay dial
    webRTCDirect({ rtcConfiguration: typeof rtcConfiguration === 'function' ? { iceServers: [] } : rtcConfiguration }),
    reservations != null ? reservations.follow(circuitRelayTransport()) : circuitRelayTransport()
  ]
}
