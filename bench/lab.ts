/**
 * The NAT lab in the bench (`--only lab`): two Chromium pages in two home
 * networks of the e2e NAT lab (e2e/lab: routers with cone, symmetric or
 * UDP-blocking NATs, the app over https, two relays over wss advertising
 * coturn's STUN and TURN in /relay.json). Per pair of homes, side by side in
 * the same two pages, alternating `runs` times:
 *
 * - a raw RTCDataChannel A→B (bench/raw-channel.ts) given the ICE servers the
 *   relays advertise, fetched from their /relay.json by A's page as the app
 *   fetches them, so ICE finds the same kind of path the app's WebRTC does;
 * - Peerlink's download of a fresh file of `size` bytes shared by A
 *   (bench/file-transfer.ts), over the app's own WebRTC connection B ↔ A.
 *
 * One raw transfer before the runs is not measured (the pages have just
 * opened); the order alternates (raw first in odd runs, Peerlink first in
 * even ones).
 *
 * The target: the file downloads at a rate within 2× of the raw channel on
 * the same path, i.e. Peerlink's time ≤ 2 × raw's (raw MB/s ÷ Peerlink MB/s
 * ≤ 2), taken per run from the two measurements made next to each other.
 * The candidate pair each used is read from getStats.
 */
import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import type { Browser, Page } from '@playwright/test'
import { labContext, launchIn, selectedPaths, type CandidatePath } from '../e2e/lab/browsers.ts'
import { LAB_HOMES, startLab } from '../e2e/lab/lab.ts'
import { saveToOpfs } from '../e2e/support/files.ts'
import { connectDirect, measureFileTransfer, type FileRunResult } from './file-transfer.ts'
import { describePath, measureRaw, type RawPath, type RawResult } from './raw-channel.ts'
import { openApp, waitDirect, waitReserved } from './support/browser.ts'
import { mbps, median, round, type Row } from './support/stats.ts'

/** Raw MB/s ÷ Peerlink MB/s at most this: the target. */
export const TARGET_RATIO = 2

/** The lab's homes: each pair's hosts are in two of them (one LAN holds both of its own). */
export const HOMES = LAB_HOMES

interface PairSpec {
  name: string
  /** Host (namespace) of A, who shares, and of B, who downloads. */
  a: string
  b: string
  /** The path ICE should take: hole-punched (host/srflx/prflx), through TURN, or host candidates on one LAN. */
  expected: 'direct' | 'turn' | 'lan'
}

/** The pairs `--lab-pairs` takes, as the e2e NAT lab has them. */
export const LAB_PAIRS: Record<string, PairSpec> = {
  'cone-cone': { name: 'cone ↔ cone', a: 'cone-1', b: 'cone-2', expected: 'direct' },
  'cone-symmetric': { name: 'cone ↔ symmetric', a: 'cone-1', b: 'symmetric-1', expected: 'turn' },
  'symmetric-symmetric': { name: 'symmetric ↔ symmetric', a: 'symmetric-1', b: 'symmetric-2', expected: 'turn' },
  'udp-blocked-cone': { name: 'UDP blocked ↔ cone', a: 'udp-blocked', b: 'cone-2', expected: 'turn' },
  lan: { name: 'one LAN', a: 'lan-a', b: 'lan-b', expected: 'lan' }
}

export interface LabOptions {
  /** Keys of LAB_PAIRS. */
  pairs: string[]
  runs: number
  size: number
  chunk: number
  highWater: number
  timeoutMs: number
  log: (line: string) => void
  /** Registers what stops something the lab started (called on Ctrl-C too). */
  onCleanUp: (cleanup: () => Promise<unknown>) => void
}

/** One side of a pair's path, in the words of the e2e lab: `TURN (udp)`, `srflx ↔ srflx`, `host ↔ prflx`. */
export interface PathSummary {
  /** Hole-punched or on one LAN (host, srflx or prflx candidates on both ends), through TURN, or none connected. */
  kind: 'direct' | 'turn' | 'none'
  words: string
  detail: string
}

export interface LabRun {
  raw: RawResult
  /** Without profiles (none are asked for). */
  file: FileRunResult
  /** Raw MB/s ÷ Peerlink MB/s (Peerlink's end-to-end time ÷ raw's time): the target is ≤ 2. */
  ratio: number
  /** The same against Peerlink's stored time (before the read-back into the saved file). */
  ratioStored: number
  /** The app's selected candidate pair (A's side) after the download. */
  peerlinkPath: PathSummary
  rawPath: PathSummary
  /** CPU seconds coturn used during the raw measurement (with its setup) and during the file's (with the share on A). */
  coturnCpuRaw: number
  coturnCpuFile: number
}

export interface LabPairResult {
  id: string
  pair: string
  expected: PairSpec['expected']
  error?: string
  runs: LabRun[]
  /** The ICE server URLs the raw channel was given (from /relay.json) and those the app's connection was created with. */
  rawIceServers: string[]
  appIceServers: string[]
  /** Medians over the runs. */
  rawMs?: number
  peerlinkMs?: number
  peerlinkStoredMs?: number
  ratio?: number
  ratioStored?: number
  targetMet?: boolean
  load: { start: number[], end: number[] }
}

export interface LabResult {
  origin: string
  browserVersion: string
  sizeBytes: number
  pairs: LabPairResult[]
  rows: Row[]
  /** One line per pair: the target, met or not. */
  verdicts: string[]
  failed: boolean
}

function summarize (kind: { local: string, remote: string, relayProtocol?: string } | null | undefined): PathSummary {
  if (kind == null) return { kind: 'none', words: 'no connected pair', detail: '' }
  if (kind.local === 'relay' || kind.remote === 'relay') {
    return { kind: 'turn', words: `TURN (${kind.relayProtocol ?? (kind.local === 'relay' ? '?' : 'remote side')})`, detail: '' }
  }
  return { kind: 'direct', words: `${kind.local} ↔ ${kind.remote}`, detail: '' }
}

/** Whether a selected pair is the path this pair of homes should take (on one LAN: our host address to theirs, or to it seen as peer-reflexive). */
function asExpected (p: { local: string, remote: string }, expected: PairSpec['expected']): boolean {
  const kind = summarize(p).kind
  return expected === 'lan' ? kind === 'direct' && p.local === 'host' && (p.remote === 'host' || p.remote === 'prflx') : kind === expected
}

export function appPathSummary (paths: CandidatePath[]): PathSummary {
  const p = paths[0]
  if (p == null) return summarize(null)
  const s = summarize(p)
  return { ...s, detail: `${p.local} ${p.localProtocol} ${p.localAddress} -> ${p.remote} ${p.remoteAddress}${paths.length > 1 ? ` (+${paths.length - 1} more connections)` : ''}` }
}

function rawPathSummary (path: RawPath | null): PathSummary {
  return { ...summarize(path), detail: describePath(path) }
}

/** utime + stime of a process, seconds (0 once it is gone). */
async function processCpuSeconds (pid: number | undefined): Promise<number> {
  if (pid == null) return 0
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / 100
  } catch {
    return 0
  }
}

/** The ICE servers the relays advertise, fetched by the page from each relay's /relay.json (as the app fetches them), in relay order. */
async function advertisedIceServers (page: Page, infoUrls: string[]): Promise<RTCIceServer[]> {
  const docs = await page.evaluate(async (urls) => Promise.all(urls.map(async (url) => {
    const response = await fetch(url, { cache: 'no-store' })
    if (!response.ok) throw new Error(`${url} answered ${response.status}`)
    return response.json() as Promise<{ iceServers?: unknown }>
  })), infoUrls)
  const servers: RTCIceServer[] = []
  for (const [i, doc] of docs.entries()) {
    if (!Array.isArray(doc.iceServers)) throw new Error(`${infoUrls[i]} advertises no iceServers list`)
    for (const entry of doc.iceServers as Array<Record<string, unknown>>) {
      const urls = Array.isArray(entry.urls) ? entry.urls : [entry.urls]
      if (!urls.every((u): u is string => typeof u === 'string')) throw new Error(`${infoUrls[i]}: an ICE server entry without URLs`)
      servers.push({
        urls,
        ...(typeof entry.username === 'string' ? { username: entry.username } : {}),
        ...(typeof entry.credential === 'string' ? { credential: entry.credential } : {})
      })
    }
  }
  return servers
}

const urlsOf = (servers: RTCIceServer[]): string[] => [...new Set(servers.flatMap(s => Array.isArray(s.urls) ? s.urls : [s.urls]))].sort()

/** A's selected candidate pairs to B, once they are of the expected kind (ICE may start on a TURN pair and move), or whatever they are after `timeoutMs`. */
async function settledAppPaths (page: Page, exclude: string[], expected: PairSpec['expected'], timeoutMs = 30_000): Promise<CandidatePath[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const paths = await selectedPaths(page, exclude)
    if (paths.length > 0 && paths.every(p => asExpected(p, expected))) return paths
    if (Date.now() > deadline) return paths
    // ICE gives no event the page can hand out here: poll its stats
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

function brief (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n').find(l => l.trim() !== '') ?? 'unknown error'
}

export async function measureLab (options: LabOptions): Promise<LabResult> {
  const { runs, size, log } = options
  const specs = options.pairs.map(id => {
    const spec = LAB_PAIRS[id]
    if (spec == null) throw new Error(`unknown lab pair "${id}" (${Object.keys(LAB_PAIRS).join(', ')})`)
    return { id, ...spec }
  })
  const hosts = new Set(specs.flatMap(s => [s.a, s.b]))
  const homes = HOMES.filter(h => h.hosts.some(x => hosts.has(x)))

  log(`lab: building ${homes.map(h => `${h.name} (${h.nat})`).join(', ')}, two relays (wss), coturn, the app over https`)
  const lab = await startLab(homes)
  options.onCleanUp(async () => lab.down())
  const relays = lab.relays.map(r => r.infoUrl)
  const relayAddresses = lab.relays.map(r => r.address)
  const result: LabResult = { origin: lab.origin, browserVersion: '', sizeBytes: size, pairs: [], rows: [], verdicts: [], failed: false }

  try {
    for (const spec of specs) {
      const pair: LabPairResult = { id: spec.id, pair: spec.name, expected: spec.expected, runs: [], rawIceServers: [], appIceServers: [], load: { start: loadavg(), end: [] } }
      result.pairs.push(pair)
      const browsers: Browser[] = []
      try {
        const open = async (host: string, name: 'A' | 'B'): Promise<Awaited<ReturnType<typeof openApp>>> => {
          const browser = await launchIn(lab.net.host(host), lab.spki)
          browsers.push(browser)
          options.onCleanUp(async () => browser.close())
          result.browserVersion ||= browser.version()
          const context = await labContext(browser, lab.origin)
          return openApp(browser, lab.origin, name, { relays, context, ...(name === 'B' ? { setup: saveToOpfs } : {}) })
        }
        const a = await open(spec.a, 'A')
        const b = await open(spec.b, 'B')
        for (const relay of lab.relays) await Promise.all([waitReserved(a, relay.peerId), waitReserved(b, relay.peerId)])
        const t0 = Date.now()
        await connectDirect(a, b)
        await waitDirect(b, a.peerId)
        const appPaths = await settledAppPaths(a.page, relayAddresses, spec.expected)
        const appPath = appPathSummary(appPaths)
        pair.appIceServers = [...new Set(appPaths.flatMap(p => p.iceServers))].sort()
        log(`lab ${spec.name}: A ${spec.a}, B ${spec.b}; Peerlink's connection B → A direct after ${Date.now() - t0} ms over ${appPath.words} (${appPath.detail})`)
        if (appPaths[0] == null || !asExpected(appPaths[0], spec.expected)) log(`lab ${spec.name}: note: the app's pair is ${appPath.words}, not the ${spec.expected} path this pair should take`)

        const rawOnce = async (): Promise<{ raw: RawResult, coturnCpu: number }> => {
          // fresh credentials each time, as the app refreshes them
          const iceServers = await advertisedIceServers(a.page, relays)
          pair.rawIceServers = urlsOf(iceServers)
          const before = await processCpuSeconds(lab.turn.process.pid)
          const raw = await measureRaw(a.page, b.page, { size, chunk: options.chunk, highWater: options.highWater, lowWater: options.highWater / 2, iceServers })
          return { raw, coturnCpu: round(await processCpuSeconds(lab.turn.process.pid) - before, 2) }
        }
        const fileOnce = async (i: number): Promise<{ file: FileRunResult, coturnCpu: number, path: PathSummary }> => {
          const before = await processCpuSeconds(lab.turn.process.pid)
          const file = await measureFileTransfer(a, b, { size, name: `lab-${spec.id}-${i + 1}.bin`, appBase: lab.origin, relays, timeoutMs: options.timeoutMs })
          const coturnCpu = round(await processCpuSeconds(lab.turn.process.pid) - before, 2)
          return { file, coturnCpu, path: appPathSummary(await selectedPaths(a.page, relayAddresses)) }
        }
        // not measured: the first transfer after the pages open runs beside the app's own start-up work
        const warm = await rawOnce()
        log(`lab ${spec.name} raw warm-up (not measured): ${Math.round(warm.raw.ms)} ms, ${warm.raw.pair}`)
        if (pair.rawIceServers.join(' ') !== pair.appIceServers.join(' ')) {
          log(`lab ${spec.name}: note: the raw channel's ICE servers (${pair.rawIceServers.join(' ')}) are not the app's (${pair.appIceServers.join(' ') || 'none seen'})`)
        }

        for (let i = 0; i < runs; i++) {
          // raw first in odd runs, Peerlink first in even ones: neither always follows the other
          let r: Awaited<ReturnType<typeof rawOnce>>
          let f: Awaited<ReturnType<typeof fileOnce>>
          if (i % 2 === 0) {
            r = await rawOnce()
            f = await fileOnce(i)
          } else {
            f = await fileOnce(i)
            r = await rawOnce()
          }
          const { raw } = r
          const { file } = f
          const run: LabRun = {
            raw,
            file,
            ratio: file.endToEndMs / raw.ms,
            ratioStored: file.storedMs / raw.ms,
            peerlinkPath: f.path,
            rawPath: rawPathSummary(raw.pathAfter ?? raw.path),
            coturnCpuRaw: r.coturnCpu,
            coturnCpuFile: f.coturnCpu
          }
          pair.runs.push(run)
          log(`lab ${spec.name} run ${i + 1}/${runs}: raw ${Math.round(raw.ms)} ms (${round(mbps(size, raw.ms))} MB/s, CPU ${raw.cpuSeconds} s, coturn ${r.coturnCpu} s, ` +
            `setup ${raw.setupMs} ms, ${raw.pair}${raw.pathAfter != null && describePath(raw.pathAfter) !== raw.pair ? `, then ${describePath(raw.pathAfter)}` : ''}); ` +
            `Peerlink end to end ${Math.round(file.endToEndMs)} ms (${round(mbps(size, file.endToEndMs))} MB/s, stored ${Math.round(file.storedMs)} ms, CPU ${file.cpuEndToEndSeconds} s, ` +
            `coturn ${f.coturnCpu} s, over ${f.path.words}); raw ÷ Peerlink ${round(run.ratio, 2)}× (stored ${round(run.ratioStored, 2)}×)`)
        }
      } catch (err) {
        pair.error = brief(err)
        result.failed = true
        log(`lab ${spec.name} failed: ${err instanceof Error ? err.message.split('\n').slice(0, 4).join('\n') : String(err)}`)
      } finally {
        for (const browser of browsers) await browser.close().catch(() => {})
        pair.load.end = loadavg()
      }

      const done = pair.runs
      if (done.length > 0) {
        pair.rawMs = median(done.map(r => r.raw.ms))
        pair.peerlinkMs = median(done.map(r => r.file.endToEndMs))
        pair.peerlinkStoredMs = median(done.map(r => r.file.storedMs))
        pair.ratio = median(done.map(r => r.ratio))
        pair.ratioStored = median(done.map(r => r.ratioStored))
        pair.targetMet = pair.ratio <= TARGET_RATIO
      }
      result.rows.push(...pairRows(pair, size))
      result.verdicts.push(verdict(pair))
    }
  } finally {
    await lab.down()
  }
  return result
}

/** `met` or `NOT MET`, with the median ratio and the paths, in one line. */
function verdict (pair: LabPairResult): string {
  if (pair.ratio == null) return `${pair.pair}: no figure (${pair.error ?? 'no run completed'})`
  const last = pair.runs[pair.runs.length - 1]!
  return `${pair.pair}: raw ÷ Peerlink ${round(pair.ratio, 2)}× (runs ${pair.runs.map(r => round(r.ratio, 2)).join(', ')}), ` +
    `target ≤ ${TARGET_RATIO}×: ${pair.targetMet === true ? 'met' : 'NOT MET'}${pair.error != null ? ` (then failed: ${pair.error})` : ''}; ` +
    `raw over ${last.rawPath.words}, Peerlink over ${last.peerlinkPath.words}`
}

function pairRows (pair: LabPairResult, size: number): Row[] {
  const label = `lab ${pair.pair}`
  if (pair.rawMs == null || pair.peerlinkMs == null || pair.ratio == null) {
    return [{ measurement: `${label}: raw ÷ Peerlink`, runs: [], median: null, unit: '×', note: `failed: ${pair.error ?? 'no run completed'}` }]
  }
  const runs = pair.runs
  const paths = (xs: PathSummary[]): string => [...new Set(xs.map(x => x.words))].join(' / ')
  const coturn = (xs: number[]): string => pair.expected === 'turn' || xs.some(x => x > 0.5) ? `; coturn ${round(median(xs), 1)} CPU s` : ''
  return [
    {
      measurement: `${label}: raw RTCDataChannel A→B`, runs: runs.map(r => r.raw.ms), median: pair.rawMs, unit: 'ms', MBps: mbps(size, pair.rawMs), vsRaw: 1,
      cpuSeconds: median(runs.map(r => r.raw.cpuSeconds)),
      note: `over ${paths(runs.map(r => r.rawPath))}; the relays' STUN/TURN${coturn(runs.map(r => r.coturnCpuRaw))}`
    },
    {
      measurement: `${label}: Peerlink stored`, runs: runs.map(r => r.file.storedMs), median: pair.peerlinkStoredMs!, unit: 'ms', MBps: mbps(size, pair.peerlinkStoredMs!), vsRaw: pair.rawMs / pair.peerlinkStoredMs!,
      cpuSeconds: median(runs.map(r => r.file.cpuStoredSeconds)),
      note: 'click → fetched, verified, in IndexedDB'
    },
    {
      measurement: `${label}: Peerlink end to end`, runs: runs.map(r => r.file.endToEndMs), median: pair.peerlinkMs, unit: 'ms', MBps: mbps(size, pair.peerlinkMs), vsRaw: pair.rawMs / pair.peerlinkMs,
      cpuSeconds: median(runs.map(r => r.file.cpuEndToEndSeconds)),
      note: `click → saved, SHA-256 checked; over ${paths(runs.map(r => r.peerlinkPath))}${coturn(runs.map(r => r.coturnCpuFile))}`
    },
    {
      measurement: `${label}: raw ÷ Peerlink (target ≤ ${TARGET_RATIO}×)`, runs: runs.map(r => r.ratio), median: pair.ratio, unit: '×',
      note: `${pair.targetMet === true ? 'met' : 'NOT MET'}; per run, end to end (stored: ${round(pair.ratioStored!, 2)}×)`
    }
  ]
}
