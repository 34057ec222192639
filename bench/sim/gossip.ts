/**
 * A room's gossip under churn: `members` gossipsub nodes in one topic named
 * as Peerlink names a room's topic (`roomTopic`: /peerlink/topic/room/<hash>),
 * plus a few relay nodes that follow the topic (as relays do for their
 * peers). Each member dials one relay and, as Peerlink's members dial each
 * other for direct connections, every online member (or `degree` random
 * ones) when it joins. While members publish at a steady rate, a share of them leave
 * each minute (the node stops) and come back a while later with the same
 * identity. A message counts for the members that were online for its whole
 * lifetime (from its publish to `windowS` later); it is delivered if it
 * reached them within that time.
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { roomTopic } from '@peerlink/core'
import { percentile, round, type Row } from '../support/stats.ts'
import { mapLimit, now, startCluster, type Cluster, type NodeSpec } from './cluster.ts'
import { spread, type Spread } from './dht.ts'

export interface GossipOptions {
  /** Room members (default 50). */
  members?: number
  /** Relay nodes following the topic, never leaving (default 2; 0 for members only). */
  relays?: number
  /** Online members each member dials when it joins: all of them (default), as Peerlink's members do, or this many at random. */
  degree?: number | 'all'
  /** How long messages are published, under churn (default 2). */
  minutes?: number
  /** Share of the members that leave per minute (default 0.2). */
  churnPerMinute?: number
  /** How long a member that left stays away (default 10 s). */
  offlineS?: number
  /** Messages per second, each from a random online member (default 2). */
  rate?: number
  /** A message's lifetime: receipts later than this after its publish do not count (default 5 s). */
  windowS?: number
  /** Before the first message, for the mesh to form (default 5 s). */
  warmupS?: number
  workers?: number
  log?(line: string): void
}

export interface Published {
  id: string
  publisher: string
  at: number
  /** Peers gossipsub sent it to directly. */
  recipients: number
}

export interface GossipResult {
  members: number
  relays: number
  topic: string
  options: Required<Omit<GossipOptions, 'log'>>
  /** Leaves (and returns) during the run. */
  leaves: number
  published: number
  /** (message, member online for the message's whole lifetime) pairs. */
  expected: number
  delivered: number
  deliveryRatio: number
  /** Of the misses, those to a member that had (re)joined less than 2 s before the publish. */
  missedJustJoined: number
  /** Over the delivered pairs, ms from publish to first receipt. */
  latencyMs: (Spread & { p99: number }) | null
  /** Publishes that failed (e.g. the publisher left meanwhile). */
  publishFailures: number
  load: { start: number[], end: number[] }
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Member `name`'s sessions online: [joined, left) (left is Infinity while online). */
type Sessions = Map<string, Array<[number, number]>>

function shuffled<T> (items: T[]): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}

export async function measureGossip (options: GossipOptions = {}): Promise<GossipResult> {
  const o = {
    members: options.members ?? 50,
    relays: options.relays ?? 2,
    degree: options.degree ?? 'all',
    minutes: options.minutes ?? 2,
    churnPerMinute: options.churnPerMinute ?? 0.2,
    offlineS: options.offlineS ?? 10,
    rate: options.rate ?? 2,
    windowS: options.windowS ?? 5,
    warmupS: options.warmupS ?? 5,
    workers: options.workers ?? 4
  }
  const log = options.log ?? (() => {})
  const load = { start: loadavg(), end: [] as number[] }
  const topic = roomTopic(randomBytes(16).toString('hex'))
  const host = '127.0.0.1'
  const timeoutMs = 10_000
  const cluster: Cluster = await startCluster({ workers: o.workers, log })
  try {
    /** Addresses of the running nodes by name. */
    const addrs = new Map<string, string>()
    const online = new Set<string>()
    const sessions: Sessions = new Map()

    const relayNames = Array.from({ length: o.relays }, (_, i) => `r${i}`)
    for (const name of relayNames) {
      const spec: NodeSpec = { name, dht: 'none', gossip: true }
      const joined = await cluster.call(cluster.workerOf(name), 'join', { node: spec, host, dial: [...addrs.values()], topic, timeoutMs })
      addrs.set(name, joined.addr)
    }

    let joins = 0
    const join = async (name: string): Promise<void> => {
      const relay = relayNames.length > 0 ? [addrs.get(relayNames[joins++ % relayNames.length]!)!] : []
      const peers = shuffled([...online]).slice(0, o.degree === 'all' ? undefined : o.degree).map(m => addrs.get(m)!)
      const joined = await cluster.call(cluster.workerOf(name), 'join', { node: { name, dht: 'none', gossip: true }, host, dial: [...relay, ...peers], topic, timeoutMs })
      addrs.set(name, joined.addr)
      online.add(name)
      sessions.set(name, [...(sessions.get(name) ?? []), [joined.at, Infinity]])
    }
    const leave = async (name: string): Promise<void> => {
      online.delete(name)
      const { at } = await cluster.call(cluster.workerOf(name), 'leave', { name })
      addrs.delete(name)
      const mine = sessions.get(name)!
      mine[mine.length - 1]![1] = at
    }

    const memberNames = Array.from({ length: o.members }, (_, i) => `m${i}`)
    const t = now()
    await mapLimit(memberNames, 4, join)
    log(`gossip: ${o.members} members and ${o.relays} relays joined ${topic.slice(0, 30)}… in ${Math.round(now() - t)} ms; warming up ${o.warmupS} s`)
    await sleep(o.warmupS * 1000)

    // --- publish and churn for `minutes`
    const published: Published[] = []
    let publishFailures = 0
    let leaves = 0
    const durationMs = o.minutes * 60_000
    const start = now()
    const inFlight: Array<Promise<unknown>> = []
    const publishing = (async () => {
      for (let k = 0; ; k++) {
        const due = start + k * 1000 / o.rate
        if (due - start >= durationMs) break
        await sleep(Math.max(0, due - now()))
        const from = shuffled([...online])[0]
        if (from == null) continue
        const id = `${k}`
        inFlight.push(cluster.call(cluster.workerOf(from), 'publish', { name: from, topic, id }).then(
          ({ at, recipients }) => { published.push({ id, publisher: from, at, recipients }) },
          () => { publishFailures++ }
        ))
      }
    })()
    const churnEveryMs = o.churnPerMinute > 0 ? 60_000 / (o.churnPerMinute * o.members) : Infinity
    const churning = (async () => {
      for (let k = 1; ; k++) {
        const due = start + k * churnEveryMs
        if (due - start >= durationMs) break
        await sleep(Math.max(0, due - now()))
        const who = shuffled([...online])[0]
        if (who == null) continue
        leaves++
        inFlight.push((async () => {
          await leave(who)
          await sleep(o.offlineS * 1000)
          await join(who)
        })().catch((err: unknown) => { log(`gossip: ${who} leaving and coming back: ${String(err)}`) }))
      }
    })()
    let lastReport = start
    while (now() - start < durationMs) {
      await sleep(1000)
      if (now() - lastReport >= 15_000) {
        lastReport = now()
        log(`gossip: ${Math.round((now() - start) / 1000)} s, ${published.length} published, ${online.size}/${o.members} online, ${leaves} left so far`)
      }
    }
    await Promise.all([publishing, churning])
    // the last messages' lifetime, and the members still away coming back
    await sleep(o.windowS * 1000)
    await Promise.all(inFlight)

    // --- who got what
    const receipts: Record<string, Record<string, number>> = Object.assign({}, ...await cluster.all('receipts', {}))
    const windowMs = o.windowS * 1000
    let expected = 0
    let missedJustJoined = 0
    const latencies: number[] = []
    for (const m of published) {
      for (const name of memberNames) {
        if (name === m.publisher) continue
        const session = (sessions.get(name) ?? []).find(([from, to]) => from <= m.at && to >= m.at + windowMs)
        if (session == null) continue
        expected++
        const got = receipts[name]?.[m.id]
        if (got != null && got - m.at <= windowMs) latencies.push(Math.max(0, got - m.at))
        else if (m.at - session[0] < 2000) missedJustJoined++
      }
    }
    load.end = loadavg()
    const s = spread(latencies)
    return {
      members: o.members,
      relays: o.relays,
      topic,
      options: o,
      leaves,
      published: published.length,
      expected,
      delivered: latencies.length,
      deliveryRatio: expected === 0 ? NaN : latencies.length / expected,
      missedJustJoined,
      latencyMs: s == null ? null : { ...s, p99: percentile(latencies, 99) },
      publishFailures,
      load
    }
  } finally {
    await cluster.stop()
  }
}

/** The table's rows. */
export function gossipRows (r: GossipResult): Row[] {
  const o = r.options
  const name = `gossip, ${r.members} members, ${Math.round(o.churnPerMinute * 100)} %/min churn`
  const missed = r.expected - r.delivered
  return [
    {
      measurement: `${name}: delivery`, unit: '%', runs: [], median: Number.isNaN(r.deliveryRatio) ? null : r.deliveryRatio * 100,
      note: `${r.delivered}/${r.expected} (message, member online throughout) pairs within ${o.windowS} s; ${r.published} messages at ${o.rate}/s, ` +
        `${r.leaves} leaves; ${missed} missed, ${r.missedJustJoined} of them by members joined < 2 s before`
    },
    {
      measurement: '  publish → receipt', unit: 'ms', runs: [], median: r.latencyMs?.p50 ?? null,
      ...(r.latencyMs != null ? { p95: r.latencyMs.p95, min: r.latencyMs.min, max: r.latencyMs.max } : {}),
      note: r.latencyMs == null ? 'nothing delivered' : `p99 ${round(r.latencyMs.p99, 0)} ms; ${o.relays} relays following the topic, each member dials 1 relay + ${o.degree === 'all' ? 'every online member' : `${o.degree} members`}`
    }
  ]
}
