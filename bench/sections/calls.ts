/**
 * `--only calls`: joining a call and the CPU of a call of `--participants`
 * (bench/calls.ts). Imported only after ../support/ts-imports.ts has run:
 * bench/calls.ts links e2e helpers.
 */
import { loadavg } from 'node:os'
import { measureCall, type CallResult } from '../calls.ts'
import { brief, log } from '../support/log.ts'
import { median, round } from '../support/stats.ts'
import type { Loopback } from './section.ts'

export async function measureCalls ({ options, results, browser, app, relays }: Loopback): Promise<void> {
  const { participants } = options
  const { rows, skipped } = results
  let call: CallResult | { skipped: string }
  try {
    call = await measureCall(browser, { participants, appBase: app.url, relays, cpuWindowMs: options.cpuWindowMs, timeoutMs: 120_000, log })
  } catch (err) {
    results.failed = true
    call = { skipped: `the call measurement failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` }
    log(`calls failed: ${brief(err)}`)
  }
  if ('skipped' in call) {
    skipped.push(`calls: ${call.skipped}`)
    rows.push({ measurement: 'Join call → first decoded remote frame', runs: [], median: null, unit: 'ms', note: `skipped: ${call.skipped}` })
    rows.push({ measurement: `CPU per participant, ${participants}-person call`, runs: [], median: null, unit: 'cores', note: `skipped: ${call.skipped}` })
  } else {
    const first = call.joins.map(j => j.firstFrameMs)
    const all = call.joins.map(j => j.allFramesMs)
    if (call.joins.length > 0) {
      rows.push({ measurement: 'Join call → first decoded remote frame', runs: first, median: median(first), unit: 'ms', note: `each joiner, into calls of ${call.joins.map(j => j.participants - 1).join(', ')}; getStats every 20 ms` })
      rows.push({ measurement: '  → frames from everyone in the call', runs: all, median: median(all), unit: 'ms', note: 'until every member already in the call is decoded' })
    }
    if (call.error != null) {
      results.failed = true
      log(`calls: ${call.error}`)
      skipped.push(`calls: the ${participants}-person call did not complete: ${call.error}`)
      rows.push({ measurement: `CPU per participant, ${participants}-person call`, runs: [], median: null, unit: 'cores', note: `failed: ${call.error}` })
    } else if (call.cpu != null) {
      rows.push({
        measurement: `CPU per participant, ${participants}-person call`, runs: [call.cpu.coresPerParticipant], median: call.cpu.coresPerParticipant, unit: 'cores',
        note: `all Chromium processes ${round(call.cpu.coresTotal, 2)} cores / ${participants} over ${round(call.cpu.windowMs / 1000, 0)} s; decoded fps per stream ${call.fpsPerStream?.join(', ') ?? ''}`
      })
    }
    results.details.calls = call
  }
  results.load.afterCalls = loadavg()
}
