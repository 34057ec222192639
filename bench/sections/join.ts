/**
 * `--only join` and `--only join-lab`: rooms joined by a fresh Bob, on the
 * loopback or inside the e2e NAT lab (bench/join.ts). Imported only after
 * ../support/ts-imports.ts has run: bench/join.ts links e2e modules.
 */
import { loadavg } from 'node:os'
import { FIRST_MESSAGE_AIM_MS, measureJoin, measureJoinLab, type JoinResult } from '../join.ts'
import { onCleanUp } from '../support/cleanup.ts'
import { log } from '../support/log.ts'
import type { BenchOptions } from '../support/options.ts'
import type { Results } from '../support/results.ts'
import type { Loopback } from './section.ts'

/** Records a join section's rows, verdict and trials (`details[key]`), or its failure. */
function recordJoin (results: Results, key: 'join' | 'joinLab', label: string, outcome: JoinResult | { error: unknown }): void {
  if ('error' in outcome) {
    results.sectionFailed(label, `join ${label}`, 'ms', outcome.error)
    results.joinVerdicts.push(`join ${label}: failed before its trials${key === 'joinLab' ? `; aim p50 < ${FIRST_MESSAGE_AIM_MS / 1000} s: not measured` : ''}`)
    return
  }
  if (outcome.failed) results.failed = true
  results.rows.push(...outcome.rows)
  results.joinVerdicts.push(outcome.verdict)
  results.details[key] = { where: outcome.where, aimMet: outcome.aimMet, summary: outcome.summary, load: outcome.load, trials: outcome.trials }
}

/** A fresh Bob opens Ann's room link, `trials` times, on the loopback. */
export async function measureJoinLoopback ({ options, results, browser, app, relays, relay }: Loopback): Promise<void> {
  results.load.beforeJoin = loadavg()
  try {
    recordJoin(results, 'join', 'loopback', await measureJoin(browser, { trials: options.trials, timeoutMs: 60_000, log, onCleanUp, appBase: app.url, relays, relayPeerId: relay.peerId }))
  } catch (err) {
    recordJoin(results, 'join', 'loopback', { error: err })
  }
  results.load.afterJoin = loadavg()
}

/** Inside the e2e NAT lab: rooms joined by a fresh Bob in one cone-NAT home, Ann in another. */
export async function measureJoinInLab (options: BenchOptions, results: Results): Promise<void> {
  if (process.env.PEERLINK_ISOLATED !== '1') {
    results.skipped.push('join-lab: the NAT lab builds its networks in the namespace it runs in; run the bench under scripts/isolated')
    results.joinVerdicts.push(`join lab: not run (outside scripts/isolated); aim p50 < ${FIRST_MESSAGE_AIM_MS / 1000} s: not measured`)
    return
  }
  results.load.beforeJoinLab = loadavg()
  try {
    const result = await measureJoinLab({ trials: options.trials, timeoutMs: 60_000, log, onCleanUp })
    results.browserVersion ||= result.browserVersion
    recordJoin(results, 'joinLab', 'lab', result)
  } catch (err) {
    recordJoin(results, 'joinLab', 'lab', { error: err })
  }
  results.load.afterJoinLab = loadavg()
}
