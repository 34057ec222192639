/**
 * Relay capacity: one relay process (the built CLI), and stock js-libp2p
 * clients spread over several processes (./worker.ts) that reserve slots on
 * it in steps, up to `--relay-peers` or until something fails. After each
 * step: the relay's resident memory per reserved peer, reservation latency
 * p50/p99, the relay's CPU while the step's clients arrived, and /healthz's
 * latency. Runs inside a loopback-only namespace (clients dial from their own
 * 127.x.y.z addresses, a dozen per address, as users behind many NATs would).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { startRelay, type RelayProcess } from '../support/servers.ts'
import { linePlot, sideBySide } from '../support/plot.ts'
import { percentile, round } from '../support/stats.ts'
import { countClients, growClients, healthzMs, MiB, relayHeap, relayUsage, startPings, startWorker, stopWorkers, workersCpuSeconds, type Worker } from './pool.ts'

export interface CapacityOptions {
  /** Reserved peers to reach, in order (e.g. 500, 1000, 2000, 5000, 10000). */
  steps: number[]
  /** Client processes. */
  workers: number
  /** New clients per second, over all workers. */
  perSecond: number
  /** How long one client may take to connect and reserve, ms. */
  timeoutMs: number
  /** Wait after a step before reading the relay's memory, ms. */
  settleMs: number
  /** Extra relay CLI arguments (the bench raises --max-reservations and --max-connections to the largest step). */
  relayArgs?: string[]
  /** Extra environment for the relay process (e.g. MALLOC_ARENA_MAX). */
  relayEnv?: Record<string, string>
  /** Share of the clients so far that may be without a reservation (failed, or lost it) and the run still go on to the next step; 0 by default. */
  tolerate?: number
  /** Extra node arguments for each client process (e.g. --cpu-prof --cpu-prof-dir=<dir>). */
  workerNodeArgs?: string[]
  /** Every client probes the relay every this many ms, as a browser's relay keeper does (32 bytes echoed on one ping stream per connection; 0 or none: no probes). */
  clientPingIntervalMs?: number
  /** Write the relay's V8 heap snapshot into this folder with no clients and after each step (see ./heap-diff.ts). */
  heapSnapshots?: string
}

export interface CapacityStep {
  /** Clients that asked for a reservation so far. */
  clients: number
  /** Clients holding a reservation after the step settled. */
  reserved: number
  relayRssMiB: number
  /** (RSS − RSS with no clients) ÷ reserved, KiB. */
  perPeerKiB: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Relay CPU seconds ÷ wall seconds while the step's clients arrived. */
  relayCpuCores: number
  /** Relay CPU seconds ÷ wall seconds while the clients sat idle in the settle (its pings, yamux keep-alives, timers). */
  relayIdleCpuCores: number
  /** /healthz's latency, ms; NaN when it failed (healthzError says why). */
  healthzMs: number
  healthzError?: string
  /** Failed reservations of this step, by error. */
  failures: Record<string, number>
  /** Client processes' resident memory in all, MiB. */
  clientsRssMiB: number
  /** Client processes' CPU seconds ÷ wall seconds (over all of them) while the step's clients arrived, and while they sat idle in the settle. */
  clientsCpuCores: number
  clientsIdleCpuCores: number
  /** The worst client process's event-loop delay p99 over the step and its settle, ms. */
  clientsLagP99Ms: number
  /** The clients' pings of the relay over the step and its settle, and those that failed (with clientPingIntervalMs). */
  clientPings?: { sent: number, failed: number }
  /** From the relay's /metrics (prom-client): V8 heap used and total, and memory outside the heap, MiB. */
  heapUsedMiB?: number
  heapTotalMiB?: number
  externalMiB?: number
  eventLoopLagP99Ms?: number
}

export interface CapacityResult {
  baselineRssMiB: number
  steps: CapacityStep[]
  /** The first failure and the step it happened in, if any. */
  firstFailure?: { clients: number, error: string }
  relayArgs: string[]
}

/** Asks the relay for a heap snapshot (SIGUSR2) and waits until its file is complete. */
async function heapSnapshot (relay: RelayProcess, dir: string | undefined): Promise<void> {
  if (dir == null) return
  const before = new Set(await readdir(dir))
  relay.process.kill('SIGUSR2')
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, 1000))
    const name = (await readdir(dir)).find(f => !before.has(f) && f.endsWith('.heapsnapshot'))
    if (name == null) continue
    // V8 writes the file in one go; its size stops changing when it is done
    const size = (await stat(join(dir, name))).size
    await new Promise(resolve => setTimeout(resolve, 1000))
    if ((await stat(join(dir, name))).size === size && size > 0) return
  }
}

export async function measureRelayCapacity (options: CapacityOptions, progress: (line: string) => void = () => {}): Promise<CapacityResult> {
  const largest = Math.max(...options.steps)
  const relayArgs = [
    '--max-reservations', String(largest + 100),
    '--max-connections', String(largest + 200),
    '--max-pending-connections', '1024',
    ...(options.relayArgs ?? [])
  ]
  const nodeOptions = [options.relayEnv?.NODE_OPTIONS, ...(options.heapSnapshots == null ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshots}`])].filter(o => o != null && o !== '')
  const env = { ...options.relayEnv, ...(nodeOptions.length > 0 ? { NODE_OPTIONS: nodeOptions.join(' ') } : {}) }
  const relay = await startRelay(relayArgs, { env })
  const workers: Worker[] = []
  const result: CapacityResult = { baselineRssMiB: 0, steps: [], relayArgs }
  const pingIntervalMs = options.clientPingIntervalMs ?? 0
  try {
    for (let i = 0; i < options.workers; i++) workers.push(await startWorker(options.workerNodeArgs))
    if (pingIntervalMs > 0) startPings(workers, pingIntervalMs)
    await new Promise(resolve => setTimeout(resolve, options.settleMs))
    const baseline = (await relayUsage(relay)).rssBytes
    result.baselineRssMiB = round(baseline / MiB)
    await heapSnapshot(relay, options.heapSnapshots)
    progress(`relay capacity: relay RSS with no clients ${result.baselineRssMiB} MiB`)
    const relayAddr = relay.addr('tcp')
    let clients = 0
    for (const target of options.steps) {
      const count = target - clients
      if (count <= 0) continue
      const before = await relayUsage(relay)
      const clientCpuBefore = await workersCpuSeconds(workers)
      const started = performance.now()
      const grown = await growClients(workers, { count, perSecond: options.perSecond, relay: relayAddr, relayPeerId: relay.peerId, timeoutMs: options.timeoutMs })
      const wall = (performance.now() - started) / 1000
      const during = await relayUsage(relay)
      const clientCpuDuring = await workersCpuSeconds(workers)
      clients = target
      const settled = performance.now()
      await new Promise(resolve => setTimeout(resolve, options.settleMs))
      const settleWall = (performance.now() - settled) / 1000
      const clientCpuIdle = (await workersCpuSeconds(workers) - clientCpuDuring) / settleWall
      const relayIdle = await relayUsage(relay)
      const counted = await countClients(workers, relay.peerId)
      const reserved = counted.holding
      const after = relayIdle
      await heapSnapshot(relay, options.heapSnapshots)
      // a relay too busy to answer is a finding of the step, not the end of the run
      const healthz: { ms: number, error?: string } = await healthzMs(relay).then(ms => ({ ms }), (err: Error) => ({ ms: NaN, error: String(err.cause ?? err) }))
      const heap = await relayHeap(relay).catch(() => ({}))
      const step: CapacityStep = {
        clients,
        reserved,
        relayRssMiB: round(after.rssBytes / MiB),
        perPeerKiB: reserved === 0 ? NaN : round((after.rssBytes - baseline) / 1024 / reserved),
        latencyP50Ms: round(percentile(grown.latencies, 50), 0),
        latencyP99Ms: round(percentile(grown.latencies, 99), 0),
        relayCpuCores: round((during.cpuSeconds - before.cpuSeconds) / wall, 2),
        relayIdleCpuCores: round((relayIdle.cpuSeconds - during.cpuSeconds) / settleWall, 2),
        healthzMs: round(healthz.ms, 0),
        ...(healthz.error != null ? { healthzError: healthz.error } : {}),
        failures: grown.failures,
        clientsRssMiB: round(grown.rssBytes / MiB),
        clientsCpuCores: round((clientCpuDuring - clientCpuBefore) / wall, 2),
        clientsIdleCpuCores: round(clientCpuIdle, 2),
        clientsLagP99Ms: counted.lagP99Ms,
        ...(pingIntervalMs > 0 ? { clientPings: counted.pings } : {}),
        ...heap
      }
      result.steps.push(step)
      progress(`relay capacity: ${reserved}/${clients} reserved, relay RSS ${step.relayRssMiB} MiB (${step.perPeerKiB} KiB per peer), reservation p50 ${step.latencyP50Ms} ms p99 ${step.latencyP99Ms} ms, relay CPU ${step.relayCpuCores} cores (idle ${step.relayIdleCpuCores}), healthz ${healthz.error ?? `${step.healthzMs} ms`}, event-loop delay p99 ${step.eventLoopLagP99Ms ?? '?'} ms, heap ${step.heapUsedMiB ?? '?'}/${step.heapTotalMiB ?? '?'} MiB, external ${step.externalMiB ?? '?'} MiB, clients RSS ${step.clientsRssMiB} MiB, clients CPU ${step.clientsCpuCores} cores (idle ${step.clientsIdleCpuCores}), clients' event-loop delay p99 ${step.clientsLagP99Ms} ms${step.clientPings != null ? `, clients' pings ${step.clientPings.sent} (${step.clientPings.failed} failed)` : ''}${Object.keys(grown.failures).length > 0 ? `, failures ${JSON.stringify(grown.failures)}` : ''}`)
      const firstError = Object.keys(grown.failures)[0]
      if ((firstError != null || reserved < clients) && result.firstFailure == null) {
        result.firstFailure = { clients, error: firstError ?? `${clients - reserved} reservations lost after the step` }
      }
      if (clients - reserved > (options.tolerate ?? 0) * clients) break
    }
  } finally {
    await stopWorkers(workers)
    await relay.stop()
  }
  return result
}

/** Relay memory and reservation latency against reserved peers, as one SVG. */
export function capacityPlot (result: CapacityResult): string {
  const steps = result.steps
  const memory = linePlot({
    id: 'relay-rss',
    title: 'Relay resident memory',
    description: `One relay; stock js-libp2p clients reserving in steps. Empty relay ${result.baselineRssMiB} MiB.`,
    xLabel: 'reserved peers',
    yLabel: 'MiB',
    yFromZero: true,
    series: [
      { name: 'RSS', points: [[0, result.baselineRssMiB], ...steps.map(s => [s.reserved, s.relayRssMiB] as [number, number])] },
      { name: 'V8 heap used', points: steps.map(s => [s.reserved, s.heapUsedMiB ?? null] as [number, number | null]) },
      { name: '2 GiB', points: [[0, 2048], [Math.max(...steps.map(s => s.reserved), 1), 2048]], reference: true }
    ]
  })
  const latency = linePlot({
    id: 'relay-reservation',
    title: 'Reservation latency',
    description: 'Dial, Noise, yamux, identify and reservation, as the clients saw it, for the clients of each step.',
    xLabel: 'reserved peers',
    yLabel: 'ms',
    yFromZero: true,
    series: [
      { name: 'p50', points: steps.map(s => [s.reserved, s.latencyP50Ms] as [number, number]) },
      { name: 'p99', points: steps.map(s => [s.reserved, s.latencyP99Ms] as [number, number]) }
    ]
  })
  return sideBySide('Relay capacity', [memory, latency])
}

if (import.meta.main) {
  const { parseArgs } = await import('node:util')
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '250,500,1000' },
      workers: { type: 'string', default: '4' },
      rate: { type: 'string', default: '20' },
      timeout: { type: 'string', default: '60000' },
      settle: { type: 'string', default: '5000' },
      'heap-snapshots': { type: 'string' },
      // share of the clients so far that may be without a reservation and the run go on (e.g. 0.01)
      tolerate: { type: 'string', default: '0' },
      // a directory for the client processes' V8 CPU profiles (node --cpu-prof), written when they stop
      'worker-cpu-prof': { type: 'string' },
      'relay-env': { type: 'string', multiple: true, default: [] },
      'relay-arg': { type: 'string', multiple: true, default: [] },
      // each client probes the relay every this many ms, as a browser's relay keeper does (10000)
      'client-pings': { type: 'string', default: '0' }
    }
  })
  const result = await measureRelayCapacity({
    steps: values.steps.split(',').map(Number),
    workers: Number(values.workers),
    perSecond: Number(values.rate),
    timeoutMs: Number(values.timeout),
    settleMs: Number(values.settle),
    heapSnapshots: values['heap-snapshots'],
    tolerate: Number(values.tolerate),
    workerNodeArgs: values['worker-cpu-prof'] != null ? ['--cpu-prof', `--cpu-prof-dir=${values['worker-cpu-prof']}`] : [],
    relayEnv: Object.fromEntries(values['relay-env'].map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    relayArgs: values['relay-arg'].flatMap(a => a.split(' ')),
    clientPingIntervalMs: Number(values['client-pings'])
  }, line => { console.log(line) })
  console.log(JSON.stringify(result, null, 2))
}
