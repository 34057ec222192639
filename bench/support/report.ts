/**
 * The end of a bench run: the table and the notes under it on stdout, and
 * every figure with the machine, the options and the load averages in the
 * JSON file `--out` (bench/results/latest.json).
 */
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, release, totalmem } from 'node:os'
import { dirname } from 'node:path'
import { log } from './log.ts'
import { MiB, type BenchOptions } from './options.ts'
import type { Results } from './results.ts'
import { ROOT } from './servers.ts'
import { formatTable, round } from './stats.ts'

/** The commit measured, and whether the app, core or relay had uncommitted changes (the build is of the working tree). */
function revision (): { commit: string, dirty: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/web', 'packages/core', 'relay'], { cwd: ROOT, encoding: 'utf8' }).trim() !== ''
    return { commit, dirty }
  } catch {
    return undefined
  }
}

/** Prints the table and writes the JSON file; `labTargetRatio` is the NAT lab's aim (bench/lab.ts), when it ran. */
export async function report (options: BenchOptions, results: Results, labTargetRatio?: number): Promise<void> {
  const { runs, size, chunk, highWater, participants, cpuWindowMs, only, labPairs, labSize, trials, loopback } = options
  const { rows, skipped, details, load, browserVersion } = results
  const joins = only.has('join') || only.has('join-lab')
  const result = {
    date: new Date().toISOString(),
    revision: revision(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      arch: arch(),
      memoryGiB: round(totalmem() / 1024 ** 3, 1),
      kernel: release(),
      node: process.version,
      chromium: browserVersion,
      headless: true,
      network: process.env.PEERLINK_ISOLATED === '1' ? 'loopback-only network namespace' : 'host network',
      /** 1/5/15-minute load averages: other work on the machine skews absolute figures; compare within a run. */
      loadavg: Object.fromEntries(Object.entries(load).map(([k, v]) => [k, v.map(x => round(x, 2))]))
    },
    options: {
      runs, sizeBytes: size, chunkBytes: chunk, highWaterBytes: highWater, participants, cpuWindowMs, only: [...only],
      ...(only.has('lab') ? { labPairs, labSizeBytes: labSize } : {}),
      ...(joins ? { trials } : {}),
      ...(only.has('relay') ? { relayPeers: options.relayPeers } : {}),
      ...(only.has('storm') ? { stormPeers: options.stormPeers, stormSignal: options.stormSignal } : {}),
      ...(only.has('swarm') ? { swarmSizeBytes: options.swarmSize, swarmDownloaders: options.swarmDownloaders, swarmSeederLimit: options.swarmSeederLimit } : {}),
      ...(only.has('chat') ? { chatPages: options.chatPages, chatRate: options.chatRate, chatSeconds: options.chatSeconds, chatGraceMs: options.chatGraceMs } : {})
    },
    rows: rows.map(r => ({
      ...r,
      runs: r.runs.map(v => round(v, 2)),
      median: r.median == null ? null : round(r.median, 2),
      ...(r.MBps != null ? { MBps: round(r.MBps, 2) } : {}),
      ...(r.vsRaw != null ? { vsRaw: round(r.vsRaw, 3) } : {}),
      ...(r.cpuSeconds != null ? { cpuSeconds: round(r.cpuSeconds, 2) } : {}),
      ...(r.p95 != null ? { p95: round(r.p95, 2) } : {}),
      ...(r.p99 != null ? { p99: round(r.p99, 2) } : {}),
      ...(r.min != null ? { min: round(r.min, 2) } : {}),
      ...(r.max != null ? { max: round(r.max, 2) } : {})
    })),
    skipped,
    details
  }
  console.log(`\n${formatTable(rows)}\n`)
  for (const s of skipped) console.log(`skipped: ${s}`)
  if (results.labVerdicts.length > 0) console.log(`NAT lab, a ${labSize / MiB} MiB download within ${labTargetRatio}× of a raw data channel on the same path:\n${results.labVerdicts.map(v => `  ${v}`).join('\n')}\n`)
  if (results.joinVerdicts.length > 0) console.log(`Joining a room, ${trials} trial${trials === 1 ? '' : 's'} each, from Bob's navigation start (median = p50):\n${results.joinVerdicts.map(v => `  ${v}`).join('\n')}\n`)
  const transfers = ['raw', 'files', 'calls', 'play', 'lab'].some(part => only.has(part))
  const sizes = [...(transfers && loopback ? [`${size / MiB} MiB per transfer`] : []), ...(only.has('lab') ? [`${labSize / MiB} MiB in the lab`] : [])]
  const counts = [...(transfers ? [`median of ${runs}`] : []), ...(joins ? [`join: ${trials} trial${trials === 1 ? '' : 's'}`] : [])]
  const sectionLoad = (['beforeJoin', 'afterJoin', 'beforeJoinLab', 'afterJoinLab', 'beforeSwarm', 'afterSwarm', 'beforeChat', 'afterChat'] as const).filter(k => load[k] != null).map(k => `${k} ${load[k]![0]!.toFixed(1)}`)
  const loadNote = `load average ${load.start?.[0]?.toFixed(1)} → ${load.end?.[0]?.toFixed(1)} on ${cpus().length} cores${sectionLoad.length > 0 ? ` (${sectionLoad.join(', ')})` : ''}; ` +
    `${result.machine.cpu}, ${result.machine.memoryGiB} GiB, Linux ${result.machine.kernel}${browserVersion !== '' ? `, headless Chromium ${browserVersion}` : ''}`
  console.log(`(${[...(sizes.length > 0 ? ['MB = 10^6 bytes', ...sizes] : []), ...counts, loadNote].join('; ')})`)
  await mkdir(dirname(options.out), { recursive: true })
  await writeFile(options.out, JSON.stringify(result, null, 2) + '\n')
  log(`wrote ${options.out}`)
}
