/**
 * `--only lab`: inside the e2e NAT lab, a raw data channel and Peerlink's
 * download between two pages in two home networks (bench/lab.ts). Imported
 * only after ../support/ts-imports.ts has run: bench/lab.ts links e2e/lab.
 */
import { loadavg } from 'node:os'
import { LAB_PAIRS, measureLab, type LabResult } from '../lab.ts'
import { onCleanUp } from '../support/cleanup.ts'
import { log } from '../support/log.ts'
import type { BenchOptions } from '../support/options.ts'
import type { Results } from '../support/results.ts'

export { TARGET_RATIO } from '../lab.ts'

/** Ends the process (code 2) if `--lab-pairs` names a pair the lab does not have. */
export function checkLabPairs (pairs: string[]): void {
  for (const id of pairs) {
    if (LAB_PAIRS[id] == null) {
      console.error(`bench: --lab-pairs takes ${Object.keys(LAB_PAIRS).join(', ')} (got "${id}")`)
      process.exit(2)
    }
  }
}

export async function measureNatLab (options: BenchOptions, results: Results): Promise<void> {
  if (process.env.PEERLINK_ISOLATED !== '1') {
    results.skipped.push('lab: the NAT lab builds its networks in the namespace it runs in; run the bench under scripts/isolated')
    return
  }
  let lab: LabResult
  try {
    lab = await measureLab({ pairs: options.labPairs, runs: options.runs, size: options.labSize, chunk: options.chunk, highWater: options.highWater, timeoutMs: 120_000, log, onCleanUp })
  } catch (err) {
    results.sectionFailed('lab', 'lab', 'ms', err)
    return
  }
  if (lab.failed) results.failed = true
  results.browserVersion ||= lab.browserVersion
  results.rows.push(...lab.rows)
  results.labVerdicts.push(...lab.verdicts)
  results.details.lab = { origin: lab.origin, sizeBytes: lab.sizeBytes, pairs: lab.pairs }
  results.load.afterLab = loadavg()
}
