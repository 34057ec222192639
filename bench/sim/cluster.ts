/**
 * The parent side of the simulation: a few worker processes
 * (bench/sim/worker.ts, `child_process.fork` with IPC), each hosting many
 * nodes, and a typed request/answer call into them. Which node lives where
 * is the caller's choice (a node's name picks its worker); the operations
 * are the `SimOps` below.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** A node to start: its name (unique in the cluster) and what it runs. */
export interface NodeSpec {
  name: string
  dht: 'server' | 'client' | 'none'
  gossip: boolean
}

export interface StartedNode {
  name: string
  peerId: string
  /** Its TCP listen address with /p2p/<peerId>. */
  addr: string
}

/** A provider lookup as kad-dht's query events tell it (see bench/sim/worker.ts). */
export interface LookupTrace {
  /** From the call to the first provider event (or to the end or the timeout). */
  ms: number
  found: boolean
  /**
   * Hops to the peer that answered with the first provider: 1 for a peer of
   * the origin's own routing table, 2 for a peer one of those named, and so
   * on; 0 when the origin held the record itself.
   */
  hops: number | null
  /** Distinct peers a query was sent to before the first provider. */
  contacted: number
  /** Query errors (failed dials, timeouts, bad answers) before the first provider. */
  errors: number
}

/** Every operation a worker does: its arguments and its answer. */
export interface SimOps {
  /** Creates and starts these nodes (a name seen before keeps its private key: the same identity). */
  start: { args: { nodes: NodeSpec[], host: string }, result: StartedNode[] }
  /** Dials, for each link, `to` (a multiaddr with /p2p/) from node `from`; failures are counted, not thrown. */
  dial: { args: { links: Array<{ from: string, to: string }>, concurrency: number, timeoutMs: number }, result: { ok: number, failed: number, errors: string[], failedFrom: string[] } }
  /** Each named node looks up the peers closest to itself (kad-dht's self query), to fill routing tables. */
  selfQuery: { args: { names: string[], concurrency: number, timeoutMs: number }, result: { failed: number } }
  /** Routing-table size and open connections of every running node. */
  tables: { args: Record<string, never>, result: Array<{ name: string, routingTable: number, connections: number }> }
  provide: { args: { name: string, cid: string, timeoutMs: number }, result: { ms: number } }
  findProviders: { args: { name: string, cid: string, timeoutMs: number }, result: LookupTrace }
  /** Starts the member (same identity as before if it ran already), dials these addresses, subscribes to the topic. */
  join: { args: { node: NodeSpec, host: string, dial: string[], topic: string, timeoutMs: number }, result: StartedNode & { at: number, dialed: number } }
  /** Stops the node; `at` is when it was told to. */
  leave: { args: { name: string }, result: { at: number } }
  /** Publishes message `id` on the topic from node `name`; `at` is just before the publish call. */
  publish: { args: { name: string, topic: string, id: string }, result: { at: number, recipients: number } }
  /** Every member's first receipt of each message id (ms, the same clock as `at`). */
  receipts: { args: Record<string, never>, result: Record<string, Record<string, number>> }
  stopAll: { args: Record<string, never>, result: null }
}
export type OpName = keyof SimOps

export interface Request { id: number, op: OpName, args: unknown }
export type Reply = { id: number, ok: true, value: unknown } | { id: number, ok: false, error: string }

/** A clock every process on the machine shares (wall clock, sub-millisecond). */
export function now (): number {
  return performance.timeOrigin + performance.now()
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

export interface Cluster {
  readonly size: number
  /** The worker a node of this name lives on (stable for the cluster's life). */
  workerOf(name: string): number
  call<K extends OpName>(worker: number, op: K, args: SimOps[K]['args']): Promise<SimOps[K]['result']>
  /** The same call on every worker, answers in worker order. */
  all<K extends OpName>(op: K, args: SimOps[K]['args']): Promise<Array<SimOps[K]['result']>>
  /** Stops every node and ends the workers (once, however often called). */
  stop(): Promise<void>
}

export interface ClusterOptions {
  workers: number
  /** Each worker's stderr lines, prefixed with its number (kad-dht and libp2p log nothing unless DEBUG is set). */
  log?(line: string): void
}

/** Forks the workers and waits until each is ready for calls. */
export async function startCluster (options: ClusterOptions): Promise<Cluster> {
  const children: ChildProcess[] = []
  const pending = new Map<number, { resolve(v: unknown): void, reject(e: Error): void }>()
  let nextId = 0
  for (let i = 0; i < options.workers; i++) {
    const child = fork(WORKER, [String(i)], {
      // plain node with its type stripping, whoever forks (vitest runs tests with its own flags)
      execArgv: [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced'
    })
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      for (const line of s.split('\n').filter(l => l.trim() !== '')) options.log?.(`worker ${i}: ${line}`)
    })
    child.on('message', (msg: Reply | 'ready') => {
      if (msg === 'ready') return
      const p = pending.get(msg.id)
      if (p == null) return
      pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.value)
      else p.reject(new Error(`worker ${i}: ${msg.error}`))
    })
    child.once('exit', (code, signal) => {
      for (const [id, p] of pending) {
        if (id % options.workers !== i) continue
        pending.delete(id)
        p.reject(new Error(`worker ${i} exited (${signal ?? code})`))
      }
    })
    children.push(child)
  }
  await Promise.all(children.map(async (child, i) => new Promise<void>((resolve, reject) => {
    const onExit = (): void => { reject(new Error(`worker ${i} exited before it was ready`)) }
    child.once('exit', onExit)
    child.once('message', () => { child.off('exit', onExit); resolve() })
  })))

  const call = async <K extends OpName>(worker: number, op: K, args: SimOps[K]['args']): Promise<SimOps[K]['result']> => {
    // ids are ≡ worker (mod workers), so a worker's exit fails only its own calls
    const id = (nextId++) * options.workers + worker
    const child = children[worker]
    if (child == null || child.exitCode != null || child.signalCode != null) throw new Error(`worker ${worker} is not running`)
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      child.send({ id, op, args } satisfies Request)
    })
  }
  const workerOf = (name: string): number => {
    let h = 0
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0
    return h % options.workers
  }
  let stopped: Promise<void> | undefined
  return {
    size: options.workers,
    workerOf,
    call,
    all: async (op, args) => Promise.all(children.map(async (_, i) => call(i, op, args))),
    stop: async () => {
      stopped ??= (async () => {
        await Promise.all(children.map(async (child, i) => {
          if (child.exitCode != null || child.signalCode != null) return
          const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
          await Promise.race([call(i, 'stopAll', {}).catch(() => null), new Promise(resolve => setTimeout(resolve, 15_000))])
          child.disconnect()
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
          await exited
          clearTimeout(timer)
        }))
      })()
      return stopped
    }
  }
}

/** Runs `fn` on each item, at most `concurrency` at a time. */
export async function mapLimit<T, R> (items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!, i)
    }
  }))
  return results
}
