/**
 * The relay keeper's heartbeat, between two real libp2p nodes (WebSockets,
 * Noise, yamux) with a TCP proxy between them that can go silent: its open
 * sockets stay open but carry nothing more, as a connection to a relay that
 * died without closing it does (a relay killed and restarted on the same
 * WebRTC-direct port answers the browser's ICE checks of the old connection).
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
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

  /** A "relay" node that answers pings (when `answerPings`) and counts the probes, behind a proxy; a client keeping it. */
  async function setup (answerPings: boolean, heartbeat = HEARTBEAT): Promise<{ relay: Libp2p, keeper: RelayKeeper, proxy: SilenceableProxy, probes: () => number }> {
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
    if (answerPings) {
      await relay.handle(PING_PROTOCOL, async (stream) => {
        probes++
        for await (const chunk of stream) stream.send(chunk)
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
    return { relay, keeper, proxy, probes: () => probes }
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
    const { keeper, proxy } = await setup(true)
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

  it('keeps a relay connection that answers its probes', async () => {
    const { keeper, probes } = await setup(true)
    await next(keeper, 'relay:connected')
    let lost = 0
    keeper.addEventListener('relay:lost', () => { lost++ })
    const start = probes()
    await new Promise(resolve => setTimeout(resolve, 10 * HEARTBEAT.intervalMs))
    expect(probes() - start).toBeGreaterThanOrEqual(5)
    expect(lost).toBe(0)
    expect(keeper.list()[0]?.state).toBe('connected')
  })

  it('sends no probe during a new connection\'s first interval (kad-dht pings a new relay then, to admit it to its routing table)', async () => {
    const slow = { ...HEARTBEAT, intervalMs: 3_000 }
    const { keeper, probes } = await setup(true, slow)
    await next(keeper, 'relay:connected')
    const connected = performance.now()
    await new Promise(resolve => setTimeout(resolve, slow.intervalMs / 2))
    expect(probes()).toBe(0)
    await expect.poll(probes, { timeout: slow.intervalMs + 5_000 }).toBe(1)
    expect(performance.now() - connected).toBeGreaterThanOrEqual(slow.intervalMs - 50)
  })

  it('keeps a relay connection whose relay refuses the probe: a refusal is an answer', async () => {
    const { keeper } = await setup(false)
    await next(keeper, 'relay:connected')
    let lost = 0
    keeper.addEventListener('relay:lost', () => { lost++ })
    await new Promise(resolve => setTimeout(resolve, 4 * (HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs)))
    expect(lost).toBe(0)
    expect(keeper.list()[0]?.state).toBe('connected')
  })
})
