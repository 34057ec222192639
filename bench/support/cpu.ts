/**
 * CPU time of this run's Chromium processes (see e2e/support/processes.ts),
 * grouped by Chromium's `--type` (browser, renderer, gpu-process, utility, …).
 * utime + stime, in seconds; processes that exit between two samples drop out.
 */
import { chromiumProcesses } from '../../e2e/support/processes.ts'

/** CPU seconds used so far by each kind of Chromium process under this Node process. */
export type CpuSample = Record<string, number>

export async function sampleChromiumCpu (): Promise<CpuSample> {
  const sample: CpuSample = {}
  for (const p of await chromiumProcesses()) sample[p.type] = (sample[p.type] ?? 0) + p.cpuSeconds
  return sample
}

/** CPU seconds used between two samples, by kind and in total. */
export function cpuDelta (before: CpuSample, after: CpuSample): { total: number, byType: Record<string, number> } {
  const byType: Record<string, number> = {}
  let total = 0
  for (const [key, value] of Object.entries(after)) {
    const d = Math.max(0, value - (before[key] ?? 0))
    byType[key] = Math.round(d * 100) / 100
    total += d
  }
  return { total: Math.round(total * 100) / 100, byType }
}
