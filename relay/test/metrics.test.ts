/**
 * The relay's own Prometheus metrics (metrics.ts) and /healthz's 503 when the
 * relay can take no reservation (its reservation store or its connections
 * full), against real relay processes, stock js-libp2p clients and a Peerlink
 * peer: reservations held and refused by reason, circuits open and bytes
 * relayed, connections by transport, peers by kind (clients and an other
 * relay), topics followed for a room; and the deployment's Grafana dashboard
 * and Prometheus alert rules, whose every query names a metric a live relay
 * exports.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { createPeer, loadOrCreateIdentity, MemoryKeyStore, parseRelayList } from '@peerlink/core'
import { afterEach, describe, expect, it } from 'vitest'
import { connectionTransport } from '../src/metrics.js'
import { healthz, healthzUntil } from './support/healthz.js'
import { startRelay, type RelayProcess } from './support/relay-process.js'
import { reservedAddress, stockClient, type StockClient } from './support/stock-client.js'

const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/dashboards/peerlink-relays.json', import.meta.url))
const ALERTS = fileURLToPath(new URL('../../deploy/prometheus/alerts.yml', import.meta.url))
/** A PeerId for the addresses below (a relay's, from the tests' fixtures). */
const ID = '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4'
const ECHO = '/peerlink-test/echo/1.0.0'

const relays: RelayProcess[] = []
const clients: Array<Pick<StockClient, 'stop'>> = []
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map(async c => c.stop()))
  await Promise.allSettled(relays.splice(0).map(async r => r.stop()))
})

async function relayWith (args: string[]): Promise<RelayProcess> {
  const relay = await startRelay(args)
  relays.push(relay)
  return relay
}

async function client (): Promise<StockClient> {
  const c = await stockClient()
  clients.push(c)
  return c
}

/** One sample: a metric name with its labels, and its value. */
interface Sample { name: string, labels: Record<string, string>, value: number }

/** The relay's /metrics: samples and the names declared by `# TYPE` lines. */
async function scrape (relay: RelayProcess): Promise<{ samples: Sample[], names: Set<string>, text: string }> {
  const text = await (await fetch(`${relay.http}/metrics`)).text()
  const samples: Sample[] = []
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line)
    if (type != null) {
      names.add(type[1]!)
      // a histogram or summary's series
      if (type[2] === 'histogram' || type[2] === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(type[1]! + s)
      continue
    }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m == null) continue
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return { samples, names, text }
}

/** The value of `name` with (at least) `labels`, or undefined when the relay exports no such series. */
function value (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

/** The metric names a PromQL expression reads: identifiers outside label matchers, ranges and by/without lists that are not functions. */
function metricNames (expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '')
  return [...bare.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map(m => m[1]!).filter(n => !/^\d/.test(n))
}

/** Scrapes until `done` holds (the relay has no event stream to await); fails with the last scrape. */
async function scrapeUntil (relay: RelayProcess, done: (samples: Sample[]) => boolean, ms = 15_000): Promise<Sample[]> {
  const deadline = performance.now() + ms
  let last: Sample[] = []
  while (performance.now() < deadline) {
    last = (await scrape(relay)).samples
    if (done(last)) return last
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  throw new Error(`timed out waiting for ${done.toString()}; peerlink_relay_* was:\n${last.filter(s => s.name.startsWith('peerlink_relay')).map(s => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).join('\n')}`)
}

describe('relay metrics', () => {
  it('count reservations held and refused by reason, and /healthz answers 503 "full" while no reservation can be taken', async () => {
    const relay = await relayWith(['--max-reservations', '1', '--reservation-grace', '500'])
    const first = await scrape(relay)
    expect(value(first.samples, 'peerlink_relay_up')).toBe(1)
    expect(value(first.samples, 'peerlink_relay_reservations')).toBe(0)
    // both reasons exist from the start, at 0
    expect(value(first.samples, 'peerlink_relay_reservations_refused_total', { reason: 'store_full' })).toBe(0)
    expect(value(first.samples, 'peerlink_relay_reservations_refused_total', { reason: 'stopping' })).toBe(0)
    expect(value(first.samples, 'peerlink_relay_info', { peer_id: relay.peerId })).toBe(1)

    const a = await client()
    await a.dial(multiaddr(relay.addr('tcp')))
    await reservedAddress(a, relay.peerId, { signal: AbortSignal.timeout(10_000) })
    const held = await scrapeUntil(relay, s => value(s, 'peerlink_relay_peers', { kind: 'client' }) === 1)
    expect(value(held, 'peerlink_relay_reservations')).toBe(1)
    expect(value(held, 'peerlink_relay_connections', { transport: 'tcp' })).toBe(1)
    expect(value(held, 'peerlink_relay_connections', { transport: 'websockets' })).toBe(0)
    expect(value(held, 'peerlink_relay_peers', { kind: 'relay' })).toBe(0)
    // the store is full, but held by a connected peer: no one else can reserve
    const full = await healthz(relay.http)
    expect(full.httpStatus).toBe(503)
    expect(full).toMatchObject({ status: 'full', reason: 'reservations full', reservations: 1 })
    expect(value(held, 'peerlink_relay_up')).toBe(0)

    // a second client asks and is refused for a full store
    const b = await client()
    await b.dial(multiaddr(relay.addr('tcp')))
    const refused = await scrapeUntil(relay, s => (value(s, 'peerlink_relay_reservations_refused_total', { reason: 'store_full' }) ?? 0) >= 1)
    expect(value(refused, 'peerlink_relay_reservations_refused_total', { reason: 'stopping' })).toBe(0)
    expect(value(refused, 'peerlink_relay_reservations')).toBe(1)

    // the holder leaves: its reservation can make room at once, so the relay accepts again
    await a.stop()
    await scrapeUntil(relay, s => value(s, 'peerlink_relay_up') === 1)
    expect((await healthz(relay.http)).httpStatus).toBe(200)
  })

  it('count circuits open and the bytes relayed through them', async () => {
    const relay = await relayWith([])
    const a = await client()
    await a.handle(ECHO, (stream) => {
      stream.addEventListener('message', evt => { stream.send(evt.data) })
      stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
    }, { runOnLimitedConnection: true })
    await a.dial(multiaddr(relay.addr('tcp')))
    const circuit = await reservedAddress(a, relay.peerId, { signal: AbortSignal.timeout(10_000) })
    const before = (await scrape(relay)).samples
    expect(value(before, 'peerlink_relay_circuits')).toBe(0)

    const b = await client()
    const stream = await b.dialProtocol(multiaddr(circuit), ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
    const size = 64 * 1024
    let echoed = 0
    const back = new Promise<void>(resolve => {
      stream.addEventListener('message', evt => {
        echoed += evt.data.byteLength
        if (echoed >= size) resolve()
      })
    })
    stream.send(new Uint8Array(size).fill(7))
    await back
    const open = await scrapeUntil(relay, s => value(s, 'peerlink_relay_circuits') === 1)
    const bytes = (value(open, 'peerlink_relay_relayed_bytes_total') ?? 0) - (value(before, 'peerlink_relay_relayed_bytes_total') ?? 0)
    console.log('circuit: %d bytes each way, %d counted as relayed', size, bytes)
    // there and back, plus the circuit's setup messages and yamux/noise framing
    expect(bytes).toBeGreaterThanOrEqual(2 * size)
    expect(bytes).toBeLessThan(2 * size * 1.1 + 4096)
    expect(value(open, 'peerlink_relay_peers', { kind: 'client' })).toBe(2)

    await b.hangUp(multiaddr(circuit))
    await scrapeUntil(relay, s => value(s, 'peerlink_relay_circuits') === 0)
  })

  it('tell relays from clients, and every query of the deployment\'s dashboard and alert rules names a metric the relay exports', async () => {
    const one = await relayWith([])
    const two = await relayWith(['--bootstrap', one.addr('tcp')])
    for (const relay of [one, two]) {
      await scrapeUntil(relay, s => value(s, 'peerlink_relay_peers', { kind: 'relay' }) === 1 && value(s, 'peerlink_relay_peers', { kind: 'client' }) === 0)
    }
    const { names, samples } = await scrape(one)

    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Array<{ title: string, targets: Array<{ expr: string }> }> }
    const exprs = dashboard.panels.flatMap(p => p.targets.map(t => ({ panel: p.title, expr: t.expr })))
    expect(exprs.length).toBeGreaterThanOrEqual(10)
    const used = new Set<string>()
    const missing: string[] = []
    for (const { panel, expr } of exprs) {
      const metrics = metricNames(expr)
      expect(metrics.length, `${panel}: ${expr}`).toBeGreaterThan(0)
      for (const name of metrics) {
        used.add(name)
        if (!names.has(name)) missing.push(`${panel}: ${name}`)
      }
    }
    expect(missing, 'dashboard queries naming metrics the relay does not export').toEqual([])
    // and the dashboard shows each of the relay's own measures
    for (const name of ['peerlink_relay_up', 'peerlink_relay_reservations', 'peerlink_relay_reservations_refused_total', 'peerlink_relay_circuits',
      'peerlink_relay_relayed_bytes_total', 'peerlink_relay_connections', 'peerlink_relay_peers', 'peerlink_relay_followed_topics',
      'libp2p_kad_dht_routing_table_size', 'nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes']) {
      expect(used, name).toContain(name)
    }

    // the alert rules: each metric exported (but `up`, which Prometheus makes for every target), each label matcher
    // naming a series the relay exports (but `job` and `instance`, which Prometheus adds)
    const rules = [...(await readFile(ALERTS, 'utf8')).matchAll(/^\s*- alert: (\S+)\n\s*expr: (.+)$/gm)].map(m => ({ alert: m[1]!, expr: m[2]! }))
    expect(rules.map(r => r.alert)).toEqual(['RelayDown', 'RelayNotAcceptingReservations', 'RelayRefusingReservations', 'RelayEventLoopLag', 'RelaysApart'])
    const wrong: string[] = []
    for (const { alert, expr } of rules) {
      const metrics = metricNames(expr).filter(n => n !== 'up')
      if (alert !== 'RelayDown') expect(metrics.length, `${alert}: ${expr}`).toBeGreaterThan(0)
      for (const name of metrics) if (!names.has(name)) wrong.push(`${alert}: ${name} is not exported`)
      for (const [, name, matchers] of expr.matchAll(/\b([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
        if (name === 'up') continue
        for (const [, label, v] of matchers!.matchAll(/(\w+)="([^"]*)"/g)) {
          if (label === 'job' || label === 'instance') continue
          if (value(samples, name!, { [label!]: v! }) == null) wrong.push(`${alert}: no ${name}{${label}="${v}"}`)
        }
      }
    }
    expect(wrong, 'alert rules naming series the relay does not export').toEqual([])
  })

  it('/healthz answers 503 "connections full" and peerlink_relay_up is 0 at --max-connections, and both recover when a connection closes', async () => {
    const relay = await relayWith(['--max-connections', '1'])
    expect((await healthz(relay.http)).httpStatus).toBe(200)
    expect(value((await scrape(relay)).samples, 'peerlink_relay_up')).toBe(1)

    // one client connected (no reservation asked): the relay has room for no other connection
    const a = await client()
    await a.dial(multiaddr(relay.addr('tcp')))
    const full = await healthzUntil(relay.http, h => h.connections === 1)
    expect(full).toMatchObject({ status: 'full', reason: 'connections full', connections: 1 })
    expect((await healthz(relay.http)).httpStatus).toBe(503)
    const samples = (await scrape(relay)).samples
    expect(value(samples, 'peerlink_relay_up')).toBe(0)
    expect(value(samples, 'peerlink_relay_connections', { transport: 'tcp' })).toBe(1)

    await a.stop()
    await healthzUntil(relay.http, h => h.status === 'ok')
    expect((await healthz(relay.http)).httpStatus).toBe(200)
    expect(value((await scrape(relay)).samples, 'peerlink_relay_up')).toBe(1)
  })

  it('count the topics followed for a Peerlink peer in a room, and none once it has left', async () => {
    const relay = await relayWith([])
    expect(value((await scrape(relay)).samples, 'peerlink_relay_followed_topics')).toBe(0)
    const peer = await createPeer({ privateKey: await loadOrCreateIdentity(new MemoryKeyStore()), relays: parseRelayList(relay.infoUrl).relays, webrtc: false })
    clients.push(peer)
    if (peer.relays()[0]?.state !== 'reserved') await new Promise(resolve => { peer.addEventListener('relay:reserved', resolve, { once: true }) })
    // creating a room subscribes to its gossipsub topic; the relay follows it for its peer
    await peer.rooms.create()
    const following = await scrapeUntil(relay, s => (value(s, 'peerlink_relay_followed_topics') ?? 0) >= 1)
    expect(value(following, 'peerlink_relay_followed_topics')).toBe(1)
    expect(value(following, 'peerlink_relay_quiet_topics')).toBe(0)
    expect(value(following, 'peerlink_relay_peers', { kind: 'client' })).toBe(1)

    // its only follower gone, the relay leaves the topic
    await peer.stop()
    await scrapeUntil(relay, s => value(s, 'peerlink_relay_followed_topics') === 0)
  })
})

describe('connectionTransport', () => {
  it.each([
    ['/ip4/203.0.113.10/tcp/9001/ws', 'websockets'],
    [`/ip4/203.0.113.10/tcp/9001/ws/p2p/${ID}`, 'websockets'],
    ['/dns4/relay1.example.org/tcp/443/tls/ws', 'websockets'],
    ['/dns4/relay1.example.org/tcp/443/wss', 'websockets'],
    ['/ip6/::1/tcp/9001/ws', 'websockets'],
    ['/ip4/203.0.113.10/udp/9002/webrtc-direct', 'webrtc-direct'],
    [`/ip4/203.0.113.10/udp/9002/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g/p2p/${ID}`, 'webrtc-direct'],
    ['/ip4/203.0.113.10/tcp/9003', 'tcp'],
    [`/ip4/203.0.113.10/tcp/9003/p2p/${ID}`, 'tcp'],
    [`/ip4/203.0.113.10/tcp/9001/ws/p2p/${ID}/p2p-circuit`, 'other'],
    [`/ip4/203.0.113.10/udp/9002/webrtc-direct/p2p/${ID}/p2p-circuit/p2p/${ID}`, 'other'],
    ['/ip4/203.0.113.10/udp/9004/quic-v1', 'other']
  ])('%s is counted as %s', (address, transport) => {
    expect(connectionTransport({ remoteAddr: multiaddr(address) })).toBe(transport)
  })
})
