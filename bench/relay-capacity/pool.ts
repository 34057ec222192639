/**
 * What the relay benches (./run.ts, ./storm.ts) share: client processes
 * (./worker.ts) driven over IPC, and probes of the relay process (its
 * resident memory and CPU from /proc, /healthz's latency, its V8 heap).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { readProc } from '../../e2e/support/processes.ts'
import type { RelayProcess } from '../support/servers.ts'
import { round } from '../support/stats.ts'
import type { FromWorker, ToWorker } from './messages.ts'

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))
export const MiB = 1024 * 1024

/**
 * The environment the relay is deployed with (relay/Dockerfile, the systemd
 * unit; the capacity smoke test holds them to it): glibc's malloc arenas
 * capped, and V8's young generation larger than its default, so that fewer
 * of each connection's short-lived objects are promoted to the old heap
 * (see docs/relay.md#sizing).
 */
export const DEPLOYED_RELAY_ENV = { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=64' } as const

export interface Worker {
  child: ChildProcess
  /** The next message of `type` (any other type first is an error). */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>>
}

/** Starts one client process; `nodeArgs` go to its node (e.g. --cpu-prof). */
export async function startWorker (nodeArgs: string[] = []): Promise<Worker> {
  const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=8192', ...nodeArgs],
    // libp2p makes a logger for each stream; without this each asks whether stderr is a terminal
    env: { ...process.env, DEBUG_COLORS: '0' } })
  const queue: FromWorker[] = []
  const waiting: Array<(m: FromWorker) => void> = []
  child.on('message', (m: FromWorker) => {
    const take = waiting.shift()
    if (take != null) take(m)
    else queue.push(m)
  })
  const next = async <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> => {
    const m = queue.shift() ?? await new Promise<FromWorker>((resolve, reject) => {
      const exited = (code: number | null): void => { reject(new Error(`client process exited with ${String(code)}`)) }
      // one listener per wait, gone with its answer (a storm asks each process twice a second)
      waiting.push(message => { child.off('exit', exited); resolve(message) })
      child.once('exit', exited)
    })
    if (m.type !== type) throw new Error(`client process said ${m.type}, expected ${type}`)
    return m as Extract<FromWorker, { type: T }>
  }
  await next('ready')
  return { child, next }
}

export async function stopWorkers (workers: Worker[]): Promise<void> {
  await Promise.all(workers.map(async w => {
    if (w.child.exitCode != null) return
    w.child.send({ type: 'stop' } satisfies ToWorker)
    await new Promise(resolve => w.child.once('exit', resolve))
  }))
}

/** From now on every client of every worker pings the relay every `intervalMs` (see worker.ts). */
export function startPings (workers: Worker[], intervalMs: number): void {
  workers.forEach(w => { w.child.send({ type: 'pings', intervalMs } satisfies ToWorker) })
}

/** Clients holding a reservation on `relayPeerId`, over every worker. */
export async function countReserved (workers: Worker[], relayPeerId: string): Promise<number> {
  return (await countClients(workers, relayPeerId)).holding
}

/** Clients holding a reservation on `relayPeerId`, and kept clients by their RelayKeeper's state, over every worker. */
export async function countClients (workers: Worker[], relayPeerId: string): Promise<{ holding: number, keepers: Record<string, number>, errors: Record<string, number>, lagP99Ms: number, failedAttempts: Record<string, number>, pings: { sent: number, failed: number } }> {
  workers.forEach(w => { w.child.send({ type: 'count', relayPeerId } satisfies ToWorker) })
  const counted = await Promise.all(workers.map(async w => w.next('counted')))
  const keepers: Record<string, number> = {}
  const errors: Record<string, number> = {}
  for (const c of counted) for (const [k, v] of Object.entries(c.keepers)) keepers[k] = (keepers[k] ?? 0) + v
  const failedAttempts: Record<string, number> = {}
  for (const c of counted) for (const [k, v] of Object.entries(c.errors)) errors[k] = (errors[k] ?? 0) + v
  for (const c of counted) for (const [k, v] of Object.entries(c.failedAttempts)) failedAttempts[k] = (failedAttempts[k] ?? 0) + v
  const pings = { sent: counted.reduce((n, c) => n + c.pings.sent, 0), failed: counted.reduce((n, c) => n + c.pings.failed, 0) }
  return { holding: counted.reduce((n, c) => n + c.holding, 0), keepers, errors, lagP99Ms: Math.max(0, ...counted.map(c => c.lagP99Ms)), failedAttempts, pings }
}

/** The kernel's counts of connections its TCP listeners' queues had no room for (this network namespace's /proc/net/netstat). */
export async function listenOverflows (): Promise<{ overflows: number, drops: number }> {
  const lines = (await readFile('/proc/net/netstat', 'utf8').catch(() => '')).split('\n').filter(l => l.startsWith('TcpExt:'))
  const names = lines[0]?.split(' ') ?? []
  const values = lines[1]?.split(' ') ?? []
  const value = (name: string): number => Number(values[names.indexOf(name)] ?? 0)
  return { overflows: value('ListenOverflows'), drops: value('ListenDrops') }
}

/** CPU seconds used so far by the client processes, in all. */
export async function workersCpuSeconds (workers: Worker[]): Promise<number> {
  const usages = await Promise.all(workers.map(async w => w.child.pid == null ? undefined : readProc(w.child.pid)))
  return usages.reduce((n, u) => n + (u?.cpuSeconds ?? 0), 0)
}

export async function healthzMs (relay: Pick<RelayProcess, 'http'>, timeoutMs = 30_000): Promise<number> {
  const started = performance.now()
  const res = await fetch(`${relay.http}/healthz`, { signal: AbortSignal.timeout(timeoutMs) })
  await res.arrayBuffer()
  return performance.now() - started
}

export interface RelayHeap {
  heapUsedMiB?: number
  heapTotalMiB?: number
  externalMiB?: number
  /** The relay's event-loop delay p99 (prom-client's, over its last 10 s), ms. */
  eventLoopLagP99Ms?: number
}

/** The relay's V8 heap and external memory, from prom-client's default metrics on /metrics. */
export async function relayHeap (relay: Pick<RelayProcess, 'http'>): Promise<RelayHeap> {
  const text = await (await fetch(`${relay.http}/metrics`, { signal: AbortSignal.timeout(30_000) })).text()
  const value = (name: string): number | undefined => {
    const line = text.split('\n').find(l => l.startsWith(`${name} `))
    return line == null ? undefined : round(Number(line.slice(name.length + 1)) / MiB)
  }
  const lag = text.split('\n').find(l => l.startsWith('nodejs_eventloop_lag_p99_seconds '))
  const figures = {
    heapUsedMiB: value('nodejs_heap_size_used_bytes'),
    heapTotalMiB: value('nodejs_heap_size_total_bytes'),
    externalMiB: value('nodejs_external_memory_bytes'),
    eventLoopLagP99Ms: lag == null ? undefined : round(Number(lag.split(' ')[1]) * 1000, 0)
  }
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => v != null))
}

export async function relayUsage (relay: Pick<RelayProcess, 'process' | 'output'>): Promise<{ rssBytes: number, cpuSeconds: number }> {
  const usage = await readProc(relay.process.pid!)
  if (usage == null) throw new Error(`the relay exited:\n${relay.output().slice(-2000)}`)
  return usage
}

export interface GrowOptions {
  /** New clients in all, shared out over the workers. */
  count: number
  /** New clients per second, over all workers. */
  perSecond: number
  /** The relay's TCP multiaddr (with /p2p/). */
  relay: string
  relayPeerId: string
  /** How long one client may take to connect and reserve, ms. */
  timeoutMs: number
  /** Keep each client on the relay as a browser does (Peerlink's RelayKeeper: reconnects with backoff and jitter). */
  keep?: boolean
}

export interface Grown {
  /** ms from creating each client to its reservation, of those that reserved. */
  latencies: number[]
  /** Failed clients by error. */
  failures: Record<string, number>
  /** The client processes' resident memory, in all. */
  rssBytes: number
}

/** Adds `count` clients over the workers, paced, and waits until each reserved or failed. */
export async function growClients (workers: Worker[], options: GrowOptions): Promise<Grown> {
  const { count } = options
  workers.forEach((worker, w) => {
    const share = Math.floor(count / workers.length) + (w < count % workers.length ? 1 : 0)
    const message: ToWorker = { type: 'grow', worker: w, count: share, perSecond: options.perSecond / workers.length, relay: options.relay, relayPeerId: options.relayPeerId, timeoutMs: options.timeoutMs, keep: options.keep === true }
    worker.child.send(message)
  })
  const grown = await Promise.all(workers.map(async w => w.next('grown')))
  const failures: Record<string, number> = {}
  for (const g of grown) for (const [k, v] of Object.entries(g.failures)) failures[k] = (failures[k] ?? 0) + v
  return { latencies: grown.flatMap(g => g.latencies), failures, rssBytes: grown.reduce((n, g) => n + g.rssBytes, 0) }
}
