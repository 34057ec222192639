import { gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { DHT_PROTOCOL } from '../constants.js'
import type { PeerlinkServices } from './types.js'
import type { ServiceFactoryMap } from 'libp2p'

/** Ping streams one connection may carry at once, each way (the library allows 1 outbound, 2 inbound). */
export const PING_STREAMS = 4

export interface ServiceOptions {
  /** Keep private and loopback addresses in DHT answers (LAN, local relay). */
  allowPrivateAddresses: boolean
}

export function services ({ allowPrivateAddresses }: ServiceOptions): ServiceFactoryMap<PeerlinkServices> {
  return {
    identify: identify(),
    identifyPush: identifyPush(),
    // several pings share one connection to a relay: the relay keeper's heartbeat (one stream kept open), the
    // user's, and kad-dht's, which admits a relay to the routing table only if its ping succeeds. With the
    // library's one outbound stream, a ping already in flight made kad-dht's fail
    // (TooManyOutboundProtocolStreamsError): the relay stayed out of the table, every DHT lookup waited for a
    // peer forever, and a browser on one relay could not find a peer on another (a room's file stayed
    // "resolving")
    ping: ping({ maxOutboundStreams: PING_STREAMS, maxInboundStreams: PING_STREAMS }),
    // client mode: browsers query the relays' DHT but are not servers in it
    dht: kadDHT({
      protocol: DHT_PROTOCOL,
      clientMode: true,
      peerInfoMapper: allowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper
    }),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true })
  }
}
