/**
 * CPU time of this run's Chromium processes, from /proc (Linux): every
 * process descended from this Node process whose command is Chromium,
 * grouped by Chromium's `--type` (browser, renderer, gpu-process, utility, …).
 * utime + stime, in seconds; processes that exit between two samples drop out.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'

const TICKS_PER_SECOND = 100 // CLK_TCK on Linux

interface Proc {
  pid: number
  ppid: number
  seconds: number
}

async function readProc (pid: number): Promise<Proc | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // the command (field 2) is in parentheses and may hold spaces
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ppid = Number(rest[1])
    const utime = Number(rest[11])
    const stime = Number(rest[12])
    return { pid, ppid, seconds: (utime + stime) / TICKS_PER_SECOND }
  } catch {
    return undefined
  }
}

/** CPU seconds used so far by each kind of Chromium process under this Node process. */
export type CpuSample = Record<string, number>

export async function sampleChromiumCpu (): Promise<CpuSample> {
  const pids = (await readdir('/proc')).filter(d => /^\d+$/.test(d)).map(Number)
  const procs = new Map<number, Proc>()
  for (const pid of pids) {
    const p = await readProc(pid)
    if (p != null) procs.set(pid, p)
  }
  const ours = (pid: number): boolean => {
    for (let p = procs.get(pid), hops = 0; p != null && hops < 64; p = procs.get(p.ppid), hops++) {
      if (p.ppid === process.pid) return true
    }
    return false
  }
  const sample: CpuSample = {}
  for (const p of procs.values()) {
    if (!ours(p.pid)) continue
    let exe: string
    let cmdline: string[]
    try {
      exe = await readlink(`/proc/${p.pid}/exe`)
      // Chromium rewrites its process title: the arguments may be joined by spaces
      cmdline = (await readFile(`/proc/${p.pid}/cmdline`, 'utf8')).split(/[\0 ]+/)
    } catch {
      continue
    }
    if (!/chrom/i.test(exe)) continue
    const type = cmdline.find(a => a.startsWith('--type='))?.slice('--type='.length) ?? 'browser'
    const subtype = cmdline.find(a => a.startsWith('--utility-sub-type='))?.slice('--utility-sub-type='.length)
    const key = subtype != null ? `${type}:${subtype.replace(/^.*\./, '')}` : type
    sample[key] = (sample[key] ?? 0) + p.seconds
  }
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
