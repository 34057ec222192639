/**
 * `--only relay`: one relay, stock js-libp2p clients reserving on it in steps
 * (bench/relay-capacity/); `--only storm`: a relay restart with peers kept on
 * it by Peerlink's RelayKeeper (bench/relay-capacity/storm.ts).
 */
import { loadavg } from 'node:os'
import { log } from '../support/log.ts'
import type { BenchOptions } from '../support/options.ts'
import { writePlot, type Results } from '../support/results.ts'
import { round } from '../support/stats.ts'

export async function measureRelay (options: BenchOptions, results: Results): Promise<void> {
  const { capacityPlot, measureRelayCapacity } = await import('../relay-capacity/run.ts')
  const { DEPLOYED_RELAY_ENV } = await import('../relay-capacity/pool.ts')
  const { DEFAULT_RELAY_HEARTBEAT } = await import('@peerlink/core')
  results.load.beforeRelay = loadavg()
  try {
    const capacity = await measureRelayCapacity({ steps: options.relayPeers, workers: 4, perSecond: 15, timeoutMs: 60_000, settleMs: 5000, relayEnv: DEPLOYED_RELAY_ENV, clientPingIntervalMs: DEFAULT_RELAY_HEARTBEAT.intervalMs }, log)
    for (const step of capacity.steps) {
      results.rows.push({
        measurement: `relay RSS, ${step.reserved} of ${step.clients} reserved`,
        runs: [step.relayRssMiB],
        median: step.relayRssMiB,
        unit: 'MiB',
        note: `${step.perPeerKiB} KiB per peer over the empty relay (${capacity.baselineRssMiB} MiB); heap ${step.heapUsedMiB ?? '?'} of ${step.heapTotalMiB ?? '?'} MiB; relay CPU ${step.relayCpuCores} cores while they arrived, ${step.relayIdleCpuCores} idle; /healthz ${step.healthzMs} ms; each client probing the relay every ${DEFAULT_RELAY_HEARTBEAT.intervalMs / 1000} s on one ping stream as a browser's relay keeper does (${step.clientPings?.sent ?? 0} probes, ${step.clientPings?.failed ?? 0} unanswered)`
      })
      results.rows.push({
        measurement: `  reservation, step to ${step.clients}`,
        runs: [step.latencyP50Ms],
        median: step.latencyP50Ms,
        unit: 'ms',
        note: `p99 ${step.latencyP99Ms} ms; dial, Noise, yamux, identify and reservation, timed by the client`
      })
    }
    await writePlot(options.out, 'relay', capacityPlot(capacity))
    if (capacity.firstFailure != null) results.skipped.push(`relay capacity: first failure at ${capacity.firstFailure.clients} clients: ${capacity.firstFailure.error}`)
    results.details.relay = capacity
  } catch (err) {
    results.sectionFailed('relay', 'relay capacity', 'MiB', err)
  }
  results.load.afterRelay = loadavg()
}

export async function measureStorm (options: BenchOptions, results: Results): Promise<void> {
  const { measureReconnectStorm, stormPlot } = await import('../relay-capacity/storm.ts')
  const { DEPLOYED_RELAY_ENV } = await import('../relay-capacity/pool.ts')
  results.load.beforeStorm = loadavg()
  try {
    const storm = await measureReconnectStorm({ peers: options.stormPeers, workers: 4, perSecond: 15, timeoutMs: 60_000, signal: options.stormSignal, recoverMs: 300_000, relayEnv: DEPLOYED_RELAY_ENV }, log)
    const away = `relay away ${round((storm.stopMs + storm.startMs) / 1000, 1)} s (${storm.signal})`
    results.rows.push({
      measurement: `storm: 99 % of ${storm.reservedBefore} back`,
      runs: storm.to99Ms == null ? [] : [storm.to99Ms],
      median: storm.to99Ms ?? null,
      unit: 'ms',
      note: `from the restarted relay's ready; all back ${storm.toAllMs ?? 'never'}${storm.toAllMs == null ? '' : ' ms'}; ${storm.lost} lost; ${away}; relay CPU ${storm.relayCpuCores} cores, RSS ${storm.relayRssBeforeMiB} → ${storm.relayRssAfterMiB} MiB`
    })
    results.rows.push({
      measurement: '  /healthz during the storm',
      runs: [storm.healthz.p50Ms],
      median: storm.healthz.p50Ms,
      unit: 'ms',
      note: `p99 ${storm.healthz.p99Ms} ms, max ${storm.healthz.maxMs} ms; ${storm.healthz.failed} of ${storm.healthz.samples} samples failed`
    })
    await writePlot(options.out, 'storm', stormPlot(storm))
    if (storm.lost > 0) results.skipped.push(`storm: ${storm.lost} of ${storm.reservedBefore} peers had no reservation ${storm.timeline.at(-1)?.[0] ?? 0} ms after the restart`)
    results.details.storm = storm
  } catch (err) {
    results.sectionFailed('storm', 'reconnect storm', 'ms', err)
  }
  results.load.afterStorm = loadavg()
}
