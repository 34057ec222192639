/**
 * The relay's own Prometheus metrics (metrics.ts) and /healthz's 503 when the
 * relay can take no reservation, against real relay processes and stock
 * js-libp2p clients: reservations held and refused by reason, circuits open
 * and bytes relayed, connections by transport, peers by kind (clients and an
 * other relay), and the deployment's Grafana dashboard, whose every query
 * names a metric a live relay exports.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { healthz } from './support/healthz.js'
import { startRelay, type RelayProcess } from './support/relay-process.js'
import { reservedAddress, stockClient, type StockClient } from './support/stock-client.js'

const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/dashboards/peerlink-relays.json', import.meta.url))
const ECHO = '/peerlink-test/echo/1.0.0'

const relays: RelayProcess[] = []
const clients: StockClient[] = []
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

  it('tell relays from clients, and every query of the deployment\'s dashboard names a metric the relay exports', async () => {
    const one = await relayWith([])
    const two = await relayWith(['--bootstrap', one.addr('tcp')])
    for (const relay of [one, two]) {
      await scrapeUntil(relay, s => value(s, 'peerlink_relay_peers', { kind: 'relay' }) === 1 && value(s, 'peerlink_relay_peers', { kind: 'client' }) === 0)
    }
    const { names } = await scrape(one)

    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Array<{ title: string, targets: Array<{ expr: string }> }> }
    const exprs = dashboard.panels.flatMap(p => p.targets.map(t => ({ panel: p.title, expr: t.expr })))
    expect(exprs.length).toBeGreaterThanOrEqual(10)
    const used = new Set<string>()
    const missing: string[] = []
    for (const { panel, expr } of exprs) {
      // metric names: identifiers outside label matchers and by/without lists that are not PromQL functions
      const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '')
      const metrics = [...bare.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map(m => m[1]!).filter(n => !/^\d/.test(n))
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
  })
})
