/**
 * One worker process of the simulation (forked by bench/sim/cluster.ts):
 * hosts many libp2p nodes and does what the parent asks over IPC (`SimOps`).
 * Timings are taken here, next to the nodes.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { mapLimit, now, type LookupTrace, type OpName, type Reply, type Request, type SimOps, type StartedNode } from './cluster.ts'
import { createSimNode, type SimNode } from './node.ts'

const nodes = new Map<string, SimNode>()
/** Private keys by node name: a member that leaves and comes back keeps its identity. */
const keys = new Map<string, PrivateKey>()
/** member name → message id → first receipt. */
const receipts = new Map<string, Map<string, number>>()

async function drain (events: AsyncIterable<unknown>): Promise<void> {
  const it = events[Symbol.asyncIterator]()
  while ((await it.next()).done !== true) {
    // kad-dht's query events: not needed here
  }
}

async function keyOf (name: string): Promise<PrivateKey> {
  let key = keys.get(name)
  if (key == null) {
    key = await generateKeyPair('Ed25519')
    keys.set(name, key)
  }
  return key
}

function nodeOf (name: string): SimNode {
  const node = nodes.get(name)
  if (node == null) throw new Error(`no running node ${name}`)
  return node
}

function dhtOf (name: string): NonNullable<SimNode['services']['dht']> {
  const dht = nodeOf(name).services.dht
  if (dht == null) throw new Error(`node ${name} runs no DHT`)
  return dht
}

function started (name: string, node: SimNode): StartedNode {
  const addr = node.getMultiaddrs()[0]
  if (addr == null) throw new Error(`node ${name} listens nowhere`)
  return { name, peerId: node.peerId.toString(), addr: addr.toString() }
}

async function startNode (spec: SimOps['start']['args']['nodes'][number], host: string): Promise<SimNode> {
  if (nodes.has(spec.name)) throw new Error(`node ${spec.name} is already running`)
  const node = await createSimNode({ privateKey: await keyOf(spec.name), host, dht: spec.dht, gossip: spec.gossip })
  nodes.set(spec.name, node)
  return node
}

/**
 * A provider lookup, traced by kad-dht's query events: a peer the origin
 * queried first (from its own routing table) is at hop 1; a peer first named
 * as closer by a peer at hop h is at hop h + 1. The first PROVIDER event's
 * `from` gives the hops; the query stops there.
 */
async function findProviders ({ name, cid, timeoutMs }: SimOps['findProviders']['args']): Promise<LookupTrace> {
  const node = nodeOf(name)
  const dht = dhtOf(name)
  const self = node.peerId.toString()
  const hop = new Map<string, number>()
  const contacted = new Set<string>()
  let errors = 0
  const start = now()
  try {
    for await (const event of dht.findProviders(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) })) {
      if (event.name === 'SEND_QUERY') {
        const to = event.to.toString()
        contacted.add(to)
        if (!hop.has(to)) hop.set(to, 1)
      } else if (event.name === 'PEER_RESPONSE') {
        const from = hop.get(event.from.toString()) ?? 1
        for (const peer of event.closer) {
          const id = peer.id.toString()
          if (!hop.has(id)) hop.set(id, from + 1)
        }
      } else if (event.name === 'QUERY_ERROR') {
        errors++
      } else if (event.name === 'PROVIDER') {
        const from = event.from.toString()
        return { ms: now() - start, found: true, hops: from === self ? 0 : (hop.get(from) ?? null), contacted: contacted.size, errors }
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError' && (err as Error).name !== 'TimeoutError') throw err
  }
  return { ms: now() - start, found: false, hops: null, contacted: contacted.size, errors }
}

const ops: { [K in OpName]: (args: SimOps[K]['args']) => Promise<SimOps[K]['result']> } = {
  start: async ({ nodes: specs, host }) => mapLimit(specs, 8, async spec => started(spec.name, await startNode(spec, host))),

  dial: async ({ links, concurrency, timeoutMs }) => {
    let ok = 0
    const errors: string[] = []
    const failedFrom: string[] = []
    await mapLimit(links, concurrency, async ({ from, to }) => {
      try {
        await nodeOf(from).dial(multiaddr(to), { signal: AbortSignal.timeout(timeoutMs) })
        ok++
      } catch (err) {
        errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
        failedFrom.push(from)
      }
    })
    return { ok, failed: errors.length, errors: errors.slice(0, 5), failedFrom }
  },

  selfQuery: async ({ names, concurrency, timeoutMs }) => {
    let failed = 0
    await mapLimit(names, concurrency, async name => {
      try {
        const node = nodeOf(name)
        // the answers fill the routing table
        await drain(dhtOf(name).getClosestPeers(node.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(timeoutMs) }))
      } catch {
        failed++
      }
    })
    return { failed }
  },

  tables: async () => [...nodes].map(([name, node]) => ({
    name,
    routingTable: (node.services.dht as { routingTable?: { size: number } } | undefined)?.routingTable?.size ?? 0,
    connections: node.getConnections().length
  })),

  provide: async ({ name, cid, timeoutMs }) => {
    const start = now()
    // done when the records are sent
    await drain(dhtOf(name).provide(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) }))
    return { ms: now() - start }
  },

  findProviders,

  join: async ({ node: spec, host, dial, topic, timeoutMs }) => {
    const node = await startNode(spec, host)
    const pubsub = node.services.pubsub
    if (pubsub == null) throw new Error(`node ${spec.name} runs no gossipsub`)
    const got = receipts.get(spec.name) ?? new Map<string, number>()
    receipts.set(spec.name, got)
    pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic !== topic) return
      const id = new TextDecoder().decode(evt.detail.data)
      if (!got.has(id)) got.set(id, now())
    })
    pubsub.subscribe(topic)
    let dialed = 0
    await Promise.all(dial.map(async addr => {
      try {
        await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(timeoutMs) })
        dialed++
      } catch {
        // a peer that left meanwhile
      }
    }))
    return { ...started(spec.name, node), at: now(), dialed }
  },

  leave: async ({ name }) => {
    const at = now()
    const node = nodeOf(name)
    nodes.delete(name)
    await node.stop()
    return { at }
  },

  publish: async ({ name, topic, id }) => {
    const pubsub = nodeOf(name).services.pubsub
    if (pubsub == null) throw new Error(`node ${name} runs no gossipsub`)
    const at = now()
    const result = await pubsub.publish(topic, new TextEncoder().encode(id))
    return { at, recipients: result.recipients.length }
  },

  receipts: async () => Object.fromEntries([...receipts].map(([name, got]) => [name, Object.fromEntries(got)])),

  stopAll: async () => {
    const all = [...nodes.values()]
    nodes.clear()
    await Promise.allSettled(all.map(async node => node.stop()))
    return null
  }
}

process.on('message', (msg: Request) => {
  const op = ops[msg.op] as (args: unknown) => Promise<unknown>
  op(msg.args).then(
    (value) => { process.send?.({ id: msg.id, ok: true, value } satisfies Reply) },
    (err: unknown) => { process.send?.({ id: msg.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies Reply) }
  )
})
// the parent went away (done, or killed): nothing left to do
process.on('disconnect', () => { process.exit(0) })
process.send?.('ready')
