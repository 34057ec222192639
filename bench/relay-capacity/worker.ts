/**
 * One client process of the relay benches: stock js-libp2p clients that each
 * dial the relay over TCP from their own loopback source address and reserve
 * a slot, as many as the coordinator asks for. A client either dials once
 * (libp2p's own packages only: the capacity bench) or is kept on the relay
 * by Peerlink's RelayKeeper, which reconnects with backoff and jitter as a
 * browser's does (the reconnect storm). Driven over IPC (./run.ts, ./storm.ts).
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, type Identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { parseRelayEntry, RelayKeeper, RelayProbes, RESERVATION_WAIT_MS } from '@peerlink/core'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { FromWorker, ToWorker } from './messages.ts'

/** Clients per source address: under the relay's default pending handshakes (8) and new connections per second (16) per IP. */
export const CLIENTS_PER_ADDRESS = 6

type Client = Libp2p<{ identify: Identify, ping: Ping }>

const clients: Client[] = []
/** This process's event-loop delay since the last count: a client process starved of CPU answers its handshakes late. */
const lag = monitorEventLoopDelay({ resolution: 20 })
lag.enable()
const keepers: RelayKeeper[] = []
let stopping = false

function send (message: FromWorker): void {
  process.send?.(message)
}

/** The loopback address client `index` of worker `worker` dials from (127.<worker+1>.x.y). */
function sourceAddress (worker: number, index: number): string {
  const block = Math.floor(index / CLIENTS_PER_ADDRESS)
  return `127.${worker + 1}.${Math.floor(block / 250)}.${(block % 250) + 1}`
}

/** Pings since the last count, and those that failed (any error, or no answer in 10 s). */
let pings = { sent: 0, failed: 0 }

/** Failed relay attempts since the last count, by how long each took (a quick refusal or a timeout) and error. */
let failedAttempts: Record<string, number> = {}

function watchAttempts (keeper: RelayKeeper): void {
  let started = 0
  keeper.addEventListener('relay:connecting', () => { started = performance.now() })
  keeper.addEventListener('relay:error', evt => {
    const s = (performance.now() - started) / 1000
    const took = s < 1 ? '<1 s' : s < 5 ? '1–5 s' : s < 10 ? '5–10 s' : s < 20 ? '10–20 s' : '≥20 s'
    const key = `${took}: ${(evt.detail.error ?? '').replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '<addr>').slice(0, 80)}`
    failedAttempts[key] = (failedAttempts[key] ?? 0) + 1
  })
}

async function reserved (client: Libp2p, relayPeerId: string, signal: AbortSignal): Promise<void> {
  const has = (): boolean => client.getMultiaddrs().some(a => a.toString().includes(`/p2p/${relayPeerId}/p2p-circuit`))
  if (has()) return
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      client.removeEventListener('self:peer:update', onUpdate)
      signal.removeEventListener('abort', onAbort)
      if (err == null) resolve()
      else reject(err)
    }
    const onUpdate = (): void => { if (has()) done() }
    const onAbort = (): void => { done(new Error('no reservation within the timeout')) }
    client.addEventListener('self:peer:update', onUpdate)
    signal.addEventListener('abort', onAbort)
  })
}

/** Makes one client, dials the relay and waits for the reservation; resolves with the ms it took or the error. */
async function addClient (worker: number, index: number, relay: string, relayPeerId: string, timeoutMs: number, keep: boolean): Promise<number | Error> {
  const started = performance.now()
  let client: Client | undefined
  try {
    // @libp2p/tcp hands dialOpts to net.connect, which takes a source address (its type does not list it)
    const dialOpts: TCPSocketOptions & { localAddress: string } = { localAddress: sourceAddress(worker, index) }
    client = await createLibp2p({
      // one reservation on a relay found by identify: the dial below is ours to time (listening on
      // `<relay>/p2p-circuit` instead gives dial and reservation the library's fixed 5 s, too short
      // for a client process making hundreds of clients)
      addresses: { listen: ['/p2p-circuit'] },
      transports: [tcp({ dialOpts }), circuitRelayTransport({ reservationCompletionTimeout: timeoutMs })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: () => false },
      // the dial below carries the bench's timeout; libp2p's own 6 s per address would cut a client's handshake
      // short while its process is busy with hundreds of others (the relay still closes one it has not
      // finished in its --handshake-timeout)
      connectionManager: { dialTimeout: timeoutMs, addressDialTimeout: timeoutMs },
      // no connection monitor, as in a browser; a browser's relay keeper probes its relay, which --client-pings
      // makes these clients do (see startPings)
      connectionMonitor: { enabled: false },
      services: { identify: identify(), ping: ping() }
    })
    clients.push(client)
    const signal = AbortSignal.timeout(timeoutMs)
    if (keep) {
      const keeper = new RelayKeeper({ libp2p: client }, { relays: [parseRelayEntry(relay)], reservations: { want: 1, waitMs: RESERVATION_WAIT_MS } })
      keepers.push(keeper)
      watchAttempts(keeper)
      keeper.start()
    } else {
      await client.dial(multiaddr(relay), { signal })
    }
    await reserved(client, relayPeerId, signal)
    return performance.now() - started
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

async function grow (message: Extract<ToWorker, { type: 'grow' }>): Promise<void> {
  const latencies: number[] = []
  const failures: Record<string, number> = {}
  const interval = 1000 / message.perSecond
  const pending: Array<Promise<void>> = []
  const first = clients.length
  for (let i = 0; i < message.count && !stopping; i++) {
    const index = first + i
    pending.push(addClient(message.worker, index, message.relay, message.relayPeerId, message.timeoutMs, message.keep).then(result => {
      if (typeof result === 'number') latencies.push(result)
      else {
        // libp2p's listen error lists each address's own error on the lines after its first
        const lines = result.message.split('\n').map(l => l.trim()).filter(l => l !== '')
        const key = `${result.name}: ${lines.length > 1 ? lines.slice(1).join(' ') : lines[0] ?? ''}`.replace(/\/p2p\/\w+/g, '/p2p/…').slice(0, 300)
        failures[key] = (failures[key] ?? 0) + 1
      }
    }))
    await new Promise(resolve => setTimeout(resolve, interval))
  }
  await Promise.all(pending)
  send({ type: 'grown', latencies, failures, clients: clients.length, rssBytes: process.memoryUsage.rss() })
}

/** How many clients still hold a reservation (their circuit address is still advertised). */
function count (relayPeerId: string): void {
  const holding = clients.filter(c => c.getMultiaddrs().some(a => a.toString().includes(`/p2p/${relayPeerId}/p2p-circuit`))).length
  // kept clients by their RelayKeeper's state (connecting, connected, reserved, disconnected)
  const states: Record<string, number> = {}
  // the last error of each keeper not holding a reservation (why its last attempt failed)
  const errors: Record<string, number> = {}
  for (const keeper of keepers) {
    const status = keeper.list()[0]
    const state = status?.state ?? 'none'
    states[state] = (states[state] ?? 0) + 1
    if (state !== 'reserved' && status?.error != null) {
      const key = status.error.replace(/\/p2p\/\w+/g, '/p2p/…').replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '<addr>').slice(0, 160)
      errors[key] = (errors[key] ?? 0) + 1
    }
  }
  const lagP99Ms = Math.round(lag.percentile(99) / 1e6)
  lag.reset()
  send({ type: 'counted', holding, clients: clients.length, keepers: states, errors, lagP99Ms, failedAttempts, pings })
  failedAttempts = {}
  pings = { sent: 0, failed: 0 }
}

/**
 * Each client probes the relay over its connection every `intervalMs`, the
 * probes of all clients spread evenly over the interval (a tick every 100 ms
 * probes the next clients in turn), as browsers' relay keepers do: 32 bytes
 * echoed on one ping stream per connection, kept open (RelayProbes). A probe
 * that gets no answer within 10 s counts as failed.
 */
function startPings (intervalMs: number): void {
  const tickMs = 100
  const probes = new RelayProbes()
  let next = 0
  let due = 0
  setInterval(() => {
    if (stopping || clients.length === 0) return
    due += clients.length * tickMs / intervalMs
    for (; due >= 1; due--) {
      const client = clients[next++ % clients.length]
      if (client == null) continue
      const connection = client.getConnections().find(c => c.status === 'open' && c.limits == null)
      if (connection == null) continue
      pings.sent++
      void probes.probe(connection, 10_000, AbortSignal.timeout(15_000)).then(answered => { if (!answered) pings.failed++ })
    }
  }, tickMs)
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'grow') void grow(message)
  else if (message.type === 'count') count(message.relayPeerId)
  else if (message.type === 'pings') startPings(message.intervalMs)
  else if (message.type === 'stop') {
    stopping = true
    keepers.forEach(k => { k.stop() })
    void Promise.allSettled(clients.map(async c => c.stop())).then(() => { process.exit(0) })
  }
})
send({ type: 'ready' })
