/** A stock js-libp2p client (libp2p packages only, no Peerlink code) that reserves a slot on a relay and pings. */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'

export async function stockClient (privateKey?: PrivateKey) {
  return createLibp2p({
    privateKey,
    addresses: { listen: ['/p2p-circuit'] },
    transports: [tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
}

export type StockClient = Awaited<ReturnType<typeof stockClient>>

/** The client's circuit address through the relay, once its reservation is made. */
export async function reservedAddress (client: StockClient, relayPeerId: string, options: { signal?: AbortSignal } = {}): Promise<string> {
  const find = (): string | undefined => client.getMultiaddrs().map(String).find(a => a.includes(`/p2p/${relayPeerId}/p2p-circuit/p2p/`))
  const found = find()
  if (found != null) return found
  return new Promise((resolve, reject) => {
    const onUpdate = (): void => {
      const addr = find()
      if (addr == null) return
      client.removeEventListener('self:peer:update', onUpdate)
      resolve(addr)
    }
    client.addEventListener('self:peer:update', onUpdate)
    options.signal?.addEventListener('abort', () => {
      client.removeEventListener('self:peer:update', onUpdate)
      reject(options.signal?.reason as Error)
    }, { once: true })
  })
}
