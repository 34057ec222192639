#!/usr/bin/env node
/**
 * The DHT and gossip at network size, simulated: many Node libp2p nodes on
 * TCP over loopback in a few worker processes (see bench/sim/dht.ts and
 * bench/sim/gossip.ts). Prints a table, writes everything to --out (JSON) and
 * a plot of lookup latency and hops against N beside it (<out>-dht.svg). Run
 * it inside a loopback-only network namespace:
 * `scripts/isolated node bench/sim/run.ts`. See docs/benchmarks.md.
 *
 * Options: --sizes 50,100,200,400 (DHT servers per network), --clients N (a
 * tenth of each size), --rounds 5, --lookups 10 (per round), --members 50,
 * --relays 2, --degree all (members each joining member dials), --minutes 2, --churn 0.2 (share of members leaving
 * per minute), --offline s (10), --rate msgs/s (2), --window s (5),
 * --workers 4, --only dht,gossip, --out <file>.
 */
import { cpus, loadavg, totalmem } from 'node:os'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { formatTable, round, type Row } from '../support/stats.ts'
import { dhtPlot, dhtRows, measureDht, type DhtResult } from './dht.ts'
import { gossipRows, measureGossip, type GossipResult } from './gossip.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,100,200,400' },
    clients: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    lookups: { type: 'string', default: '10' },
    members: { type: 'string', default: '50' },
    relays: { type: 'string', default: '2' },
    degree: { type: 'string', default: 'all' },
    minutes: { type: 'string', default: '2' },
    churn: { type: 'string', default: '0.2' },
    offline: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2' },
    window: { type: 'string', default: '5' },
    workers: { type: 'string', default: '4' },
    only: { type: 'string', default: 'dht,gossip' },
    out: { type: 'string', default: join(ROOT, 'bench/results/sim.json') }
  }
})

function number (name: string, value: string, min = Number.MIN_VALUE): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < min) {
    console.error(`sim: --${name} must be a number ≥ ${min === Number.MIN_VALUE ? '> 0' : min} (got "${value}")`)
    process.exit(2)
  }
  return n
}
const sizes = args.sizes.split(',').map(s => Math.round(number('sizes', s.trim(), 2)))
const only = new Set(args.only.split(',').map(s => s.trim()))
for (const part of only) {
  if (part !== 'dht' && part !== 'gossip') {
    console.error(`sim: --only takes dht, gossip (got "${part}")`)
    process.exit(2)
  }
}

function log (line: string): void {
  console.log(`[sim ${new Date().toISOString().slice(11, 19)}] ${line}`)
}
if (process.env.PEERLINK_ISOLATED !== '1') log('note: not inside a loopback-only network namespace (scripts/isolated node bench/sim/run.ts)')

const load: Record<string, number[]> = { start: loadavg() }
const rows: Row[] = []
const dht: DhtResult[] = []
let gossip: GossipResult | undefined
const failures: string[] = []
const workers = Math.round(number('workers', args.workers, 1))

/** Writes the JSON so far: after each network size and at the end (a long run stopped midway keeps what it measured). */
async function save (): Promise<void> {
  await mkdir(dirname(args.out), { recursive: true })
  await writeFile(args.out, JSON.stringify({
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 1024 ** 3, 1),
      node: process.version,
      network: process.env.PEERLINK_ISOLATED === '1' ? 'loopback-only network namespace' : 'host network',
      loadavg: Object.fromEntries(Object.entries(load).map(([k, v]) => [k, v.map(x => round(x, 2))]))
    },
    options: args,
    rows,
    dht,
    gossip,
    failures
  }, null, 2) + '\n')
}

if (only.has('dht')) {
  for (const servers of sizes) {
    try {
      const r = await measureDht({
        servers,
        ...(args.clients != null ? { clients: Math.round(number('clients', args.clients, 0)) } : {}),
        rounds: Math.round(number('rounds', args.rounds, 1)),
        lookups: Math.round(number('lookups', args.lookups, 1)),
        workers,
        log
      })
      dht.push(r)
      rows.push(...dhtRows(r))
    } catch (err) {
      failures.push(`DHT N=${servers}: ${err instanceof Error ? err.message : String(err)}`)
      rows.push({ measurement: `DHT N=${servers}: provider lookup`, runs: [], median: null, unit: 'ms', note: `failed: ${String(err).split('\n')[0]}` })
    }
    load[`afterDht${servers}`] = loadavg()
    await save()
  }
}
if (only.has('gossip')) {
  try {
    gossip = await measureGossip({
      members: Math.round(number('members', args.members, 2)),
      relays: Math.round(number('relays', args.relays, 0)),
      degree: args.degree === 'all' ? 'all' : Math.round(number('degree', args.degree, 0)),
      minutes: number('minutes', args.minutes),
      churnPerMinute: number('churn', args.churn, 0),
      offlineS: number('offline', args.offline, 0),
      rate: number('rate', args.rate),
      windowS: number('window', args.window),
      workers,
      log
    })
    rows.push(...gossipRows(gossip))
  } catch (err) {
    failures.push(`gossip: ${err instanceof Error ? err.message : String(err)}`)
    rows.push({ measurement: 'gossip: delivery', runs: [], median: null, unit: '%', note: `failed: ${String(err).split('\n')[0]}` })
  }
  load.afterGossip = loadavg()
}
load.end = loadavg()

// the table: each lookup's value is in the JSON, not in the table
console.log(`\n${formatTable(rows.map(r => ({ ...r, runs: [] })))}\n`)
for (const f of failures) console.log(`failed: ${f}`)
console.log(`(load average ${load.start![0]!.toFixed(1)} → ${load.end[0]!.toFixed(1)} on ${cpus().length} cores; ${workers} worker processes; lookups and receipts timed in the workers)`)

await save()
log(`wrote ${args.out}`)

if (dht.length > 0) {
  const svg = join(dirname(args.out), `${basename(args.out, '.json')}-dht.svg`)
  await writeFile(svg, dhtPlot(dht))
  log(`wrote ${svg}`)
}
process.exitCode = failures.length > 0 ? 1 : 0
