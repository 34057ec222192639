/** A stock js-libp2p client (libp2p packages only, no Peerlink code) that reserves a slot on a relay and pings. */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping, PING_PROTOCOL } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { byteStream } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import type { AbortOptions, Connection, PrivateKey } from '@libp2p/interface'

/**
 * `monitor: false` turns off the client's connection monitor: its ping every
 * 10 s takes the one outbound ping stream a connection allows, and aborts the
 * connection when that stream is refused because `pingOn` holds it.
 */
export async function stockClient (privateKey?: PrivateKey, init: { monitor?: boolean } = {}) {
  return createLibp2p({
    privateKey,
    connectionMonitor: { enabled: init.monitor ?? true },
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

/**
 * One ping on this connection, limited or not: a round trip of 32 bytes in
 * ms. The ping service's own `ping` does not reuse a limited (relayed)
 * connection: it dials the circuit anew for every ping and drops the
 * duplicate, so two clients pinging each other race to close each other's
 * circuit.
 */
export async function pingOn (connection: Connection, options: AbortOptions = {}): Promise<number> {
  const stream = await connection.newStream(PING_PROTOCOL, { ...options, runOnLimitedConnection: true })
  try {
    const bytes = byteStream(stream)
    const sent = crypto.getRandomValues(new Uint8Array(32))
    const start = performance.now()
    await bytes.write(sent, options)
    const echoed = await bytes.read({ ...options, bytes: sent.byteLength })
    const rtt = performance.now() - start
    if (!echoed.subarray().every((b, i) => b === sent[i])) throw new Error('the ping came back different')
    await stream.close(options)
    return rtt
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
