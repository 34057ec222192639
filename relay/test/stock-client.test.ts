/**
 * The relay speaks standard libp2p: stock js-libp2p clients, built here from
 * the libp2p packages alone (no Peerlink code), connect over TCP and
 * WebSockets, make a reservation, ping the relay, and reach each other
 * through the circuit.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping, PING_PROTOCOL } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { byteStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayProcess } from './support/relay-process.js'

/** A stock client; `monitor: false` turns libp2p's connection monitor off, as browsers run it. */
async function stockClient (monitor = true) {
  return createLibp2p({
    connectionMonitor: { enabled: monitor },
    addresses: { listen: ['/p2p-circuit'] },
    transports: [tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
}

type Client = Awaited<ReturnType<typeof stockClient>>

async function reservedAddress (client: Client, relayPeerId: string): Promise<string> {
  const find = (): string | undefined => client.getMultiaddrs().map(String).find(a => a.includes(`/p2p/${relayPeerId}/p2p-circuit/p2p/`))
  const found = find()
  if (found != null) return found
  return new Promise(resolve => {
    const onUpdate = (): void => {
      const addr = find()
      if (addr != null) {
        client.removeEventListener('self:peer:update', onUpdate)
        resolve(addr)
      }
    }
    client.addEventListener('self:peer:update', onUpdate)
  })
}

describe('a stock js-libp2p client', () => {
  let relay: RelayProcess
  const clients: Client[] = []

  beforeAll(async () => { relay = await startRelay() })
  afterAll(async () => {
    await Promise.all(clients.map(async c => c.stop()))
    await relay.stop()
  })

  it.each(['tcp', 'ws'] as const)('connects over %s, reserves a slot and pings the relay', async (kind) => {
    const client = await stockClient()
    clients.push(client)
    const conn = await client.dial(multiaddr(relay.addr(kind)), { signal: AbortSignal.timeout(10_000) })
    expect(conn.remotePeer.toString()).toBe(relay.peerId)
    expect(conn.encryption).toBe('/noise')
    const circuit = await reservedAddress(client, relay.peerId)
    expect(circuit).toContain(`/p2p/${relay.peerId}/p2p-circuit/p2p/${client.peerId.toString()}`)
    const rtt = await client.services.ping.ping(multiaddr(relay.addr(kind)), { signal: AbortSignal.timeout(10_000) })
    expect(rtt).toBeGreaterThanOrEqual(0)
  })

  it('keeps a ping stream open past libp2p\'s 10 s, echoing each probe on it (how browsers probe their relay)', async () => {
    // (libp2p's connection monitor would want the one outbound ping stream a stock client allows, and close the connection)
    const client = await stockClient(false)
    clients.push(client)
    const connection = await client.dial(multiaddr(relay.addr('ws')), { signal: AbortSignal.timeout(10_000) })
    const stream = await connection.newStream(PING_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    const bytes = byteStream(stream)
    const echo = async (): Promise<Uint8Array> => {
      const probe = crypto.getRandomValues(new Uint8Array(32))
      await bytes.write(probe, { signal: AbortSignal.timeout(5_000) })
      expect(new Uint8Array((await bytes.read({ bytes: 32, signal: AbortSignal.timeout(5_000) })).subarray())).toEqual(probe)
      return probe
    }
    await echo()
    // libp2p's ping handler ends a stream 10 s after it opened; the relay keeps it (the time passing is the test)
    await new Promise(resolve => setTimeout(resolve, 11_000))
    expect(stream.status).toBe('open')
    await echo()
    await stream.close()
  }, 30_000)

  it('reaches another stock client through the relay', async () => {
    const [a, b] = clients
    const circuit = await reservedAddress(b!, relay.peerId)
    const rtt = await a!.services.ping.ping(multiaddr(circuit), { signal: AbortSignal.timeout(10_000) })
    expect(rtt).toBeGreaterThanOrEqual(0)
    const relayed = a!.getConnections(b!.peerId)
    expect(relayed.some(c => c.limits != null && c.remoteAddr.toString().includes('/p2p-circuit'))).toBe(true)
  })
})
