/**
 * The DHT at network size: N kad-dht servers (as Peerlink's relays) and some
 * client-mode nodes (as its browsers), on Peerlink's DHT protocol id, spread
 * over a few worker processes. Every node dials a few random servers (its
 * bootstrap list), then runs kad-dht's self query; once the routing tables
 * stop growing, rounds of: a random node provides a random CID, random other
 * nodes (clients and servers by turns) look it up. Each lookup is timed to
 * the first provider and traced by kad-dht's query events (see
 * `LookupTrace`): hops to the peer that named the provider and the peers
 * contacted until then, to set beside log2(N).
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { linePlot, sideBySide } from '../support/plot.ts'
import { percentile, round, type Row } from '../support/stats.ts'
import { now, startCluster, type Cluster, type LookupTrace, type NodeSpec, type StartedNode } from './cluster.ts'

export interface DhtOptions {
  /** DHT servers in the network (N). */
  servers: number
  /** Client-mode nodes besides (default: a tenth of N, at least 2). */
  clients?: number
  /** Worker processes (default 4). */
  workers?: number
  /** Random servers each node dials first (default 3). */
  bootstrap?: number
  /** Provide-then-look-up rounds, each with a fresh CID and provider (default 5). */
  rounds?: number
  /** Lookups per round, one after another, each from a different random node (default 10). */
  lookups?: number
  /** At most this long waiting for the routing tables to stop growing (default 20 s + 100 ms per node). */
  settleMs?: number
  /** One provide or lookup (default 30 s). */
  timeoutMs?: number
  log?(line: string): void
}

export interface Lookup extends LookupTrace {
  round: number
  origin: 'server' | 'client'
}

export interface Spread { p50: number, p95: number, min: number, max: number, n: number }

export interface DhtResult {
  servers: number
  clients: number
  log2N: number
  /** Setting the network up: how long each step took, and the routing tables it left. */
  setup: {
    startMs: number
    bootstrapMs: number
    selfQueryMs: number
    settleMs: number
    dialFailures: number
    selfQueryFailures: number
    /** Nodes (servers or clients) whose routing table was still empty when the lookups began. */
    emptyTables: number
    /** Routing-table sizes of the servers once settled. */
    routingTable: Spread
    /** Open connections per node once settled. */
    connections: Spread
  }
  provideMs: number[]
  lookups: Lookup[]
  /** Over the lookups that found the provider. */
  latencyMs: Spread | null
  hops: Spread | null
  contacted: Spread | null
  found: number
  /** Lookups the origin answered from its own provider store (hops 0). */
  local: number
  load: { start: number[], end: number[] }
}

export function spread (values: number[]): Spread | null {
  if (values.length === 0) return null
  return { p50: percentile(values, 50), p95: percentile(values, 95), min: Math.min(...values), max: Math.max(...values), n: values.length }
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!

/** `count` distinct random items of `items` other than `not`. */
function sample<T> (items: T[], count: number, not?: T): T[] {
  const pool = items.filter(x => x !== not)
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, count)
}

async function randomCid (): Promise<string> {
  return CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString()
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Starts the nodes, spread over the workers by name. */
export async function startNodes (cluster: Cluster, specs: NodeSpec[], host = '127.0.0.1'): Promise<StartedNode[]> {
  const byWorker = new Map<number, NodeSpec[]>()
  for (const spec of specs) {
    const w = cluster.workerOf(spec.name)
    byWorker.set(w, [...(byWorker.get(w) ?? []), spec])
  }
  const started = await Promise.all([...byWorker].map(async ([w, nodes]) => cluster.call(w, 'start', { nodes, host })))
  return started.flat()
}

export async function measureDht (options: DhtOptions): Promise<DhtResult> {
  const log = options.log ?? (() => {})
  const n = options.servers
  const clientCount = options.clients ?? Math.max(2, Math.round(n / 10))
  const workers = options.workers ?? 4
  const bootstrap = Math.min(options.bootstrap ?? 3, n - 1)
  const rounds = options.rounds ?? 5
  const lookupsPerRound = options.lookups ?? 10
  const settleMs = options.settleMs ?? 20_000 + 100 * n
  const timeoutMs = options.timeoutMs ?? 30_000
  const load = { start: loadavg(), end: [] as number[] }

  const cluster = await startCluster({ workers, log })
  try {
    // --- start
    let t = now()
    const specs: NodeSpec[] = [
      ...Array.from({ length: n }, (_, i) => ({ name: `s${i}`, dht: 'server' as const, gossip: false })),
      ...Array.from({ length: clientCount }, (_, i) => ({ name: `c${i}`, dht: 'client' as const, gossip: false }))
    ]
    const nodes = await startNodes(cluster, specs)
    const servers = nodes.filter(x => x.name.startsWith('s'))
    const clients = nodes.filter(x => x.name.startsWith('c'))
    const startMs = now() - t
    log(`DHT N=${n}: ${servers.length} servers and ${clients.length} clients started on ${workers} workers in ${Math.round(startMs)} ms`)

    // --- bootstrap: each node dials a few random servers (a failed dial is retried once with another server)
    t = now()
    const dial = async (from: StartedNode[], count: number): Promise<{ ok: number, failed: number, errors: string[], failedFrom: string[] }> => {
      const links = new Map<number, Array<{ from: string, to: string }>>()
      for (const node of from) {
        const w = cluster.workerOf(node.name)
        for (const to of sample(servers, count, node)) links.set(w, [...(links.get(w) ?? []), { from: node.name, to: to.addr }])
      }
      const answers = await Promise.all([...links].map(async ([w, l]) => cluster.call(w, 'dial', { links: l, concurrency: 4, timeoutMs })))
      return {
        ok: answers.reduce((sum, d) => sum + d.ok, 0),
        failed: answers.reduce((sum, d) => sum + d.failed, 0),
        errors: answers.flatMap(d => d.errors),
        failedFrom: answers.flatMap(d => d.failedFrom)
      }
    }
    const dials = await dial(nodes, bootstrap)
    const dialFailures = dials.failed
    const retried = dials.failed > 0 ? await dial(nodes.filter(x => dials.failedFrom.includes(x.name)), 1) : undefined
    const bootstrapMs = now() - t
    log(`DHT N=${n}: ${dials.ok} bootstrap dials in ${Math.round(bootstrapMs)} ms (${dials.failed} failed${dials.failed > 0 ? `: ${dials.errors[0]}; retried, ${retried?.failed} failed again` : ''})`)

    // --- self queries, servers first (they fill each other's tables), then clients
    t = now()
    const selfQueries = async (group: StartedNode[]): Promise<number> => {
      const byWorker = new Map<number, string[]>()
      for (const node of group) byWorker.set(cluster.workerOf(node.name), [...(byWorker.get(cluster.workerOf(node.name)) ?? []), node.name])
      const answers = await Promise.all([...byWorker].map(async ([w, names]) => cluster.call(w, 'selfQuery', { names, concurrency: 2, timeoutMs })))
      return answers.reduce((sum, a) => sum + a.failed, 0)
    }
    const selfQueryFailures = await selfQueries(servers) + await selfQueries(clients)
    const selfQueryMs = now() - t
    log(`DHT N=${n}: self queries in ${Math.round(selfQueryMs)} ms (${selfQueryFailures} failed)`)

    // --- settle: until the servers' routing tables stop growing (two polls 2 s apart within 1 %)
    t = now()
    let tables = (await cluster.all('tables', {})).flat()
    let total = -1
    while (now() - t < settleMs) {
      const sum = tables.filter(x => x.name.startsWith('s')).reduce((s, x) => s + x.routingTable, 0)
      if (total >= 0 && Math.abs(sum - total) <= total * 0.01) break
      total = sum
      await sleep(2000)
      tables = (await cluster.all('tables', {})).flat()
    }
    // a node left with an empty routing table (its dials failed, on a busy machine) dials and self-queries once more
    const empty = nodes.filter(x => (tables.find(y => y.name === x.name)?.routingTable ?? 0) === 0)
    if (empty.length > 0) {
      log(`DHT N=${n}: ${empty.length} routing table(s) empty; dialling and self-querying again`)
      await dial(empty, bootstrap)
      await selfQueries(empty)
      tables = (await cluster.all('tables', {})).flat()
    }
    const emptyTables = tables.filter(x => x.routingTable === 0).length
    const settledMs = now() - t
    const routingTable = spread(tables.filter(x => x.name.startsWith('s')).map(x => x.routingTable))!
    const connections = spread(tables.map(x => x.connections))!
    const clientTables = tables.filter(x => x.name.startsWith('c')).map(x => x.routingTable)
    log(`DHT N=${n}: settled in ${Math.round(settledMs)} ms; routing table p50 ${routingTable.p50} (${routingTable.min}–${routingTable.max}; clients ${clientTables.join(', ')}), connections p50 ${connections.p50}${emptyTables > 0 ? `; ${emptyTables} still empty` : ''}`)

    // --- rounds
    const provideMs: number[] = []
    const lookups: Lookup[] = []
    for (let round = 0; round < rounds; round++) {
      const cid = await randomCid()
      const provider = pick(nodes)
      const provided = await cluster.call(cluster.workerOf(provider.name), 'provide', { name: provider.name, cid, timeoutMs })
      provideMs.push(provided.ms)
      const others = { server: servers.filter(x => x !== provider), client: clients.filter(x => x !== provider) }
      const used = new Set<string>()
      for (let i = 0; i < lookupsPerRound; i++) {
        let origin: 'server' | 'client' = i % 2 === 0 || others.client.length === 0 ? 'server' : 'client'
        if (others.server.length === 0) origin = 'client'
        const fresh = others[origin].filter(x => !used.has(x.name))
        const from = pick(fresh.length > 0 ? fresh : others[origin])
        used.add(from.name)
        const trace = await cluster.call(cluster.workerOf(from.name), 'findProviders', { name: from.name, cid, timeoutMs })
        lookups.push({ ...trace, round, origin })
      }
      const mine = lookups.filter(l => l.round === round)
      log(`DHT N=${n}: round ${round + 1}/${rounds}: provide ${Math.round(provided.ms)} ms; lookups ${mine.map(l => l.found ? `${Math.round(l.ms)} ms/${l.hops}h` : 'not found').join(', ')}`)
    }

    const hit = lookups.filter(l => l.found)
    load.end = loadavg()
    const latencyMs = spread(hit.map(l => l.ms))
    const hops = spread(hit.map(l => l.hops).filter((h): h is number => h != null))
    const contacted = spread(hit.map(l => l.contacted))
    log(`DHT N=${n}: found ${hit.length}/${lookups.length}; lookup p50 ${Math.round(latencyMs?.p50 ?? NaN)} ms, p95 ${Math.round(latencyMs?.p95 ?? NaN)} ms; ` +
      `hops p50 ${hops?.p50}, p95 ${hops?.p95}; contacted p50 ${contacted?.p50}; log2 N ${round(Math.log2(n), 2)}; load ${load.end.map(x => x.toFixed(1)).join(' ')}`)
    return {
      servers: servers.length,
      clients: clients.length,
      log2N: Math.log2(servers.length),
      setup: { startMs, bootstrapMs, selfQueryMs, settleMs: settledMs, dialFailures, selfQueryFailures, emptyTables, routingTable, connections },
      provideMs,
      lookups,
      latencyMs,
      hops,
      contacted,
      found: hit.length,
      local: hit.filter(l => l.hops === 0).length,
      load
    }
  } finally {
    await cluster.stop()
  }
}

/** The table's rows for one network size. */
export function dhtRows (r: DhtResult): Row[] {
  const name = `DHT N=${r.servers} (+${r.clients} clients)`
  const hit = r.lookups.filter(l => l.found)
  const row = (measurement: string, unit: string, s: Spread | null, values: number[], note: string): Row => ({
    measurement, unit, runs: values, median: s?.p50 ?? null, ...(s != null ? { p95: s.p95, min: s.min, max: s.max } : {}), note
  })
  return [
    row(`${name}: provider lookup`, 'ms', r.latencyMs, hit.map(l => l.ms),
      `to the first provider; found ${r.found}/${r.lookups.length}; provide p50 ${Math.round(percentile(r.provideMs, 50))} ms`),
    row('  hops to the first provider', 'hops', r.hops, hit.map(l => l.hops ?? NaN),
      `log2 N = ${round(r.log2N, 2)}; ${r.local} answered from the origin's own store (0 hops)`),
    row('  peers contacted until then', 'peers', r.contacted, hit.map(l => l.contacted),
      `routing table p50 ${r.setup.routingTable.p50} (${r.setup.routingTable.min}–${r.setup.routingTable.max})`)
  ]
}

/** The figure: lookup latency (p50, p95), and hops and peers contacted beside log2 N, against N (an SVG document). */
export function dhtPlot (results: DhtResult[]): string {
  const at = (f: (r: DhtResult) => number | null | undefined): Array<[number, number | null]> => results.map(r => [r.servers, f(r) ?? null])
  return sideBySide('Provider lookups against network size (simulated, loopback)', [
    linePlot({
      id: 'latency',
      title: 'Lookup latency to the first provider',
      xLabel: 'DHT servers N',
      yLabel: 'ms',
      xScale: 'log2',
      series: [{ name: 'p50', points: at(r => r.latencyMs?.p50) }, { name: 'p95', points: at(r => r.latencyMs?.p95) }]
    }),
    linePlot({
      id: 'hops',
      title: 'Hops and peers contacted',
      xLabel: 'DHT servers N',
      yLabel: 'hops / peers',
      xScale: 'log2',
      series: [
        { name: 'hops p50', points: at(r => r.hops?.p50) },
        { name: 'hops p95', points: at(r => r.hops?.p95) },
        { name: 'peers contacted p50', points: at(r => r.contacted?.p50) },
        { name: 'log2 N', points: at(r => r.log2N), reference: true }
      ]
    })
  ])
}
