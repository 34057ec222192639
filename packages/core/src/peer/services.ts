import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import { ping, type Ping } from '@libp2p/ping'
import { DHT_PROTOCOL } from '../constants.js'
import type { Libp2p } from '@libp2p/interface'

/** The libp2p services every Peerlink browser peer runs. */
export type PeerlinkServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

export type PeerlinkLibp2p = Libp2p<PeerlinkServices>

export interface ServiceOptions {
  /** Keep private and loopback addresses in DHT answers (LAN, local relay). */
  allowPrivateAddresses: boolean
}

export function services ({ allowPrivateAddresses }: ServiceOptions): { [K in keyof PeerlinkServices]: (components: any) => PeerlinkServices[K] } {
  return {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    // client mode: browsers query the relays' DHT but are not servers in it
    dht: kadDHT({
      protocol: DHT_PROTOCOL,
      clientMode: true,
      peerInfoMapper: allowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper
    }),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true })
  }
}
