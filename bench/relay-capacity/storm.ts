/**
 * Reconnect storm: `peers` clients hold reservations on one relay, each kept
 * there by Peerlink's RelayKeeper (the reconnect loop a browser runs:
 * exponential backoff with jitter). Then the relay restarts on the same
 * ports with the same identity (SIGTERM, as an upgrade does, or SIGKILL, as
 * a crash does) and every client comes back on its own. Measured: how long
 * the relay was away, the time from its new `ready` until 99 % and then all
 * of the clients hold a reservation again, /healthz's latency during the
 * storm (sampled every 250 ms), the relay's CPU during it, and the clients
 * that never came back (lost).
 */
import { rm, writeFile } from 'node:fs/promises'
import { freePort } from '../../relay/test/support/relay-process.ts'
import { linePlot } from '../support/plot.ts'
import { startRelay, type RelayProcess } from '../support/servers.ts'
import { percentile, round } from '../support/stats.ts'
import { countClients, countReserved, DEPLOYED_RELAY_ENV, growClients, listenOverflows, MiB, relayUsage, startWorker, stopWorkers, workersCpuSeconds, type Worker } from './pool.ts'

export interface StormOptions {
  /** Clients that reserve before the restart. */
  peers: number
  /** Client processes. */
  workers: number
  /** New clients per second while they first arrive, over all workers. */
  perSecond: number
  /** How long one client may take to first connect and reserve, ms. */
  timeoutMs: number
  /** How the relay goes away: SIGTERM (drains, as an upgrade does) or SIGKILL (a crash). */
  signal: 'SIGTERM' | 'SIGKILL'
  /** How long to wait for every client to come back after the relay is ready again, ms. */
  recoverMs: number
  /** Extra environment for the relay process (e.g. MALLOC_ARENA_MAX, DEBUG, NODE_OPTIONS=--cpu-prof). */
  relayEnv?: Record<string, string>
  /** Extra relay flags (after the bench's own). */
  relayArgs?: string[]
  /** A file to write the restarted relay's output and its /metrics to at the end. */
  relayLog?: string
}

export interface HealthzFigures {
  samples: number
  /** Samples that failed or timed out (5 s), or answered other than 200. */
  failed: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export interface StormResult {
  peers: number
  /** Reservations held just before the restart. */
  reservedBefore: number
  /** Failed first reservations, by error (the storm counts only those that reserved). */
  growFailures: Record<string, number>
  signal: StormOptions['signal']
  /** From the signal until the old process exited, ms. */
  stopMs: number
  /** From the old process's exit until the new one said `ready`, ms. */
  startMs: number
  /** From the new relay's `ready` until 99 % of reservedBefore held a reservation again, ms (absent when that never happened). */
  to99Ms?: number
  /** From the new relay's `ready` until all of them did, ms. */
  toAllMs?: number
  /** Reservations held when the wait ended. */
  reservedAfter: number
  /** reservedBefore − reservedAfter. */
  lost: number
  /** The clients' RelayKeeper states when the wait ended (`connected` without `reserved`: connected, no reservation). */
  keepersAfter: Record<string, number>
  /** The last errors of the keepers not holding a reservation when the wait ended, by message. */
  errorsAfter: Record<string, number>
  /** The keepers' failed attempts during the storm, by how long each took and its error. */
  failedAttempts: Record<string, number>
  /** /healthz during the storm (from `ready` until all were back or the wait ended). */
  healthz: HealthzFigures
  /** Relay CPU seconds ÷ wall seconds during the storm. */
  relayCpuCores: number
  /** The client processes' CPU seconds ÷ wall seconds during the storm, in all (they share the machine's cores with the relay). */
  clientCpuCores: number
  /** The client processes' worst event-loop delay (p99 of each 0.5 s), ms: how late a starved client answers. */
  clientLagMaxMs: number
  /** Connections the kernel dropped during the storm for want of room in a listener's accept queue (TcpExt ListenOverflows, ListenDrops). */
  listenOverflows: number
  listenDrops: number
  relayRssBeforeMiB: number
  relayRssAfterMiB: number
  /** Reservations held over time since `ready`: [ms, held]. */
  timeline: Array<[number, number]>
}

/** /healthz every `everyMs` until `signal` aborts; latencies of the 200 answers and a count of the rest. */
async function sampleHealthz (relay: Pick<RelayProcess, 'http'>, everyMs: number, signal: AbortSignal): Promise<HealthzFigures> {
  const latencies: number[] = []
  let failed = 0
  while (!signal.aborted) {
    const started = performance.now()
    try {
      const res = await fetch(`${relay.http}/healthz`, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      if (res.status === 200) latencies.push(performance.now() - started)
      else failed++
    } catch {
      failed++
    }
    const wait = everyMs - (performance.now() - started)
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
  }
  return {
    samples: latencies.length + failed,
    failed,
    p50Ms: round(percentile(latencies, 50), 0),
    p99Ms: round(percentile(latencies, 99), 0),
    maxMs: round(Math.max(0, ...latencies), 0)
  }
}

export async function measureReconnectStorm (options: StormOptions, progress: (line: string) => void = () => {}): Promise<StormResult> {
  const ports = ['--ws-port', '--webrtc-port', '--tcp-port', '--http-port']
  const relayArgs = [
    ...(await Promise.all(ports.map(async flag => [flag, String(await freePort())]))).flat(),
    '--max-reservations', String(options.peers + 100),
    '--max-connections', String(options.peers + 200),
    ...(options.relayArgs ?? [])
  ]
  const env = options.relayEnv ?? {}
  let relay = await startRelay(relayArgs, { env })
  const dataDir = relay.dataDir
  const workers: Worker[] = []
  try {
    for (let i = 0; i < options.workers; i++) workers.push(await startWorker())
    const grown = await growClients(workers, { count: options.peers, perSecond: options.perSecond, relay: relay.addr('tcp'), relayPeerId: relay.peerId, timeoutMs: options.timeoutMs, keep: true })
    const reservedBefore = await countReserved(workers, relay.peerId)
    const rssBefore = (await relayUsage(relay)).rssBytes
    progress(`reconnect storm: ${reservedBefore} of ${options.peers} reserved, relay RSS ${round(rssBefore / MiB)} MiB; ${options.signal} to the relay`)

    const stopStarted = performance.now()
    relay.process.kill(options.signal)
    await relay.stop()
    const stopped = performance.now()
    relay = await startRelay(relayArgs, { env, dataDir })
    const ready = performance.now()
    const cpuAtReady = (await relayUsage(relay)).cpuSeconds
    const clientCpuAtReady = await workersCpuSeconds(workers)
    const listenAtReady = await listenOverflows()
    let clientLagMaxMs = 0
    const failedAttempts: Record<string, number> = {}
    // from the ready relay on
    await countClients(workers, relay.peerId)
    progress(`reconnect storm: relay away ${round((ready - stopStarted) / 1000, 1)} s (stop ${round((stopped - stopStarted) / 1000, 1)} s, start ${round((ready - stopped) / 1000, 1)} s)`)

    const sampling = new AbortController()
    const healthz = sampleHealthz(relay, 250, sampling.signal)
    const timeline: Array<[number, number]> = []
    let to99: number | undefined
    let toAll: number | undefined
    let held = 0
    let keepers: Record<string, number> = {}
    let errors: Record<string, number> = {}
    let reported = 0
    while (performance.now() - ready < options.recoverMs) {
      const counted = await countClients(workers, relay.peerId)
      ;({ holding: held, keepers, errors } = counted)
      clientLagMaxMs = Math.max(clientLagMaxMs, counted.lagP99Ms)
      for (const [k, v] of Object.entries(counted.failedAttempts)) failedAttempts[k] = (failedAttempts[k] ?? 0) + v
      const at = performance.now() - ready
      if (at - reported >= 10_000) {
        reported = at
        progress(`reconnect storm: ${round(at / 1000, 0)} s: ${held} held; client lag p99 ${counted.lagP99Ms} ms; keepers ${JSON.stringify(keepers)}; last errors ${JSON.stringify(errors)}`)
      }
      timeline.push([round(at, 0), held])
      if (to99 == null && held >= Math.ceil(reservedBefore * 0.99)) to99 = at
      if (held >= reservedBefore) { toAll = at; break }
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    const wall = (performance.now() - ready) / 1000
    sampling.abort()
    const after = await relayUsage(relay)
    const clientCpu = await workersCpuSeconds(workers) - clientCpuAtReady
    const listenAfter = await listenOverflows()
    if (options.relayLog != null) {
      const metrics = await fetch(`${relay.http}/metrics`, { signal: AbortSignal.timeout(30_000) }).then(async r => r.text()).catch((err: Error) => `metrics: ${err.message}`)
      await writeFile(options.relayLog, `${relay.output()}\n--- /metrics ---\n${metrics}`)
    }
    const result: StormResult = {
      peers: options.peers,
      reservedBefore,
      growFailures: grown.failures,
      signal: options.signal,
      stopMs: round(stopped - stopStarted, 0),
      startMs: round(ready - stopped, 0),
      ...(to99 != null ? { to99Ms: round(to99, 0) } : {}),
      ...(toAll != null ? { toAllMs: round(toAll, 0) } : {}),
      reservedAfter: held,
      lost: reservedBefore - held,
      keepersAfter: keepers,
      errorsAfter: errors,
      failedAttempts,
      healthz: await healthz,
      relayCpuCores: round((after.cpuSeconds - cpuAtReady) / wall, 2),
      clientCpuCores: round(clientCpu / wall, 2),
      clientLagMaxMs,
      listenOverflows: listenAfter.overflows - listenAtReady.overflows,
      listenDrops: listenAfter.drops - listenAtReady.drops,
      relayRssBeforeMiB: round(rssBefore / MiB),
      relayRssAfterMiB: round(after.rssBytes / MiB),
      timeline
    }
    progress(`reconnect storm: 99 % back ${result.to99Ms ?? '—'} ms, all back ${result.toAllMs ?? '—'} ms after ready; ${result.lost} lost (keepers ${JSON.stringify(result.keepersAfter)}); /healthz p50 ${result.healthz.p50Ms} ms p99 ${result.healthz.p99Ms} ms max ${result.healthz.maxMs} ms, ${result.healthz.failed} of ${result.healthz.samples} failed; relay CPU ${result.relayCpuCores} cores, clients ${result.clientCpuCores} cores (worst lag ${result.clientLagMaxMs} ms); listen queue overflows ${result.listenOverflows}, drops ${result.listenDrops}; failed attempts ${JSON.stringify(failedAttempts)}`)
    return result
  } finally {
    await stopWorkers(workers)
    await relay.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** Reservations held against time since the relay was ready again, as one SVG. */
export function stormPlot (result: StormResult): string {
  const end = result.timeline.at(-1)?.[0] ?? 0
  return linePlot({
    id: 'relay-storm',
    title: `Reconnect storm: ${result.reservedBefore} peers, relay restarted (${result.signal})`,
    description: `The relay was away ${round((result.stopMs + result.startMs) / 1000, 1)} s; clients kept by Peerlink's RelayKeeper (backoff with jitter). ${result.lost} lost.`,
    xLabel: 'ms since the relay was ready again',
    yLabel: 'reservations held',
    yFromZero: true,
    series: [
      { name: 'held', points: result.timeline },
      { name: 'before the restart', points: [[0, result.reservedBefore], [end, result.reservedBefore]], reference: true }
    ]
  })
}

if (import.meta.main) {
  const { parseArgs } = await import('node:util')
  const { values } = parseArgs({
    options: {
      peers: { type: 'string', default: '2000' },
      workers: { type: 'string', default: '4' },
      rate: { type: 'string', default: '15' },
      timeout: { type: 'string', default: '60000' },
      signal: { type: 'string', default: 'SIGTERM' },
      recover: { type: 'string', default: '300000' },
      // the restarted relay's output and /metrics at the end
      'relay-log': { type: 'string' },
      // the relay's DEBUG namespaces (see @libp2p/logger), e.g. peerlink:relay*,libp2p:connection-manager
      'relay-debug': { type: 'string' },
      // a directory for the relays' V8 CPU profiles (node --cpu-prof)
      'cpu-prof': { type: 'string' },
      // an extra relay flag (repeatable), e.g. --relay-arg=--max-pending-connections=256
      'relay-arg': { type: 'string', multiple: true, default: [] }
    }
  })
  if (values.signal !== 'SIGTERM' && values.signal !== 'SIGKILL') throw new Error('--signal is SIGTERM or SIGKILL')
  const result = await measureReconnectStorm({
    peers: Number(values.peers),
    workers: Number(values.workers),
    perSecond: Number(values.rate),
    timeoutMs: Number(values.timeout),
    signal: values.signal,
    recoverMs: Number(values.recover),
    relayEnv: {
      ...DEPLOYED_RELAY_ENV,
      ...(values['relay-debug'] != null ? { DEBUG: values['relay-debug'] } : {}),
      ...(values['cpu-prof'] != null ? { NODE_OPTIONS: `${DEPLOYED_RELAY_ENV.NODE_OPTIONS} --cpu-prof --cpu-prof-dir=${values['cpu-prof']}` } : {})
    },
    relayArgs: values['relay-arg'].flatMap(a => a.split('=')),
    ...(values['relay-log'] != null ? { relayLog: values['relay-log'] } : {})
  }, line => { console.log(line) })
  console.log(JSON.stringify(result, null, 2))
}
