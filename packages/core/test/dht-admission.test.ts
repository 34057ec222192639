/**
 * A relay enters a browser's DHT routing table even while another ping is
 * in flight on the connection to it. kad-dht admits a new DHT server only
 * if a ping to it succeeds; the connection monitor, the relay keeper's
 * heartbeat and the user's ping button ping the same connection. With the
 * ping service's default of one outbound stream per connection, kad-dht's
 * ping failed (TooManyOutboundProtocolStreamsError) whenever one of those
 * was in flight, the relay stayed out of the table, and every DHT lookup
 * waited for a peer forever: a browser configured with one relay could not
 * find a peer on another (a file shared in a room stayed "resolving").
 *
 * Two real libp2p nodes over WebSockets: a relay-like DHT server and a
 * client with Peerlink's own services. The relay turns its DHT server on
 * (identify push tells the client, which then pings it to admit it) while
 * the client holds a ping stream open on the connection.
 */
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { PING_PROTOCOL, ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { DHT_PROTOCOL } from '../src/constants.js'
import { services } from '../src/peer/services.js'
import type { PeerlinkServices } from '../src/peer/types.js'
import type { Connection } from '@libp2p/interface'

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function relayNode (): Promise<Libp2p<{ dht: ReturnType<ReturnType<typeof kadDHT>> }>> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping({ maxInboundStreams: 8, maxOutboundStreams: 4 }),
      // a DHT client until the test turns it into a server
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: true, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true })
    }
  })
  cleanup.push(async () => node.stop())
  return node
}

async function clientNode (): Promise<Libp2p<PeerlinkServices>> {
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // the monitor's pings would race the test's own
    connectionMonitor: { enabled: false },
    connectionGater: { denyDialMultiaddr: () => false },
    services: services({ allowPrivateAddresses: true })
  })
  cleanup.push(async () => node.stop())
  return node
}

function outboundPings (connection: Connection): number {
  return connection.streams.filter(s => s.protocol === PING_PROTOCOL && s.direction === 'outbound' && s.status === 'open').length
}

describe('DHT admission of a relay', () => {
  it('admits the relay to the routing table while another ping is in flight on its connection, so DHT lookups run', async () => {
    const relay = await relayNode()
    const client = await clientNode()
    const connection = await client.dial(relay.getMultiaddrs()[0]!)
    await expect.poll(async () => (await client.peerStore.get(relay.peerId)).protocols).toContain(PING_PROTOCOL)

    // a ping in flight (the connection monitor's, the heartbeat's): its stream open, its echo not come yet
    const held = await connection.newStream(PING_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
    cleanup.push(async () => { held.abort(new Error('test over')) })
    expect(outboundPings(connection)).toBe(1)
    // another ping on the same connection meanwhile
    expect(await client.services.ping.ping(relay.peerId, { signal: AbortSignal.timeout(5_000) })).toBeGreaterThanOrEqual(0)

    // the relay becomes a DHT server: identify push tells the client, whose kad-dht pings it to admit it
    await relay.services.dht.setMode('server')
    expect(outboundPings(connection)).toBe(1)

    // a lookup runs only with a peer in the routing table (else it waits for one until its signal aborts): it asks the relay
    const key = new TextEncoder().encode('dht-admission')
    const answered: string[] = []
    for await (const event of client.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(10_000) })) {
      if (event.name === 'PEER_RESPONSE') answered.push(event.from.toString())
    }
    expect(answered).toEqual([relay.peerId.toString()])
  })
})
