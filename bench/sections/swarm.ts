/**
 * `--only swarm`: one file to many browsers, a seeder and 1, 2, 4, 8
 * downloaders starting together (bench/swarm.ts). Imported only after
 * ../support/ts-imports.ts has run: bench/swarm.ts links e2e helpers.
 */
import { loadavg } from 'node:os'
import { measureSwarm, swarmPlot } from '../swarm.ts'
import { log } from '../support/log.ts'
import { writePlot } from '../support/results.ts'
import { TIMEOUT_MS, type Loopback } from './section.ts'

export async function measureSwarmSection ({ options, results, browser, app, relays, relay }: Loopback): Promise<void> {
  const { skipped } = results
  results.load.beforeSwarm = loadavg()
  try {
    const swarm = await measureSwarm(browser, {
      size: options.swarmSize, downloaders: options.swarmDownloaders, seederLimit: options.swarmSeederLimit, appBase: app.url, relays, relayPeerId: relay.peerId, timeoutMs: TIMEOUT_MS, meshMs: 60_000, log
    })
    results.rows.push(...swarm.rows)
    for (const e of swarm.errors) {
      results.failed = true
      skipped.push(`swarm, ${e.downloaders} downloaders: ${e.error}`)
    }
    for (const r of swarm.rounds.filter(r => r.notOnline.length > 0)) skipped.push(`swarm, ${r.downloaders} downloaders: members not seen online before the start: ${r.notOnline.join(', ')}`)
    const inexact = swarm.rounds.filter(r => r.exact !== r.downloaders)
    if (inexact.length > 0) {
      results.failed = true
      skipped.push(`swarm: saved files with a wrong SHA-256 in the rounds of ${inexact.map(r => r.downloaders).join(', ')} downloaders`)
    }
    if (swarm.rounds.length > 0) await writePlot(options.out, 'swarm', swarmPlot(swarm))
    results.details.swarm = { sizeBytes: swarm.sizeBytes, seederLimit: swarm.seederLimit ?? null, rounds: swarm.rounds, errors: swarm.errors }
  } catch (err) {
    results.sectionFailed('swarm', 'swarm', 'ms', err)
  }
  results.load.afterSwarm = loadavg()
}
