/** What the sections found, gathered for the table and the JSON file (bench/support/report.ts). */
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { brief, log } from './log.ts'
import type { Row } from './stats.ts'

export class Results {
  readonly rows: Row[] = []
  /** What was not measured, or failed, and why; printed under the table. */
  readonly skipped: string[] = []
  readonly details: Record<string, unknown> = {}
  /** 1/5/15-minute load averages, at the start and around sections. */
  readonly load: Record<string, number[]> = { start: loadavg() }
  browserVersion = ''
  failed = false
  /** The lab's target per pair, printed under the table. */
  readonly labVerdicts: string[] = []
  /** Joining a room: the first message's p50 and, in the lab, its aim; printed under the table. */
  readonly joinVerdicts: string[] = []

  /** A section that failed as a whole: said under the table and in a row of its own. */
  sectionFailed (label: string, measurement: string, unit: string, err: unknown): void {
    this.failed = true
    this.skipped.push(`${label}: ${brief(err)}`)
    this.rows.push({ measurement, runs: [], median: null, unit, note: `failed: ${brief(err).split('\n')[0]}` })
  }
}

/** Writes a section's plot beside the results' JSON file `out` (`latest.json` → `latest-<name>.svg`). */
export async function writePlot (out: string, name: string, svg: string): Promise<void> {
  const plot = join(dirname(out), `${basename(out, '.json')}-${name}.svg`)
  await mkdir(dirname(plot), { recursive: true })
  await writeFile(plot, svg)
  log(`wrote ${plot}`)
}
