/**
 * This run's Chromium processes, from /proc (Linux): every process descended
 * from this Node process whose executable is Chromium, with its kind
 * (Chromium's `--type`: browser, renderer, gpu-process, utility…), CPU time
 * (utime + stime, s), resident memory and the browser process of its instance.
 * Shared by the e2e tests (memory bounds) and the benchmark (CPU per
 * transfer); erasable TypeScript only, as Node runs the benchmark by type
 * stripping.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'

const TICKS_PER_SECOND = 100 // CLK_TCK on Linux
const PAGE_BYTES = 4096

export interface ChromiumProcess {
  pid: number
  /** `--type`, with the utility sub-type when there is one (e.g. `utility:NetworkService`). */
  type: string
  cpuSeconds: number
  rssBytes: number
  /** The browser process of this process's Chromium instance (its own pid for a browser process). */
  browserPid: number
}

export interface Proc {
  pid: number
  ppid: number
  cpuSeconds: number
  rssBytes: number
}

/** One process's CPU time and resident memory, or undefined once it is gone. */
export async function readProc (pid: number): Promise<Proc | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // the command (field 2) is in parentheses and may hold spaces
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {
      pid,
      ppid: Number(rest[1]),
      cpuSeconds: (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND,
      rssBytes: Number(rest[21]) * PAGE_BYTES
    }
  } catch {
    return undefined
  }
}

export async function chromiumProcesses (): Promise<ChromiumProcess[]> {
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
  const out: ChromiumProcess[] = []
  const chromium = new Map<number, string[]>() // pid → command line
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
    chromium.set(p.pid, cmdline)
  }
  for (const [pid, cmdline] of chromium) {
    const p = procs.get(pid)
    if (p == null) continue
    let browserPid = pid
    // the outermost Chromium ancestor is the instance's browser process
    for (let q = procs.get(p.ppid), hops = 0; q != null && hops < 64; q = procs.get(q.ppid), hops++) {
      if (chromium.has(q.pid)) browserPid = q.pid
    }
    const type = cmdline.find(a => a.startsWith('--type='))?.slice('--type='.length) ?? 'browser'
    const subtype = cmdline.find(a => a.startsWith('--utility-sub-type='))?.slice('--utility-sub-type='.length)
    out.push({ pid: p.pid, type: subtype != null ? `${type}:${subtype.replace(/^.*\./, '')}` : type, cpuSeconds: p.cpuSeconds, rssBytes: p.rssBytes, browserPid })
  }
  return out
}
