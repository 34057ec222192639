/**
 * The relay keeper's heartbeat, between two real libp2p nodes (WebSockets,
 * Noise, yamux) with a TCP proxy between them that can go silent: its open
 * sockets stay open but carry nothing more, as a connection to a relay that
 * died without closing it does (a relay killed and restarted on the same
 * WebRTC-direct port answers the browser's ICE checks of the old connection).
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { PING_PROTOCOL } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { RelayKeeper, type RelayHeartbeat, type RelayKeeperEvents } from '../src/connectivity/relay-keeper.js'

/** A TCP proxy to `target`; `silence()` stops the sockets open now from carrying anything, without closing them. */
class SilenceableProxy {
  private readonly pairs: Array<[Socket, Socket]> = []
  private readonly server: Server

  constructor (target: number) {
    this.server = createServer(client => {
      const upstream = connect(target, '127.0.0.1')
      client.pipe(upstream)
      upstream.pipe(client)
      const end = (): void => { client.destroy(); upstream.destroy() }
      client.on('error', end)
      upstream.on('error', end)
      this.pairs.push([client, upstream])
    })
  }

  async listen (): Promise<number> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    return (this.server.address() as { port: number }).port
  }

  silence (): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream)
      upstream.unpipe(client)
      client.pause()
      upstream.pause()
    }
  }

  async close (): Promise<void> {
    for (const [client, upstream] of this.pairs.splice(0)) {
      client.destroy()
      upstream.destroy()
    }
    await new Promise(resolve => this.server.close(resolve))
  }
}

const HEARTBEAT: RelayHeartbeat = { intervalMs: 200, timeoutMs: 500, misses: 2 }

describe('relay keeper heartbeat', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  /**
   * A "relay" node behind a proxy, and a client keeping it. The relay echoes pings on a stream until the client
   * ends it ('echo', as a Peerlink relay does for 5 min), ends each ping stream after one echo ('echo-once', as a
   * relay whose ping streams time out between probes), or refuses the ping protocol ('refuse'); it counts the
   * probes it echoed and the ping streams it was asked for.
   */
  async function setup (answer: 'echo' | 'echo-once' | 'refuse', heartbeat = HEARTBEAT): Promise<{ relay: Libp2p, keeper: RelayKeeper, proxy: SilenceableProxy, probes: () => number, streams: () => number }> {
    const relay = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false },
      services: { identify: identify() }
    })
    cleanup.push(async () => relay.stop())
    let probes = 0
    let streams = 0
    if (answer !== 'refuse') {
      await relay.handle(PING_PROTOCOL, async (stream) => {
        streams++
        let echoed = 0
        for await (const chunk of stream) {
          stream.send(chunk)
          echoed += chunk.byteLength
          if (echoed % 32 === 0) probes++
          if (answer === 'echo-once' && echoed === 32) break
        }
        await stream.close()
      }, { runOnLimitedConnection: true })
    }
    const port = Number(relay.getMultiaddrs()[0]!.getComponents().find(c => c.name === 'tcp')?.value)
    const proxy = new SilenceableProxy(port)
    const proxyPort = await proxy.listen()
    cleanup.push(async () => proxy.close())

    const client = await createLibp2p({
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false },
      connectionGater: { denyDialMultiaddr: () => false },
      services: { identify: identify() }
    })
    cleanup.push(async () => client.stop())
    const input = `/ip4/127.0.0.1/tcp/${proxyPort}/ws/p2p/${relay.peerId.toString()}`
    const keeper = new RelayKeeper({ libp2p: client }, {
      relays: [{ kind: 'multiaddr', input, multiaddr: multiaddr(input), peerId: relay.peerId.toString() }],
      backoff: { initialMs: 50, maxMs: 200, jitter: 0 },
      heartbeat
    })
    keeper.start()
    cleanup.push(async () => { keeper.stop() })
    return { relay, keeper, proxy, probes: () => probes, streams: () => streams }
  }

  async function next<K extends keyof RelayKeeperEvents> (keeper: RelayKeeper, type: K, timeoutMs = 10_000): Promise<RelayKeeperEvents[K]['detail']> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`no ${type} within ${timeoutMs} ms`)) }, timeoutMs)
      keeper.addEventListener(type, evt => {
        clearTimeout(timer)
        resolve(evt.detail)
      }, { once: true })
    })
  }

  it('closes a relay connection that stops answering, and dials the relay again', async () => {
    const { keeper, proxy } = await setup('echo')
    await next(keeper, 'relay:connected')
    const lost = next(keeper, 'relay:lost')
    const connectedAgain = next(keeper, 'relay:connected', 20_000)
    const silent = performance.now()
    proxy.silence()
    const status = await lost
    const after = performance.now() - silent
    expect(status.state).toBe('disconnected')
    expect(status.error).toMatch(/did not answer 2 probes in a row/)
    // silent from a moment after one probe answered: the next goes out within intervalMs, then two wait timeoutMs each
    expect(after).toBeGreaterThanOrEqual(HEARTBEAT.misses * HEARTBEAT.timeoutMs - 50)
    expect(after).toBeLessThan(HEARTBEAT.intervalMs + HEARTBEAT.misses * HEARTBEAT.timeoutMs + 2_000)
    // a new connection through the proxy carries traffic again
    expect((await connectedAgain).state).toBe('connected')
  })

  it('keeps a relay connection that answers its probes, all of them on one ping stream', async () => {
    const { keeper, probes, streams } = await setup('echo')
    await next(keeper, 'relay:connected')
    let lost = 0
    keeper.addEventListener('relay:lost', () => { lost++ })
    const start = probes()
    await new Promise(resolve => setTimeout(resolve, 10 * HEARTBEAT.intervalMs))
    expect(probes() - start).toBeGreaterThanOrEqual(5)
    expect(streams()).toBe(1)
    expect(lost).toBe(0)
    expect(keeper.list()[0]?.state).toBe('connected')
  })

  it('a relay that ends the ping stream after each echo is probed on a new stream each time, and kept', async () => {
    const { keeper, probes, streams } = await setup('echo-once')
    await next(keeper, 'relay:connected')
    let lost = 0
    keeper.addEventListener('relay:lost', () => { lost++ })
    await expect.poll(probes, { timeout: 20 * HEARTBEAT.intervalMs }).toBeGreaterThanOrEqual(5)
    expect(streams()).toBe(probes())
    expect(lost).toBe(0)
    expect(keeper.list()[0]?.state).toBe('connected')
  })

  it('sends no probe during a new connection\'s first interval (kad-dht pings a new relay then, to admit it to its routing table)', async () => {
    const slow = { ...HEARTBEAT, intervalMs: 3_000 }
    const { keeper, probes } = await setup('echo', slow)
    await next(keeper, 'relay:connected')
    const connected = performance.now()
    await new Promise(resolve => setTimeout(resolve, slow.intervalMs / 2))
    expect(probes()).toBe(0)
    await expect.poll(probes, { timeout: slow.intervalMs + 5_000 }).toBe(1)
    expect(performance.now() - connected).toBeGreaterThanOrEqual(slow.intervalMs - 50)
  })

  it('keeps a relay connection whose relay refuses the probe: a refusal is an answer', async () => {
    const { keeper } = await setup('refuse')
    await next(keeper, 'relay:connected')
    let lost = 0
    keeper.addEventListener('relay:lost', () => { lost++ })
    await new Promise(resolve => setTimeout(resolve, 4 * (HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs)))
    expect(lost).toBe(0)
    expect(keeper.list()[0]?.state).toBe('connected')
  })
})

/**
 * The keeper seeing reservations through, against a real circuit relay
 * server (libp2p's own) whose only slot is taken when the client arrives:
 * libp2p's transport asks once on that connection, is refused and does not
 * ask again; the keeper closes the connection once it has gone `waitMs`
 * without a reservation and dials again (backing off), and once the slot is
 * free the new connection brings the reservation.
 */
describe('relay keeper reservations', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  async function node (init: Parameters<typeof createLibp2p>[0]): Promise<Libp2p> {
    const n = await createLibp2p({
      transports: [webSockets(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false },
      connectionGater: { denyDialMultiaddr: () => false },
      ...init
    })
    cleanup.push(async () => n.stop())
    return n
  }

  const reservedOn = (client: Libp2p, relay: Libp2p): boolean =>
    client.getMultiaddrs().some(a => a.toString().includes(`/p2p/${relay.peerId.toString()}/p2p-circuit`))

  it('closes a connection that brought no reservation, dials again, and reserves once the relay has room', async () => {
    const relay = await node({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
      services: {
        identify: identify(),
        // one slot, held 2 s (the protocol gives expiry in whole seconds: a shorter TTL can read as expired at once), swept every 100 ms
        relay: circuitRelayServer({ reservations: { maxReservations: 1, reservationTtl: 2_000, reservationClearInterval: 100 } })
      }
    })
    const input = relay.getMultiaddrs()[0]!.toString()
    const entry = { kind: 'multiaddr' as const, input, multiaddr: multiaddr(input), peerId: relay.peerId.toString() }
    const clientInit = { addresses: { listen: ['/p2p-circuit'] }, services: { identify: identify() } }

    // another peer takes the only slot
    const blocker = await node(clientInit)
    await blocker.dial(multiaddr(input))
    await expect.poll(() => reservedOn(blocker, relay), { timeout: 10_000 }).toBe(true)

    const client = await node(clientInit)
    const keeper = new RelayKeeper({ libp2p: client }, {
      relays: [entry],
      backoff: { initialMs: 100, maxMs: 400, jitter: 0 },
      reservations: { want: 1, waitMs: 1_000 }
    })
    const lost: Array<string | undefined> = []
    keeper.addEventListener('relay:lost', evt => { lost.push(evt.detail.error) })
    keeper.start()
    cleanup.push(async () => { keeper.stop() })

    // refused while full: the keeper closes the connection for want of a reservation, and dials again
    await expect.poll(() => lost.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    expect(lost[0]).toBe('connected, but the relay gave no reservation within 1 s')
    expect(reservedOn(client, relay)).toBe(false)

    // the slot frees up: a later connection brings the reservation, and the keeper says so
    await blocker.stop()
    await expect.poll(() => keeper.list()[0]?.state, { timeout: 15_000 }).toBe('reserved')
    expect(reservedOn(client, relay)).toBe(true)
    const closes = lost.length
    await new Promise(resolve => setTimeout(resolve, 2_000))
    expect(lost.length).toBe(closes)
  })

  it('leaves a connection without a reservation alone when enough other relays hold one', async () => {
    const relay = await node({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] }, services: { identify: identify() } })
    const input = relay.getMultiaddrs()[0]!.toString()
    const client = await node({ services: { identify: identify() } })
    // want 0: this node listens on no /p2p-circuit address, so it needs no reservation anywhere
    const keeper = new RelayKeeper({ libp2p: client }, {
      relays: [{ kind: 'multiaddr', input, multiaddr: multiaddr(input), peerId: relay.peerId.toString() }],
      backoff: { initialMs: 100, maxMs: 400, jitter: 0 },
      reservations: { want: 0, waitMs: 300 }
    })
    let lost = 0
    keeper.addEventListener('relay:lost', () => { lost++ })
    keeper.start()
    cleanup.push(async () => { keeper.stop() })
    await expect.poll(() => keeper.list()[0]?.state, { timeout: 10_000 }).toBe('connected')
    await new Promise(resolve => setTimeout(resolve, 1_500))
    expect(lost).toBe(0)
  })
})
